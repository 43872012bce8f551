// The desktop app's wire, without Electron (see desktop.ts for the stand-ins): the same
// contract tests as over the WebSocket pass over the core process's port; a crash of the
// core mid-import is reported to the client, which reconnects to the restarted core and
// finds the library intact.
import Database from 'better-sqlite3'
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { MessageChannel } from 'node:worker_threads'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createCoreLink, type PortLike } from '../../src/preload/link'
import { ApiError, CORE_CHANNELS, contract, createClient, type Envelope } from '../../src/shared/api'
import { describeContract, MessageLog, type Msg } from '../api/contract-suite'
import { jpeg } from '../library/helpers'
import { desktop, until, type Desktop } from './desktop'

let root: string
let libraryDir: string
let app: Desktop
const picks: unknown[] = []
const closers: (() => void)[] = []

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'posterity-core-host-'))
  libraryDir = join(root, 'library')
  // The core process (a worker thread copies this environment) keeps its recent-libraries list here.
  process.env.POSTERITY_STATE_DIR = join(root, 'state')
  app = desktop({
    open: { libraryDir },
    pickPaths: async (args) => {
      picks.push(args)
      return [`/picked/${args.kind}`]
    },
  })
  await app.supervisor.start()
})

afterAll(async () => {
  for (const c of closers) c()
  await app?.close()
  if (root) rmSync(root, { recursive: true, force: true })
})

describeContract('the core process port', {
  host: 'electron',
  libraryDir: () => libraryDir,
  async open() {
    const { port1, port2 } = new MessageChannel()
    await app.supervisor.connect(port1)
    const log = new MessageLog(
      (msg) => port2.postMessage(msg),
      () => port2.close(),
    )
    port2.on('message', (m: Msg) => log.deliver(m))
    closers.push(() => port2.close())
    return log
  },
  async client() {
    return app.windowClient()
  },
})

describe('the core process', () => {
  it('is not this thread, and answers what only the main process can do through it', async () => {
    expect(app.supervisor.status).toBe('ready')
    const c = app.windowClient()
    // Native pickers live in the main process: the core asks it.
    expect(await c.bridge.api.system.pickPaths({ kind: 'folder', multiple: false })).toEqual({ supported: true, paths: ['/picked/folder'] })
    expect(picks).toContainEqual({ kind: 'folder', multiple: false })
    // The poster protocol asks the core which file serves a poster: only library files.
    expect(await app.supervisor.media('thumb', 'tt0000001')).toBeNull()
    c.close()
  })

  it('errors cross as data: a structured clone drops ApiError.code, the envelope keeps it', async () => {
    const cloned = structuredClone(new ApiError('not-found', 'no poster tt1'))
    expect(cloned).not.toBeInstanceOf(ApiError)
    expect((cloned as { code?: string }).code).toBeUndefined()
    // What the renderer does: rebuild the error from the cloned envelope.
    const api = createClient(contract, async (): Promise<Envelope> => structuredClone({ ok: false, error: { code: 'not-found', message: 'no poster tt1' } }))
    await expect(api.library.get({ id: 'tt1' })).rejects.toMatchObject({ name: 'ApiError', code: 'not-found', message: 'no poster tt1' })
  })
})

describe('opening another library in the core process', () => {
  it('tells the supervisor, so a restart after a crash reopens the library the user has open', async () => {
    const c = app.windowClient()
    const other = join(root, 'other-library')
    expect((await c.bridge.api.system.openLibrary({ path: other, create: true })).libraryPath).toBe(other)
    await until(() => app.supervisor.libraryDir === other)
    expect((await c.bridge.api.system.openLibrary({ path: libraryDir })).libraryPath).toBe(libraryDir)
    await until(() => app.supervisor.libraryDir === libraryDir)
    c.close()
  })
})

