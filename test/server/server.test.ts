// `posterity serve` in-process on a free port: static shell, token, Origin and Host checks,
// and the WebSocket API (validation, unknown channels, robustness, events).
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { WebSocket } from 'ws'
import { createWsClient, type SocketLike } from '../../src/renderer/src/api/ws-client'
import { describeContract, MessageLog, type Msg } from '../api/contract-suite'
import { CSP } from '../../src/main/hosting/csp'
import { MissingRendererError, startServer } from '../../src/main/server'
import { MAX_MESSAGE_BYTES, NO_ID } from '../../src/main/server/socket'
import { ApiSocket, connect, raw, RefusedError, SECRET, servedOnFakeRenderer, type EventMsg, type Result } from './helpers'

const served = servedOnFakeRenderer()

async function refusedStatus(p: Promise<ApiSocket>): Promise<number> {
  try {
    const s = await p
    s.close()
    return 101
  } catch (err) {
    if (err instanceof RefusedError) return err.status
    throw err
  }
}


describe('startServer', () => {
  it('binds loopback on a free port and prints a token URL', () => {
    expect(served.server.port).toBeGreaterThan(0)
    expect(served.server.url).toBe(`http://127.0.0.1:${served.server.port}/?token=${served.server.token}`)
    // 32 random bytes, base64url.
    expect(served.server.token).toMatch(/^[A-Za-z0-9_-]{43}$/)
  })

  it('refuses to start without a built renderer and says how to build it', async () => {
    await expect(startServer({ libraryDir: join(served.dirs.root, 'lib2'), port: 0, rendererDir: join(served.dirs.root, 'nope') })).rejects.toThrow(
      MissingRendererError,
    )
    await expect(startServer({ libraryDir: join(served.dirs.root, 'lib2'), port: 0, rendererDir: join(served.dirs.root, 'nope') })).rejects.toThrow(
      /npm run build/,
    )
  })

  it('says so when the port is taken', async () => {
    await expect(startServer({ libraryDir: join(served.dirs.root, 'lib3'), port: served.server.port, rendererDir: served.dirs.rendererDir })).rejects.toThrow(
      /in use/,
    )
  })
})

describe('static app shell', () => {
  it('serves index.html without a token, with the CSP and security headers', async () => {
    const res = await raw(served.server.port, '/')
    expect(res.status).toBe(200)
    expect(res.headers['content-type']).toMatch(/text\/html/)
    expect(res.headers['content-security-policy']).toBe(CSP)
    expect(res.headers['x-content-type-options']).toBe('nosniff')
    expect(res.headers['referrer-policy']).toBe('no-referrer')
    expect(res.body.toString()).toContain('<title>Posterity</title>')
  })

  it('never lets a cache keep the page opened with the token in its URL', async () => {
    for (const path of [`/?token=${served.server.token}`, '/', '/index.html']) {
      const res = await raw(served.server.port, path)
      expect(res.status, path).toBe(200)
      expect(res.headers['cache-control'], path).toBe('no-store')
    }
    // Hashed assets carry no token and never change.
    expect((await raw(served.server.port, '/assets/app-1234.js')).headers['cache-control']).toMatch(/immutable/)
  })

  it('serves built assets with their type', async () => {
    const res = await raw(served.server.port, '/assets/app-1234.js')
    expect(res.status).toBe(200)
    expect(res.headers['content-type']).toMatch(/text\/javascript/)
    expect(res.body.toString()).toContain('console.log')
  })

  it('lists no directories', async () => {
    for (const path of ['/assets', '/assets/', '/assets/.']) {
      const res = await raw(served.server.port, path)
      expect(res.status, path).toBe(404)
      expect(res.body.toString()).not.toContain('app-1234.js')
    }
  })

  it('never serves a file outside the renderer folder', async () => {
    const attempts = [
      '/../secret.txt',
      '/%2e%2e/secret.txt',
      '/assets/..%2f..%2fsecret.txt',
      '/assets/%2e%2e%2f%2e%2e%2fsecret.txt',
      '/..%5csecret.txt',
      '/escape.txt', // a symlink pointing outside
      '/%00index.html',
      '/library/library.sqlite',
      '/../library/library.sqlite',
    ]
    for (const path of attempts) {
      const res = await raw(served.server.port, path)
      expect(res.status, path).toBe(404)
      expect(res.body.toString(), path).not.toContain(SECRET)
      expect(res.headers['content-security-policy'], path).toBe(CSP)
    }
  })

  it('says the API is a WebSocket to a plain GET of /api', async () => {
    expect((await raw(served.server.port, '/api')).status).toBe(426)
  })

  it('answers only GET and HEAD', async () => {
    expect((await raw(served.server.port, '/', { method: 'POST' })).status).toBe(405)
    const head = await raw(served.server.port, '/', { method: 'HEAD' })
    expect(head.status).toBe(200)
    expect(head.body.length).toBe(0)
  })

  it('refuses Host headers that are not this server (DNS rebinding)', async () => {
    const port = served.server.port
    expect((await raw(port, '/', { headers: { Host: `evil.example:${port}` } })).status).toBe(400)
    expect((await raw(port, '/', { headers: { Host: `127.0.0.1:${port + 1}` } })).status).toBe(400)
    expect((await raw(port, '/', { headers: { Host: '127.0.0.1' } })).status).toBe(400)
    expect((await raw(port, '/', { headers: { Host: `localhost:${port}` } })).status).toBe(200)
  })
})

