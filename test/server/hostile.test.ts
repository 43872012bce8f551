// `posterity serve` as a child process against requests nobody's browser sends: what a
// process on this machine (or, with --allow-remote, on the network) can write by hand
// before it holds the token. The server must answer each with a refusal and keep serving.
import { spawn, type ChildProcess } from 'node:child_process'
import { rmSync } from 'node:fs'
import { connect as tcpConnect } from 'node:net'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { connect, fakeRenderer, raw } from './helpers'

const repo = fileURLToPath(new URL('../..', import.meta.url))
const dirs = fakeRenderer()

let child: ChildProcess
let port = 0
let token = ''
let stderr = ''
let exitCode: number | null | undefined

beforeAll(async () => {
  child = spawn(process.execPath, [join(repo, 'out/main/cli.js'), 'serve', '--library', join(dirs.root, 'lib'), '--port', '0'], {
    cwd: repo,
    env: { ...process.env, POSTERITY_RENDERER_DIR: dirs.rendererDir },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()))
  child.on('exit', (code) => (exitCode = code))
  const first = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once('line', resolve)
    child.once('exit', (code) => reject(new Error(`serve exited with ${code}: ${stderr}`)))
  })
  const m = /:(\d+)\/\?token=([A-Za-z0-9_-]{43})$/.exec(first)
  if (!m) throw new Error(`no URL in ${first}`)
  port = Number(m[1])
  token = m[2]
}, 30_000)

afterAll(async () => {
  if (child && exitCode === undefined) {
    const gone = new Promise((resolve) => child.once('exit', resolve))
    child.kill('SIGTERM')
    await gone
  }
  rmSync(dirs.root, { recursive: true, force: true })
})

/** Writes one request by hand and resolves with what came back before the server closed or went quiet. */
function rawExchange(text: string): Promise<string> {
  return new Promise((resolve) => {
    let got = ''
    const s = tcpConnect(port, '127.0.0.1', () => s.write(text))
    const done = () => {
      clearTimeout(timer)
      s.destroy()
      resolve(got)
    }
    const timer = setTimeout(done, 2000)
    s.on('data', (d: Buffer) => (got += d.toString('latin1')))
    s.on('error', done)
    s.on('close', done)
  })
}

const upgradeRequest = (target: string, extra = ''): string =>
  `GET ${target} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
  `Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n${extra}\r\n`

/** The server is still up and still itself: it serves the page and, with the token, the API. */
async function stillServing(): Promise<void> {
  expect(exitCode, stderr).toBeUndefined()
  expect((await raw(port, '/')).status).toBe(200)
  const s = await connect(`ws://127.0.0.1:${port}/api?token=${token}`)
  expect((await s.ok<{ host: string }>('system.info')).host).toBe('serve')
  s.close()
}

describe('posterity serve against hand-written requests', () => {
  it('refuses a WebSocket upgrade whose target is no URL, without the token, and keeps serving', async () => {
    // `new URL('//[', base)` throws; thrown in the upgrade listener it ended the process.
    for (const target of ['//[', '//[::1', '//a:b@[x]/api', `//[/api?token=${'x'.repeat(43)}`]) {
      const reply = await rawExchange(upgradeRequest(target))
      expect(reply, target).toMatch(/^HTTP\/1\.1 400 /)
      await stillServing()
    }
  })

  it('answers a plain request whose target is no URL with 400, not an internal error', async () => {
    for (const target of ['//[', '//[/media/full/tt1']) {
      const res = await raw(port, target)
      expect(res.status, target).toBe(400)
      expect(res.body.toString(), target).not.toMatch(/at |\/work|node:internal/)
    }
    // Nothing about a request line a client wrote is worth a stack trace on the terminal.
    expect(stderr).not.toMatch(/Invalid URL/)
    await stillServing()
  })
})