describe('the preload link', () => {
  it('closes a port that arrives when nobody asked, and a link the main process says is down', async () => {
    const listeners = new Map<string, ((event: { ports?: readonly PortLike[] }, ...args: unknown[]) => void)[]>()
    const link = createCoreLink({ send: () => {}, on: (ch, l) => listeners.set(ch, [...(listeners.get(ch) ?? []), l]) })
    const stray = new MessageChannel()
    let strayClosed = false
    stray.port2.on('close', () => (strayClosed = true))
    for (const l of listeners.get(CORE_CHANNELS.port)!) l({ ports: [stray.port1 as unknown as PortLike] })
    await until(() => strayClosed, 2000)

    const seen: string[] = []
    link.open({ open: () => seen.push('open'), message: () => {}, closed: (r) => seen.push(`closed: ${r}`) })
    const { port1 } = new MessageChannel()
    for (const l of listeners.get(CORE_CHANNELS.port)!) l({ ports: [port1 as unknown as PortLike] })
    for (const l of listeners.get(CORE_CHANNELS.down)!) l({}, 'the core process stopped unexpectedly')
    expect(seen).toEqual(['open', 'closed: the core process stopped unexpectedly'])
    link.close()
  })
})

describe('a crash of the core process', () => {
  it('mid-import is reported to the client, which reconnects to the restarted core; the library is intact', async () => {
    const first = join(root, 'first')
    const second = join(root, 'second')
    mkdirSync(first)
    mkdirSync(second)
    for (let i = 0; i < 12; i++) await jpeg(join(first, `tt${String(1000 + i).padStart(7, '0')}.jpg`), { seed: i + 1 })
    for (let i = 0; i < 400; i++) await jpeg(join(second, `tt${String(5000 + i).padStart(7, '0')}.jpg`), { seed: 9000 + i, width: 300, height: 450 })

    const c = app.windowClient()
    const { api } = c.bridge
    const finished: unknown[] = []
    c.bridge.on('import.finished', (p) => finished.push(p))
    await api.imports.start({ paths: [first] })
    await until(() => finished.length === 1)
    expect((await api.library.stats({})).posters).toBe(12)

    // A long import; the core process dies under it.
    let progress = 0
    c.bridge.on('import.progress', (p) => (progress = p.done))
    const states: string[] = []
    c.connection.onChange((s) => states.push(s))
    const startsBefore = app.supervisor.starts
    await api.imports.start({ paths: [second] })
    // Past the first committed batch (250 posters), so there is something to roll back.
    await until(() => progress >= 260)
    const crashed = app.workers[app.workers.length - 1]
    await crashed.terminate()

    // Reported: the main process tells the window, the client drops the link and says why.
    await until(() => states.includes('reconnecting'))
    expect(app.downs.at(-1)).toMatch(/core process stopped unexpectedly.*restarting/)
    expect(c.connection.reason).toMatch(/core process stopped unexpectedly/)
    // ...and reconnects by itself to the restarted core.
    await until(() => c.connection.state === 'open')
    expect(app.supervisor.starts).toBe(startsBefore + 1)
    expect(app.workers.at(-1)).not.toBe(crashed)

    // The library is intact: the first import whole, the cut-off one rolled back, nothing running.
    const stats = await api.library.stats({})
    expect(stats.posters).toBe(12)
    expect((await api.jobs.list({})).jobs.filter((j) => j.status === 'running')).toEqual([])
    const page = await api.library.query({ limit: 100 })
    expect(page.items.map((p: { id: string }) => p.id).sort()).toEqual(Array.from({ length: 12 }, (_, i) => `tt${String(1000 + i).padStart(7, '0')}`))

    // And the same import runs to the end on the restarted core.
    finished.length = 0
    await api.imports.start({ paths: [second] })
    await until(() => finished.length === 1, 60_000)
    expect((await api.library.stats({})).posters).toBe(412)
    c.close()

    await app.supervisor.stop()
    const db = new Database(join(libraryDir, 'library.sqlite'), { readonly: true })
    try {
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok')
      const imports = db.prepare('SELECT status, result FROM imports ORDER BY id').all() as { status: string; result: string | null }[]
      expect(imports.map((r) => r.status)).toEqual(['done', 'failed', 'done'])
      expect(imports[1].result).toMatch(/interrupted/)
    } finally {
      db.close()
    }
  })
})
