// `posterity serve` as a child process, as people and the e2e tests run it: the URL line,
// a working socket, a clean exit on SIGTERM, and clear failures.
import { spawn, type ChildProcess } from 'node:child_process'
import { rmSync } from 'node:fs'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { connect, fakeRenderer, raw } from './helpers'

const repo = fileURLToPath(new URL('../..', import.meta.url))
const dirs = fakeRenderer()

afterAll(() => rmSync(dirs.root, { recursive: true, force: true }))

function serve(args: string[], env: Record<string, string> = {}): ChildProcess {
  return spawn(process.execPath, [join(repo, 'out/main/cli.js'), 'serve', ...args], {
    cwd: repo,
    env: { ...process.env, POSTERITY_RENDERER_DIR: dirs.rendererDir, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
}

function exited(child: ChildProcess): Promise<{ code: number | null; stderr: string }> {
  let stderr = ''
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()))
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, stderr })))
}

describe('posterity serve (CLI)', () => {
  it('prints the URL first, serves, and shuts down cleanly on SIGTERM', async () => {
    const child = serve(['--library', join(dirs.root, 'lib'), '--port', '0'])
    const done = exited(child)
    const lines = createInterface({ input: child.stdout! })
    const first = await new Promise<string>((resolve, reject) => {
      lines.once('line', resolve)
      child.once('exit', (code) => reject(new Error(`serve exited with ${code}`)))
    })
    const m = /^Posterity serving (http:\/\/127\.0\.0\.1:(\d+)\/\?token=([A-Za-z0-9_-]{43}))$/.exec(first)
    expect(m, first).not.toBeNull()
    const port = Number(m![2])
    expect((await raw(port, '/')).status).toBe(200)
    const s = await connect(`ws://127.0.0.1:${port}/api?token=${m![3]}`, { origin: `http://127.0.0.1:${port}` })
    expect((await s.ok<{ libraryPath: string }>('system.info')).libraryPath).toBe(join(dirs.root, 'lib'))
    const closedBy = s.closed
    child.kill('SIGTERM')
    const { code, stderr } = await done
    expect(code).toBe(0)
    expect(stderr).toMatch(/shutting down/)
    // Open sockets are told the server is going away.
    expect((await closedBy).code).toBe(1001)
  })

  it('fails clearly when the renderer was not built', async () => {
    const child = serve(['--library', join(dirs.root, 'lib'), '--port', '0'], { POSTERITY_RENDERER_DIR: join(dirs.root, 'missing') })
    const { code, stderr } = await exited(child)
    expect(code).toBe(1)
    expect(stderr).toMatch(/npm run build/)
  })

  it('rejects a bad port with a usage error', async () => {
    const { code, stderr } = await exited(serve(['--port', 'eighty']))
    expect(code).toBe(2)
    expect(stderr).toMatch(/--port/)
  })

  it('refuses an empty --host (Node would bind every interface) and a remote one without --allow-remote', async () => {
    const empty = await exited(serve(['--library', join(dirs.root, 'lib'), '--host', '']))
    expect(empty.code).toBe(2)
    expect(empty.stderr).toMatch(/--host needs a value, got an empty one/)
    const remote = await exited(serve(['--library', join(dirs.root, 'lib'), '--host', '0.0.0.0']))
    expect(remote.code).toBe(2)
    expect(remote.stderr).toMatch(/--allow-remote/)
  })

  it('with --allow-remote on every interface, prints a URL that works and warns', async () => {
    const child = serve(['--library', join(dirs.root, 'lib'), '--port', '0', '--host', '0.0.0.0', '--allow-remote'])
    const done = exited(child)
    const first = await new Promise<string>((resolve, reject) => {
      createInterface({ input: child.stdout! }).once('line', resolve)
      child.once('exit', (code) => reject(new Error(`serve exited with ${code}`)))
    })
    const m = /^Posterity serving (http:\/\/127\.0\.0\.1:(\d+)\/\?token=([A-Za-z0-9_-]{43}))$/.exec(first)
    expect(m, first).not.toBeNull()
    const port = Number(m![2])
    const s = await connect(`ws://127.0.0.1:${port}/api?token=${m![3]}`, { origin: `http://127.0.0.1:${port}` })
    expect((await s.ok<{ libraryPath: string }>('system.info')).libraryPath).toBe(join(dirs.root, 'lib'))
    s.close()
    child.kill('SIGTERM')
    const { code, stderr } = await done
    expect(code).toBe(0)
    expect(stderr).toMatch(/reachable from other machines/)
  })
})
