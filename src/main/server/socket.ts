// The API over a WebSocket: each text message is a WsCall, answered by a result envelope
// from the same dispatch the desktop IPC uses; core events go to every open socket.
import { WebSocketServer, type RawData, type WebSocket } from 'ws'
import { z } from 'zod'
import { WsCall, type Envelope, type WsMessage } from '../../shared/api/wire'
import type { Dispatch } from '../api/dispatch'
import type { EventBus } from '../events'

/** Select-all on 100,000 posters sends ~1.5 MB of ids; anything far beyond is refused. */
export const MAX_MESSAGE_BYTES = 8 * 1024 * 1024
/** Calls one socket may have running at once; more are refused rather than queued without bound. */
export const MAX_IN_FLIGHT = 256
/** A client this far behind on reading is cut off (it reconnects) rather than buffered without bound. */
export const MAX_BUFFERED_BYTES = 32 * 1024 * 1024
/** Messages that cannot be matched to a call are answered with this id. */
export const NO_ID = -1

export interface SocketApi {
  wss: WebSocketServer
  close(): Promise<void>
}

export function createSocketApi(dispatch: Dispatch, events: EventBus): SocketApi {
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES, perMessageDeflate: false })

  const sendText = (ws: WebSocket, text: string): void => {
    if (ws.readyState !== ws.OPEN) return
    if (ws.bufferedAmount > MAX_BUFFERED_BYTES) return void ws.terminate()
    ws.send(text)
  }
  const send = (ws: WebSocket, msg: WsMessage): void => sendText(ws, JSON.stringify(msg))
  const fail = (ws: WebSocket, id: number, code: 'invalid-args' | 'conflict', message: string): void =>
    send(ws, { type: 'result', id, envelope: { ok: false, error: { code, message } } })

  wss.on('connection', (ws) => {
    let inFlight = 0
    // A malformed frame or an oversize message makes ws emit 'error' and close the socket
    // (1002 / 1009); without this listener the error would be thrown and kill the server.
    ws.on('error', () => ws.terminate())
    ws.on('message', (data: RawData, isBinary: boolean) => {
      if (isBinary) return fail(ws, NO_ID, 'invalid-args', 'messages are JSON text')
      let json: unknown
      try {
        json = JSON.parse(data.toString())
      } catch {
        return fail(ws, NO_ID, 'invalid-args', 'message is not valid JSON')
      }
      const call = WsCall.safeParse(json)
      if (!call.success) {
        const id = (json as { id?: unknown } | null)?.id
        return fail(ws, Number.isSafeInteger(id) ? (id as number) : NO_ID, 'invalid-args', `not a call: ${z.prettifyError(call.error)}`)
      }
      const { id, channel, args } = call.data
      if (inFlight >= MAX_IN_FLIGHT) return fail(ws, id, 'conflict', `too many calls in flight (at most ${MAX_IN_FLIGHT})`)
      inFlight++
      dispatch(channel, args)
        .catch((err: unknown): Envelope => ({ ok: false, error: { code: 'internal', message: err instanceof Error ? err.message : String(err) } }))
        .then((envelope) => {
          inFlight--
          send(ws, { type: 'result', id, envelope })
        })
    })
  })

  const stopEvents = events.onAny((name, payload) => {
    if (wss.clients.size === 0) return
    const text = JSON.stringify({ type: 'event', name, payload } satisfies WsMessage)
    for (const ws of wss.clients) sendText(ws, text)
  })

  return {
    wss,
    close: () =>
      new Promise<void>((resolve) => {
        stopEvents()
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
