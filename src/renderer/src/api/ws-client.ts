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

/** The server's limits, as the client words a close for them (server/socket.ts). */
const CLOSED_FOR: Record<number, string> = {
  1001: 'the server is shutting down',
  1002: 'the server refused a malformed message',
  1009: 'the server refused a request over 8 MB (too large)',
  4008: 'the server cut the connection: more than 32 MB of its replies were left unread',
}

/** Why the socket closed, in words, when its close event says (null: it just dropped). */
export function closeReason(ev: unknown): string | null {
  const { code, reason } = (ev ?? {}) as { code?: number; reason?: string }
  if (code !== undefined && CLOSED_FOR[code]) return CLOSED_FOR[code]
  return reason ? `the server closed the connection: ${reason}` : null
}

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
      s.onclose = (ev) => link.closed(closeReason(ev) ?? undefined)
      return {
        send: (msg) => {
          if (s.readyState === OPEN) s.send(JSON.stringify(msg))
        },
        close: () => s.close(),
      }
    },
  })
}
