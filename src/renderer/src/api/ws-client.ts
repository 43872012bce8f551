// The renderer's bridge over a WebSocket, for the renderer served by `posterity serve`: the
// socket transport of the channel client (channel-client.ts), messages as JSON text.
import { createChannelClient, type ChannelClient } from './channel-client'

/** The subset of the WebSocket API the client uses (the browser's, or `ws` in tests). */
export interface SocketLike {
  readonly readyState: number
  send(data: string): void
  close(code?: number, reason?: string): void
  onopen: ((ev: unknown) => void) | null
  onclose: ((ev: unknown) => void) | null
  onerror: ((ev: unknown) => void) | null
  onmessage: ((ev: { data: unknown }) => void) | null
}

export interface WsClientOptions {
  url: string
  /** Opens a socket; defaults to the browser's WebSocket. */
  open?: (url: string) => SocketLike
  /** Backoff bounds in ms. */
  minDelay?: number
  maxDelay?: number
  /** A call made while the socket is down fails after this long (ms) if it could not be sent. */
  queueTimeout?: number
}

export type WsClient = ChannelClient

const OPEN = 1

export function createWsClient(options: WsClientOptions): WsClient {
  const open = options.open ?? ((url: string) => new WebSocket(url) as unknown as SocketLike)
  return createChannelClient({
    minDelay: options.minDelay,
    maxDelay: options.maxDelay,
    queueTimeout: options.queueTimeout,
    connect(link) {
      const s = open(options.url)
      s.onopen = () => link.open()
      s.onmessage = (ev) => {
        let data: unknown
        try {
          data = JSON.parse(String(ev.data))
        } catch {
          return
        }
        link.message(data)
      }
      s.onerror = () => {}
      s.onclose = () => link.closed()
      return {
        send: (msg) => {
          if (s.readyState === OPEN) s.send(JSON.stringify(msg))
        },
        close: () => s.close(),
      }
    },
  })
}
