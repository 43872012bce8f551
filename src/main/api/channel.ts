// Serves a core over any message channel. The WebSocket of `posterity serve` and the
// MessagePort of the desktop app speak one protocol (shared/api/wire.ts): calls in, results
// by id and events by name out. A transport only decodes what arrives (JSON text, or a
// structured clone) and encodes what leaves; everything else is here, once.
import { z } from 'zod'
import { WsCall, type Envelope, type WsMessage } from '../../shared/api/wire'
import type { EventBus } from '../events'
import type { Dispatch } from './dispatch'

/**
 * What the calls one link has running may hold: the bytes of their messages, each counted at
 * least CALL_COST (its promise, closures and envelope). Past it calls are refused rather than
 * queued without bound. A bound on memory, not a count: thousands of quick calls in flight are
 * fine (a grid scrolls, a script sends a burst), a flood of big messages is not.
 */
export const MAX_IN_FLIGHT_BYTES = 64 * 2 ** 20
export const CALL_COST = 1024
/** Messages that cannot be matched to a call are answered with this id. */
export const NO_ID = -1

/** One open connection, as the transport sees it. */
export interface ChannelLink {
  /** Sends one protocol message; the transport encodes it (and drops it once closed). */
  send(msg: WsMessage): void
}

export interface AttachedLink {
  /** One decoded incoming message (parsed JSON, or a structured clone) and its size where known. */
  receive(data: unknown, bytes?: number): void
  /** Answers a message the transport could not even decode. */
  refuse(message: string): void
  /** The link closed: no more events, results of calls still running are dropped. */
  detach(): void
}

export interface ChannelHub {
  attach(link: ChannelLink): AttachedLink
  /** Links attached now. */
  readonly size: number
  /** Stops forwarding events to every link. */
  close(): void
}

export function createChannelHub(dispatch: Dispatch, events: EventBus): ChannelHub {
  const links = new Set<ChannelLink>()

  // One message object per event for all links, so a transport may cache its encoding.
  const stopEvents = events.onAny((name, payload) => {
    if (links.size === 0) return
    const msg: WsMessage = { type: 'event', name, payload }
    for (const link of links) link.send(msg)
  })

  return {
    get size() {
      return links.size
    },
    attach(link) {
      links.add(link)
      let held = 0
      let open = true
      const fail = (id: number, code: 'invalid-args' | 'conflict', message: string): void => {
        if (open) link.send({ type: 'result', id, envelope: { ok: false, error: { code, message } } })
      }
      return {
        receive(data, bytes = 0) {
          const call = WsCall.safeParse(data)
          if (!call.success) {
            const id = (data as { id?: unknown } | null)?.id
            return fail(Number.isSafeInteger(id) ? (id as number) : NO_ID, 'invalid-args', `not a call: ${z.prettifyError(call.error)}`)
          }
          const { id, channel, args } = call.data
          const cost = Math.max(bytes, CALL_COST)
          if (held + cost > MAX_IN_FLIGHT_BYTES) {
            return fail(id, 'conflict', `too much in flight on this connection (${Math.round(held / 2 ** 20)} MB of calls still running); wait for their results`)
          }
          held += cost
          dispatch(channel, args)
            .catch((err: unknown): Envelope => ({ ok: false, error: { code: 'internal', message: err instanceof Error ? err.message : String(err) } }))
            .then((envelope) => {
              held -= cost
              if (open) link.send({ type: 'result', id, envelope })
            })
        },
        refuse: (message) => fail(NO_ID, 'invalid-args', message),
        detach() {
          open = false
          links.delete(link)
        },
      }
    },
    close() {
      stopEvents()
      links.clear()
    },
  }
}