describe('WebSocket upgrade', () => {
  it('requires the token', async () => {
    const base = `ws://127.0.0.1:${served.server.port}/api`
    expect(await refusedStatus(connect(base))).toBe(401)
    expect(await refusedStatus(connect(`${base}?token=`))).toBe(401)
    expect(await refusedStatus(connect(`${base}?token=${served.server.token.slice(1)}`))).toBe(401)
    expect(await refusedStatus(connect(`${base}?token=${served.server.token}x`))).toBe(401)
    expect(await refusedStatus(connect(served.wsUrl))).toBe(101)
  })

  it('rejects a foreign Origin, accepts its own', async () => {
    expect(await refusedStatus(connect(served.wsUrl, { origin: 'http://evil.example' }))).toBe(403)
    expect(await refusedStatus(connect(served.wsUrl, { origin: 'null' }))).toBe(403)
    expect(await refusedStatus(connect(served.wsUrl, { origin: `http://127.0.0.1:${served.server.port + 1}` }))).toBe(403)
    expect(await refusedStatus(connect(served.wsUrl, { origin: `https://127.0.0.1:${served.server.port}` }))).toBe(403)
    expect(await refusedStatus(connect(served.wsUrl, { origin: `http://127.0.0.1:${served.server.port}` }))).toBe(101)
  })

  it('rejects a bad Host even with the token', async () => {
    expect(await refusedStatus(connect(served.wsUrl, { headers: { Host: `rebind.example:${served.server.port}` } }))).toBe(400)
  })

  it('serves the API only at /api', async () => {
    expect(await refusedStatus(connect(`ws://127.0.0.1:${served.server.port}/other?token=${served.server.token}`))).toBe(404)
  })
})

describeContract('the WebSocket', {
  host: 'serve',
  libraryDir: () => join(served.dirs.root, 'library'),
  async open() {
    const s = await connect(served.wsUrl)
    const log = new MessageLog(
      (msg) => s.ws.send(JSON.stringify(msg)),
      () => s.close(),
    )
    s.ws.on('message', (data) => log.deliver(JSON.parse(String(data)) as Msg))
    return log
  },
  async client() {
    const c = createWsClient({ url: served.wsUrl, open: (u) => new WebSocket(u) as unknown as SocketLike, minDelay: 20, maxDelay: 100 })
    return { bridge: c.bridge, close: () => c.close() }
  },
})

describe('socket-only rules', () => {
  it('has no native pickers', async () => {
    const s = await connect(served.wsUrl)
    const picked = await s.ok<{ supported: boolean }>('system.pickPaths', { kind: 'folder' })
    expect(picked.supported).toBe(false)
    s.close()
  })

  it('answers text that is not JSON, and binary messages, with invalid-args', async () => {
    const s = await connect(served.wsUrl)
    const noId = (m: Result | EventMsg) => m.type === 'result' && m.id === NO_ID
    s.sendRaw('this is not json')
    let r = await s.next<Result>(noId)
    expect(r.envelope).toMatchObject({ ok: false, error: { code: 'invalid-args', message: 'message is not valid JSON' } })
    s.sendRaw(Buffer.from([1, 2, 3]), true)
    r = await s.next<Result>(noId)
    expect(r.envelope).toMatchObject({ ok: false, error: { code: 'invalid-args', message: 'messages are JSON text' } })
    expect((await s.ok<{ host: string }>('system.info')).host).toBe('serve')
    s.close()
  })

  it('closes a socket that sends an oversize message; the server goes on', async () => {
    const s = await connect(served.wsUrl)
    s.sendRaw('x'.repeat(MAX_MESSAGE_BYTES + 1))
    const { code } = await s.closed
    expect(code).toBe(1009)
    const again = await connect(served.wsUrl)
    expect((await again.ok<{ host: string }>('system.info')).host).toBe('serve')
    again.close()
  })

  it("tells the page's client why: a call over 8 MB fails saying so, and the connection keeps the reason", async () => {
    const c = createWsClient({ url: served.wsUrl, open: (u) => new WebSocket(u) as unknown as SocketLike, minDelay: 20, maxDelay: 100 })
    try {
      expect((await c.bridge.api.system.info({})).host).toBe('serve')
      const ids = Array.from({ length: 700_000 }, (_, i) => `tt${String(i).padStart(7, '0')}`) // ~9.8 MB of JSON
      await expect(c.bridge.api.labels.edit({ ids, add: ['Drama'] })).rejects.toThrow('the server refused a request over 8 MB (too large); the call may not have run')
      expect(c.connection.reason).toBe('the server refused a request over 8 MB (too large)')
      // It reconnects, and smaller calls go through.
      await new Promise((res) => setTimeout(res, 300))
      expect((await c.bridge.api.system.info({})).host).toBe('serve')
    } finally {
      c.close()
    }
  })

  it('broadcasts core events to every socket', async () => {
    const a = await connect(served.wsUrl)
    const b = await connect(served.wsUrl)
    const isChanged = (m: Result | EventMsg) => m.type === 'event' && m.name === 'library.changed'
    served.server.core.events.emit('library.changed', { reason: 'genres' })
    const [ea, eb] = await Promise.all([a.next<EventMsg>(isChanged), b.next<EventMsg>(isChanged)])
    expect(ea.payload).toEqual({ reason: 'genres' })
    expect(eb.payload).toEqual({ reason: 'genres' })
    a.close()
    b.close()
  })
})
