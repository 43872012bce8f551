// The browser's the renderer's bridge over a real WebSocket (the `ws` server and client):
// results by id, validated events, reconnect with calls queued while down.
import { afterEach, describe, expect, it } from 'vitest'
import { WebSocket, WebSocketServer } from 'ws'
import type { AddressInfo } from 'node:net'
import { ApiError, WsCall } from '../../src/shared/api'
import { createWsClient, type SocketLike, type WsClient } from '../../src/renderer/src/api/ws-client'

type Handler = (call: { id: number; channel: string; args: unknown }, send: (msg: unknown) => void) => void

const cleanups: (() => void)[] = []
afterEach(() => cleanups.splice(0).forEach((f) => f()))

function server(handler: Handler, port = 0): Promise<{ wss: WebSocketServer; url: string; port: number }> {
  return new Promise((resolve) => {
    const wss = new WebSocketServer({ port, host: '127.0.0.1' }, () => {
      const p = (wss.address() as AddressInfo).port
      resolve({ wss, url: `ws://127.0.0.1:${p}/api?token=t`, port: p })
    })
    wss.on('connection', (ws) => {
      ws.on('message', (raw) => {
        const call = WsCall.parse(JSON.parse(String(raw)))
        handler(call, (m) => ws.send(JSON.stringify(m)))
      })
    })
    cleanups.push(() => wss.close())
  })
}

function client(url: string): WsClient {
  const c = createWsClient({ url, open: (u) => new WebSocket(u) as unknown as SocketLike, minDelay: 20, maxDelay: 100 })
  cleanups.push(() => c.close())
  return c
}

const until = async (cond: () => boolean, ms = 3000) => {
  const end = Date.now() + ms
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time')
    await new Promise((r) => setTimeout(r, 10))
  }
}

const stats = { path: '/lib', posters: 3, labelled: 2, duplicates: 0, genres: { Drama: 2 } }

describe('WebSocket bridge', () => {
  it('sends calls as WsCall and resolves each with its own result', async () => {
    const seen: string[] = []
    const s = await server((call, send) => {
      seen.push(call.channel)
      // Answer out of order: results are matched by id, not by arrival.
      setTimeout(
        () => send({ type: 'result', id: call.id, envelope: { ok: true, value: call.channel === 'library.stats' ? stats : { jobs: [] } } }),
        call.channel === 'library.stats' ? 30 : 0,
      )
    })
    const c = client(s.url)
    const [a, b] = await Promise.all([c.bridge.api.library.stats({}), c.bridge.api.jobs.list({})])
    expect(a).toEqual(stats)
    expect(b).toEqual({ jobs: [] })
    expect(seen.sort()).toEqual(['jobs.list', 'library.stats'])
    expect(c.connection.state).toBe('open')
  })

  it('turns an error envelope into an ApiError with its code', async () => {
    const s = await server((call, send) =>
      send({ type: 'result', id: call.id, envelope: { ok: false, error: { code: 'not-found', message: 'no poster tt9' } } }),
    )
    const c = client(s.url)
    const err = await c.bridge.api.library.get({ id: 'tt9' }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ApiError)
    expect(err).toMatchObject({ code: 'not-found', message: 'no poster tt9' })
  })

  it('delivers contract events to their listeners and drops malformed ones', async () => {
    const s = await server(() => {})
    const c = client(s.url)
    const got: unknown[] = []
    const off = c.bridge.on('library.changed', (p) => got.push(p))
    await until(() => c.connection.state === 'open')
    for (const ws of s.wss.clients) {
      ws.send(JSON.stringify({ type: 'event', name: 'library.changed', payload: { reason: 'labels', ids: ['tt1'] } }))
      ws.send(JSON.stringify({ type: 'event', name: 'library.changed', payload: { reason: 'bogus' } }))
      ws.send('not json')
    }
    await until(() => got.length >= 1)
    await new Promise((r) => setTimeout(r, 50))
    expect(got).toEqual([{ reason: 'labels', ids: ['tt1'] }])
    off()
    for (const ws of s.wss.clients) ws.send(JSON.stringify({ type: 'event', name: 'library.changed', payload: { reason: 'genres' } }))
    await new Promise((r) => setTimeout(r, 50))
    expect(got).toHaveLength(1)
  })

  it('fails a call in flight when the link drops, reconnects, and sends calls queued meanwhile', async () => {
    let answer = false
    const s = await server((call, send) => {
      if (answer) send({ type: 'result', id: call.id, envelope: { ok: true, value: stats } })
    })
    const c = client(s.url)
    const states: string[] = []
    c.connection.onChange((st) => states.push(st))
    await until(() => c.connection.state === 'open')

    const inFlight = c.bridge.api.library.stats({}).catch((e: unknown) => e)
    await new Promise((r) => setTimeout(r, 30))
    // The server goes away: the call in flight fails (it may or may not have run).
    const port = s.port
    for (const ws of s.wss.clients) ws.terminate()
    s.wss.close()
    const err = await inFlight
    expect(err).toBeInstanceOf(ApiError)
    expect((err as ApiError).code).toBe('internal')
    await until(() => c.connection.state === 'reconnecting')

    // A call made while down waits, then goes out once the server is back.
    const queued = c.bridge.api.library.stats({})
    answer = true
    await server((call, send) => send({ type: 'result', id: call.id, envelope: { ok: true, value: stats } }), port)
    await expect(queued).resolves.toEqual(stats)
    expect(c.connection.state).toBe('open')
    expect(states).toContain('reconnecting')
    expect(states[states.length - 1]).toBe('open')
  })

  it('fails a call that could not be sent within the queue timeout', async () => {
    const s = await server(() => {})
    const port = s.port
    s.wss.close()
    const c = createWsClient({ url: `ws://127.0.0.1:${port}/api`, open: (u) => new WebSocket(u) as unknown as SocketLike, minDelay: 20, maxDelay: 50, queueTimeout: 150 })
    cleanups.push(() => c.close())
    const err = await c.bridge.api.library.stats({}).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ApiError)
    expect((err as ApiError).message).toMatch(/not connected/)
    expect(c.connection.attempts).toBeGreaterThan(0)
  })

  it('after close() calls fail at once and nothing reconnects', async () => {
    const s = await server(() => {})
    const c = client(s.url)
    await until(() => c.connection.state === 'open')
    c.close()
    expect(c.connection.state).toBe('closed')
    await expect(c.bridge.api.library.stats({})).rejects.toBeInstanceOf(ApiError)
  })
})
