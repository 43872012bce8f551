// The renderer's bridge over any message channel to the core: the WebSocket of `posterity serve`
// or the desktop app's MessagePort. Calls go out as WsCall, results come back by id, events
// by name (shared/api/wire.ts), everything validated. The link reconnects with exponential
// backoff; calls made while it is down wait for it. A transport only opens links and
// encodes/decodes messages (ws-client.ts, port-client.ts).
import {
  contract,
  createClient,
  events,
  WsMessage,
  type Envelope,
  type EventName,
  type PosterityBridge,
} from '../../../shared/api'
import type { Connection, ConnectionState } from './connection'

/** What the transport tells the client about one link. */
export interface LinkEvents {
  open(): void
  /** One decoded incoming message (parsed JSON, or a structured clone). */
  message(data: unknown): void
  /** The link is gone; `reason` says why when the transport knows. */
  closed(reason?: string): void
}

/** One link, as the client sees it. */
export interface ClientLink {
  send(msg: { type: 'call'; id: number; channel: string; args: unknown }): void
  close(): void
}

export interface ChannelClientOptions {
  /** Opens a new link; may throw (the client retries). */
  connect(events: LinkEvents): ClientLink
  /** Backoff bounds in ms. */
  minDelay?: number
  maxDelay?: number
  /** A call made while the link is down fails after this long (ms) if it could not be sent. */
  queueTimeout?: number
}

export interface ChannelClient {
  bridge: PosterityBridge
  connection: Connection
  /** Closes for good (no reconnect); pending calls fail. */
  close(): void
}

const LOST = 'the connection to Posterity was lost; the call may not have run'

export function createChannelClient(options: ChannelClientOptions): ChannelClient {
  const minDelay = options.minDelay ?? 500
  const maxDelay = options.maxDelay ?? 10_000
  const queueTimeout = options.queueTimeout ?? 15_000

  let link: ClientLink | null = null
  let linkOpen = false
  let state: ConnectionState = 'connecting'
  let attempts = 0
  let reason: string | null = null
  let stopped = false
  let timer: ReturnType<typeof setTimeout> | null = null
  let nextId = 1
  // Sent calls wait for their result; queued ones wait for the link to be up.
  const pending = new Map<number, (e: Envelope) => void>()
  const sent = new Set<number>()
  const queue: { id: number; channel: string; args: unknown }[] = []
  const stateListeners = new Set<(s: ConnectionState) => void>()
  const eventListeners = new Map<string, Set<(payload: unknown) => void>>()

  /** Listeners hear every change of state, and every new attempt while reconnecting. */
  const setState = (s: ConnectionState, always = false) => {
    if (s === state && !always) return
    state = s
    for (const l of stateListeners) l(s)
  }

  const failPending = (message: string) => {
    // A call in flight when the link dropped may or may not have run: say so, never resend it.
    for (const id of sent) {
      pending.get(id)?.({ ok: false, error: { code: 'internal', message } })
      pending.delete(id)
    }
    sent.clear()
  }

  const onMessage = (data: unknown) => {
    const parsed = WsMessage.safeParse(data)
    if (!parsed.success) return
    const msg = parsed.data
    if (msg.type === 'result') {
      const resolve = pending.get(msg.id)
      if (!resolve) return
      pending.delete(msg.id)
      sent.delete(msg.id)
      resolve(msg.envelope)
      return
    }
    const schema = (events as Record<string, (typeof events)[EventName]>)[msg.name]
    if (!schema) return
    const payload = schema.safeParse(msg.payload)
    if (!payload.success) return
    for (const l of eventListeners.get(msg.name) ?? []) {
      try {
        l(payload.data)
      } catch (err) {
        console.error(`listener of ${msg.name} failed`, err)
      }
    }
  }

  const sendNow = (l: ClientLink, call: { id: number; channel: string; args: unknown }) => {
    l.send({ type: 'call', ...call })
    sent.add(call.id)
  }

  const connect = () => {
    timer = null
    if (stopped) return
    // Each link's callbacks act only while it is the current one; one that a transport
    // calls before connect() has returned runs right after.
    let current: ClientLink | null = null
    let connecting = true
    const mine = () => current !== null && link === current
    const whenConnected = (f: () => void) => (connecting ? queueMicrotask(f) : f())
    const opened = () => {
      if (!mine()) return
      linkOpen = true
      attempts = 0
      setState('open')
      while (queue.length && linkOpen && mine()) sendNow(current!, queue.shift()!)
    }
    const closed = (why?: string) => {
      if (!mine()) return
      link = null
      linkOpen = false
      reason = why ?? null
      failPending(why ? `${why}; the call may not have run` : LOST)
      if (stopped) setState('closed')
      else scheduleReconnect()
    }
    try {
      current = options.connect({
        open: () => whenConnected(opened),
        message: (data) => whenConnected(() => mine() && onMessage(data)),
        closed: (reason) => whenConnected(() => closed(reason)),
      })
    } catch {
      connecting = false
      scheduleReconnect()
      return
    }
    link = current
    connecting = false
  }

  const scheduleReconnect = () => {
    attempts++
    setState('reconnecting', true)
    const delay = Math.min(maxDelay, minDelay * 2 ** Math.min(attempts - 1, 10))
    // Jitter keeps several tabs from hammering a restarted server in step.
    timer = setTimeout(connect, delay * (0.75 + Math.random() * 0.5))
  }

  const invoke = (channel: string, args: unknown): Promise<Envelope> =>
    new Promise((resolve) => {
      if (stopped) {
        resolve({ ok: false, error: { code: 'internal', message: 'the connection is closed' } })
        return
      }
      const id = nextId++
      pending.set(id, resolve)
      if (link && linkOpen) return sendNow(link, { id, channel, args })
      queue.push({ id, channel, args })
      // An edit must not look saved forever while the core is gone: fail it, so the
      // caller rolls back and says so.
      setTimeout(() => {
        const i = queue.findIndex((c) => c.id === id)
        if (i === -1) return
        queue.splice(i, 1)
        pending.delete(id)
        resolve({ ok: false, error: { code: 'internal', message: 'Posterity is not connected; nothing was sent' } })
      }, queueTimeout)
    })

  const bridge: PosterityBridge = {
    api: createClient(contract, invoke),
    on(name, listener) {
      if (!Object.hasOwn(events, name)) throw new Error(`unknown event ${String(name)}`)
      let set = eventListeners.get(name)
      if (!set) eventListeners.set(name, (set = new Set()))
      const l = listener as (payload: unknown) => void
      set.add(l)
      return () => set.delete(l)
    },
  }

  const connection: Connection = {
    get state() {
      return state
    },
    get attempts() {
      return attempts
    },
    get reason() {
      return reason
    },
    onChange(listener) {
      stateListeners.add(listener)
      return () => stateListeners.delete(listener)
    },
  }

  connect()

  return {
    bridge,
    connection,
    close() {
      stopped = true
      if (timer) clearTimeout(timer)
      for (const call of queue) sent.add(call.id)
      queue.length = 0
      failPending('the connection is closed')
      const l = link
      link = null
      linkOpen = false
      l?.close()
      setState('closed')
    },
  }
}
