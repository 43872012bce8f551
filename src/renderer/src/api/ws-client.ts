// `window.posterity` over a WebSocket, for the renderer served by `posterity serve`.
// Calls go out as WsCall, results come back by id, events by name (wire.ts). The socket
// reconnects with exponential backoff; calls made while it is down wait for it.
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

export interface WsClient {
  bridge: PosterityBridge
  connection: Connection
  /** Closes for good (no reconnect); pending calls fail. */
  close(): void
}

const OPEN = 1

export function createWsClient(options: WsClientOptions): WsClient {
  const open = options.open ?? ((url: string) => new WebSocket(url) as unknown as SocketLike)
  const minDelay = options.minDelay ?? 500
  const maxDelay = options.maxDelay ?? 10_000
  const queueTimeout = options.queueTimeout ?? 15_000

  let socket: SocketLike | null = null
  let state: ConnectionState = 'connecting'
  let attempts = 0
  let stopped = false
  let timer: ReturnType<typeof setTimeout> | null = null
  let nextId = 1
  // Sent calls wait for their result; queued ones wait for the socket to be up.
  const pending = new Map<number, (e: Envelope) => void>()
  const sent = new Set<number>()
  const queue: { id: number; text: string }[] = []
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

  const onMessage = (raw: unknown) => {
    let data: unknown
    try {
      data = JSON.parse(String(raw))
    } catch {
      return
    }
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

  const connect = () => {
    timer = null
    if (stopped) return
    let s: SocketLike
    try {
      s = open(options.url)
    } catch {
      scheduleReconnect()
      return
    }
    socket = s
    s.onopen = () => {
      attempts = 0
      setState('open')
      while (queue.length && s.readyState === OPEN) {
        const call = queue.shift()!
        s.send(call.text)
        sent.add(call.id)
      }
    }
    s.onmessage = (ev) => onMessage(ev.data)
    s.onerror = () => {}
    s.onclose = () => {
      if (socket !== s) return
      socket = null
      failPending('the connection to Posterity was lost; the call may not have run')
      if (stopped) setState('closed')
      else scheduleReconnect()
    }
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
      const text = JSON.stringify({ type: 'call', id, channel, args })
      if (socket && socket.readyState === OPEN) {
        socket.send(text)
        sent.add(id)
      } else {
        queue.push({ id, text })
        // An edit must not look saved forever while the server is gone: fail it, so the
        // caller rolls back and says so.
        setTimeout(() => {
          const i = queue.findIndex((c) => c.id === id)
          if (i === -1) return
          queue.splice(i, 1)
          pending.delete(id)
          resolve({ ok: false, error: { code: 'internal', message: 'Posterity is not connected; nothing was sent' } })
        }, queueTimeout)
      }
    })

  const bridge: PosterityBridge = {
    api: createClient(contract, invoke),
    on(name, listener) {
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
      const s = socket
      socket = null
      s?.close()
      setState('closed')
    },
  }
}
