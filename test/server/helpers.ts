// Helpers for the server tests: a fake built renderer, raw HTTP requests (fetch would
// normalise the `..` we want to send), and a WebSocket API client over the `ws` package.
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { request } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll } from 'vitest'
import { WebSocket } from 'ws'
import { CSP } from '../../src/main/hosting/csp'
import { startServer, type RunningServer } from '../../src/main/server'
import { MessageLog, type Msg } from '../api/contract-suite'

export const SECRET = 'top-secret-outside-the-renderer'

/** A temp folder holding renderer/ (index.html, assets/app.js, a symlink out) and a secret beside it. */
export function fakeRenderer(): { root: string; rendererDir: string } {
  const root = mkdtempSync(join(tmpdir(), 'posterity-serve-'))
  const rendererDir = join(root, 'renderer')
  mkdirSync(join(rendererDir, 'assets'), { recursive: true })
  writeFileSync(join(rendererDir, 'index.html'), `<!doctype html><meta http-equiv="Content-Security-Policy" content="${CSP}"><title>Posterity</title>`)
  writeFileSync(join(rendererDir, 'assets', 'app-1234.js'), 'console.log("app")\n')
  writeFileSync(join(root, 'secret.txt'), SECRET)
  symlinkSync(join(root, 'secret.txt'), join(rendererDir, 'escape.txt'))
  return { root, rendererDir }
}

export interface Served {
  server: RunningServer
  dirs: { root: string; rendererDir: string }
  /** The API socket's URL with the token. */
  wsUrl: string
}

/**
 * `posterity serve` in-process on a free port over a fake renderer, for the enclosing block:
 * started before its tests (after `prepare` fills the temp folder), closed and removed after.
 */
export function servedOnFakeRenderer(prepare?: (root: string) => Promise<void> | void): Served {
  const s = {} as Served
  beforeAll(async () => {
    s.dirs = fakeRenderer()
    await prepare?.(s.dirs.root)
    s.server = await startServer({ libraryDir: join(s.dirs.root, 'library'), port: 0, rendererDir: s.dirs.rendererDir })
    s.wsUrl = `ws://127.0.0.1:${s.server.port}/api?token=${s.server.token}`
  })
  afterAll(async () => {
    await s.server?.close()
    if (s.dirs) rmSync(s.dirs.root, { recursive: true, force: true })
  })
  return s
}

export interface RawResponse {
  status: number
  headers: Record<string, string | string[] | undefined>
  body: Buffer
}

/** An HTTP request with the path sent exactly as given. */
export function raw(port: number, path: string, options: { method?: string; headers?: Record<string, string> } = {}): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: options.method ?? 'GET', headers: options.headers }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }))
    })
    req.on('error', reject)
    req.end()
  })
}

/** Opens a socket; resolves with it once open, rejects with the HTTP status of a refused upgrade. */
export function connect(url: string, options: { origin?: string; headers?: Record<string, string> } = {}): Promise<ApiSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { origin: options.origin, headers: options.headers })
    ws.once('open', () => resolve(new ApiSocket(ws)))
    ws.once('unexpected-response', (_req, res) => {
      reject(new RefusedError(res.statusCode ?? 0))
      ws.terminate()
    })
    ws.once('error', (err) => reject(err))
  })
}

export class RefusedError extends Error {
  constructor(readonly status: number) {
    super(`upgrade refused with ${status}`)
  }
}

export type { EventMsg, Result } from '../api/contract-suite'

/** The wire protocol from the client side over a real WebSocket, kept deliberately independent of the app's client. */
export class ApiSocket extends MessageLog {
  readonly closed: Promise<{ code: number; reason: string }>

  constructor(readonly ws: WebSocket) {
    super(
      (msg) => ws.send(JSON.stringify(msg)),
      () => ws.close(),
    )
    ws.on('message', (data) => this.deliver(JSON.parse(String(data)) as Msg))
    this.closed = new Promise((resolve) => ws.once('close', (code, reason) => resolve({ code, reason: String(reason) })))
  }

  sendRaw(data: string | Buffer, binary = false): void {
    this.ws.send(data, { binary })
  }
}
