// `posterity serve` in-process on a free port: static shell, token, Origin and Host checks,
// and the WebSocket API (validation, unknown channels, robustness, events).
import { rmSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { WebSocket } from 'ws'
import { createWsClient, type SocketLike } from '../../src/renderer/src/api/ws-client'
import { describeContract, MessageLog, type Msg } from '../api/contract-suite'
import { CSP } from '../../src/main/hosting/csp'
import { MissingRendererError, startServer, type RunningServer } from '../../src/main/server'
import { MAX_MESSAGE_BYTES, NO_ID } from '../../src/main/server/socket'
import { ApiSocket, connect, fakeRenderer, raw, RefusedError, SECRET, type EventMsg, type Result } from './helpers'

let server: RunningServer
let dirs: { root: string; rendererDir: string }
let wsUrl: string

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

beforeAll(async () => {
  dirs = fakeRenderer()
  server = await startServer({ libraryDir: join(dirs.root, 'library'), port: 0, rendererDir: dirs.rendererDir })
  wsUrl = `ws://127.0.0.1:${server.port}/api?token=${server.token}`
})

afterAll(async () => {
  await server?.close()
  if (dirs) rmSync(dirs.root, { recursive: true, force: true })
})

describe('startServer', () => {
  it('binds loopback on a free port and prints a token URL', () => {
    expect(server.port).toBeGreaterThan(0)
    expect(server.url).toBe(`http://127.0.0.1:${server.port}/?token=${server.token}`)
    // 32 random bytes, base64url.
    expect(server.token).toMatch(/^[A-Za-z0-9_-]{43}$/)
  })

  it('refuses to start without a built renderer and says how to build it', async () => {
    await expect(startServer({ libraryDir: join(dirs.root, 'lib2'), port: 0, rendererDir: join(dirs.root, 'nope') })).rejects.toThrow(
      MissingRendererError,
    )
    await expect(startServer({ libraryDir: join(dirs.root, 'lib2'), port: 0, rendererDir: join(dirs.root, 'nope') })).rejects.toThrow(
      /npm run build/,
    )
  })

  it('says so when the port is taken', async () => {
    await expect(startServer({ libraryDir: join(dirs.root, 'lib3'), port: server.port, rendererDir: dirs.rendererDir })).rejects.toThrow(
      /in use/,
    )
  })
})

describe('static app shell', () => {
  it('serves index.html without a token, with the CSP and security headers', async () => {
    const res = await raw(server.port, '/')
    expect(res.status).toBe(200)
    expect(res.headers['content-type']).toMatch(/text\/html/)
    expect(res.headers['content-security-policy']).toBe(CSP)
    expect(res.headers['x-content-type-options']).toBe('nosniff')
    expect(res.headers['referrer-policy']).toBe('no-referrer')
    expect(res.body.toString()).toContain('<title>Posterity</title>')
  })

  it('serves built assets with their type', async () => {
    const res = await raw(server.port, '/assets/app-1234.js')
    expect(res.status).toBe(200)
    expect(res.headers['content-type']).toMatch(/text\/javascript/)
    expect(res.body.toString()).toContain('console.log')
  })

  it('lists no directories', async () => {
    for (const path of ['/assets', '/assets/', '/assets/.']) {
      const res = await raw(server.port, path)
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
      const res = await raw(server.port, path)
      expect(res.status, path).toBe(404)
      expect(res.body.toString(), path).not.toContain(SECRET)
      expect(res.headers['content-security-policy'], path).toBe(CSP)
    }
  })

  it('says the API is a WebSocket to a plain GET of /api', async () => {
    expect((await raw(server.port, '/api')).status).toBe(426)
  })

  it('answers only GET and HEAD', async () => {
    expect((await raw(server.port, '/', { method: 'POST' })).status).toBe(405)
    const head = await raw(server.port, '/', { method: 'HEAD' })
    expect(head.status).toBe(200)
    expect(head.body.length).toBe(0)
  })

  it('refuses Host headers that are not this server (DNS rebinding)', async () => {
    const port = server.port
    expect((await raw(port, '/', { headers: { Host: `evil.example:${port}` } })).status).toBe(400)
    expect((await raw(port, '/', { headers: { Host: `127.0.0.1:${port + 1}` } })).status).toBe(400)
    expect((await raw(port, '/', { headers: { Host: '127.0.0.1' } })).status).toBe(400)
    expect((await raw(port, '/', { headers: { Host: `localhost:${port}` } })).status).toBe(200)
  })
})

describe('WebSocket upgrade', () => {
  it('requires the token', async () => {
    const base = `ws://127.0.0.1:${server.port}/api`
    expect(await refusedStatus(connect(base))).toBe(401)
    expect(await refusedStatus(connect(`${base}?token=`))).toBe(401)
    expect(await refusedStatus(connect(`${base}?token=${server.token.slice(1)}`))).toBe(401)
    expect(await refusedStatus(connect(`${base}?token=${server.token}x`))).toBe(401)
    expect(await refusedStatus(connect(wsUrl))).toBe(101)
  })

  it('rejects a foreign Origin, accepts its own', async () => {
    expect(await refusedStatus(connect(wsUrl, { origin: 'http://evil.example' }))).toBe(403)
    expect(await refusedStatus(connect(wsUrl, { origin: 'null' }))).toBe(403)
    expect(await refusedStatus(connect(wsUrl, { origin: `http://127.0.0.1:${server.port + 1}` }))).toBe(403)
    expect(await refusedStatus(connect(wsUrl, { origin: `https://127.0.0.1:${server.port}` }))).toBe(403)
    expect(await refusedStatus(connect(wsUrl, { origin: `http://127.0.0.1:${server.port}` }))).toBe(101)
  })

  it('rejects a bad Host even with the token', async () => {
    expect(await refusedStatus(connect(wsUrl, { headers: { Host: `rebind.example:${server.port}` } }))).toBe(400)
  })

  it('serves the API only at /api', async () => {
    expect(await refusedStatus(connect(`ws://127.0.0.1:${server.port}/other?token=${server.token}`))).toBe(404)
  })
})

describeContract('the WebSocket', {
  host: 'serve',
  libraryDir: () => join(dirs.root, 'library'),
  async open() {
    const s = await connect(wsUrl)
    const log = new MessageLog(
      (msg) => s.ws.send(JSON.stringify(msg)),
      () => s.close(),
    )
    s.ws.on('message', (data) => log.deliver(JSON.parse(String(data)) as Msg))
    return log
  },
  async client() {
    const c = createWsClient({ url: wsUrl, open: (u) => new WebSocket(u) as unknown as SocketLike, minDelay: 20, maxDelay: 100 })
    return { bridge: c.bridge, close: () => c.close() }
  },
})

describe('socket-only rules', () => {
  it('has no native pickers', async () => {
    const s = await connect(wsUrl)
    const picked = await s.ok<{ supported: boolean }>('system.pickPaths', { kind: 'folder' })
    expect(picked.supported).toBe(false)
    s.close()
  })

  it('answers text that is not JSON, and binary messages, with invalid-args', async () => {
    const s = await connect(wsUrl)
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
    const s = await connect(wsUrl)
    s.sendRaw('x'.repeat(MAX_MESSAGE_BYTES + 1))
    const { code } = await s.closed
    expect(code).toBe(1009)
    const again = await connect(wsUrl)
    expect((await again.ok<{ host: string }>('system.info')).host).toBe('serve')
    again.close()
  })

  it('broadcasts core events to every socket', async () => {
    const a = await connect(wsUrl)
    const b = await connect(wsUrl)
    const isChanged = (m: Result | EventMsg) => m.type === 'event' && m.name === 'library.changed'
    server.core.events.emit('library.changed', { reason: 'genres' })
    const [ea, eb] = await Promise.all([a.next<EventMsg>(isChanged), b.next<EventMsg>(isChanged)])
    expect(ea.payload).toEqual({ reason: 'genres' })
    expect(eb.payload).toEqual({ reason: 'genres' })
    a.close()
    b.close()
  })
})
