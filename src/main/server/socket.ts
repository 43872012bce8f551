// The API over a WebSocket: the socket transport of the channel protocol (api/channel.ts).
// Each text message is decoded from JSON and handed to the hub; what the hub sends goes
// out as JSON text, with the limits a network client needs.
import { WebSocketServer, type RawData, type WebSocket } from 'ws'
import type { WsMessage } from '../../shared/api/wire'
import { createChannelHub } from '../api/channel'
import type { Dispatch } from '../api/dispatch'
import type { EventBus } from '../events'

export { MAX_IN_FLIGHT_BYTES, NO_ID } from '../api/channel'

/** Select-all on 100,000 posters sends ~1.5 MB of ids; anything far beyond is refused. */
export const MAX_MESSAGE_BYTES = 8 * 1024 * 1024
/** A client this far behind on reading is cut off (it reconnects) rather than buffered without bound. */
export const MAX_BUFFERED_BYTES = 32 * 1024 * 1024
/** The close code of a client cut off for MAX_BUFFERED_BYTES (4000-4999: the application's own). */
export const TOO_FAR_BEHIND = 4008

/**
 * Closes with a code and reason the client can show, then cuts the socket if the closing
 * handshake has not finished within a second (its buffer is what we are freeing).
 */
function cut(ws: WebSocket, code: number, reason: string): void {
  ws.close(code, reason)
  setTimeout(() => ws.terminate(), 1000).unref()
}

export interface SocketApi {
  wss: WebSocketServer
  close(): Promise<void>
}

export function createSocketApi(dispatch: Dispatch, events: EventBus): SocketApi {
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES, perMessageDeflate: false })
  const hub = createChannelHub(dispatch, events)
  // An event goes to every socket as one message object: encode it once.
  const encoded = new WeakMap<WsMessage, string>()
  const encode = (msg: WsMessage): string => {
    let text = encoded.get(msg)
    if (text === undefined) encoded.set(msg, (text = JSON.stringify(msg)))
    return text
  }

  wss.on('connection', (ws: WebSocket) => {
    const link = hub.attach({
      send(msg) {
        if (ws.readyState !== ws.OPEN) return
        if (ws.bufferedAmount > MAX_BUFFERED_BYTES) return void cut(ws, TOO_FAR_BEHIND, `more than ${MAX_BUFFERED_BYTES / 2 ** 20} MB of replies unread`)
        ws.send(encode(msg))
      },
    })
    // A malformed frame or an oversize message makes ws emit 'error' and close the socket
    // (1002 / 1009, which the client puts in words); without this listener the error would be
    // thrown and kill the server.
    ws.on('error', () => setTimeout(() => ws.terminate(), 1000).unref())
    ws.on('close', () => link.detach())
    ws.on('message', (data: RawData, isBinary: boolean) => {
      if (isBinary) return link.refuse('messages are JSON text')
      let json: unknown
      const text = data.toString()
      try {
        json = JSON.parse(text)
      } catch {
        return link.refuse('message is not valid JSON')
      }
      link.receive(json, text.length)
    })
  })

  return {
    wss,
    close: () =>
      new Promise<void>((resolve) => {
        hub.close()
        for (const ws of wss.clients) ws.close(1001, 'server shutting down')
        // Sockets that do not finish the closing handshake promptly are cut.
        const timer = setTimeout(() => {
          for (const ws of wss.clients) ws.terminate()
        }, 1000)
        wss.close(() => {
          clearTimeout(timer)
          resolve()
        })
      }),
  }
}
