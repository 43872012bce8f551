// A full disk and a read-only library folder: each call says so plainly, nothing already in the
// library is lost or corrupted, and the library works again once there is room. Needs a small
// file system of its own (a tmpfs, which root may mount here); skips, saying so, elsewhere.
import { execFileSync, spawnSync } from 'node:child_process'
import { mkdirSync, openSync, rmSync, writeSync, closeSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Core } from '../../src/main/core'
import { startImport } from '../../src/main/importer/handlers'
import { CLI } from '../../scripts/harness'
import { call, jpeg, open, seed, tempDir } from './helpers'

let t: ReturnType<typeof tempDir>
let mnt: string
let mounted = false

beforeAll(() => {
  t = tempDir()
  mnt = join(t.dir, 'mnt')
  mkdirSync(mnt)
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', mnt], { stdio: 'ignore' })
    mounted = true
  } catch {
    /* not root, or not allowed */
  }
})
afterAll(() => {
  if (mounted) execFileSync('umount', [mnt])
  t.cleanup()
})

/** Fills what is left of the file system; returns a function that frees it again. */
function fill(dir: string): () => void {
  const file = join(dir, 'filler')
  const fd = openSync(file, 'w')
  const block = Buffer.alloc(4096, 1)
  try {
    for (;;) writeSync(fd, block)
  } catch {
    /* ENOSPC: full */
  } finally {
    closeSync(fd)
  }
  return () => rmSync(file)
}

const state = (core: Core) => ({
  posters: core.db.prepare('SELECT id, title, labelled FROM posters ORDER BY id').raw().all(),
  labels: core.db.prepare('SELECT l.poster_id, g.name, l.source FROM labels l JOIN genres g ON g.id = l.genre_id ORDER BY 1, 2').raw().all(),
  history: core.db.prepare('SELECT description FROM history ORDER BY id').pluck().all(),
})

describe('the disk under the library', () => {
  it('full: an import is rolled back and edits are refused, each saying the disk is full; nothing is lost, and it works again once there is room', async (ctx) => {
    if (!mounted) {
      console.warn('[disk] cannot mount a tmpfs (not root, or not allowed): skipping the full-disk test')
      return ctx.skip()
    }
    const src = join(t.dir, 'src')
    mkdirSync(src)
    for (let i = 0; i < 80; i++) await jpeg(join(src, `tt${String(100 + i).padStart(7, '0')}.jpg`), { seed: i + 1, width: 200, height: 300 })
    const lib = join(mnt, 'lib')
    const core = open(lib)
    try {
      seed(core, [{ id: 'tt0000001', title: 'Kept', genres: ['Drama'] }, { id: 'tt0000002', genres: null }])
      await call(core, 'labels.edit', { ids: ['tt0000002'], add: ['Comedy'] })
      const before = state(core)

      // The thumbnails and rows of 80 posters do not fit in what is left.
      const started = await startImport(core, { paths: [src] })
      expect(await started.promise).toBeNull()
      const job = core.jobs.list().find((j) => j.jobId === started.jobId)!
      expect(job.status).toBe('failed')
      expect(job.message).toMatch(/^the import stopped and was rolled back: the disk holding the library \(.*\) is full: free some space/)
      expect(state(core)).toEqual(before)

      // Not a byte left: edits are refused with the same plain reason.
      const free = fill(mnt)
      for (const [channel, args] of [
        ['labels.edit', { ids: ['tt0000001'], add: ['Western'] }],
        ['genres.add', { name: 'Western' }],
        ['library.setMeta', { id: 'tt0000001', title: 'Changed' }],
      ] as const) {
        const env = await core.dispatch(channel, args)
        expect(env, channel).toMatchObject({ ok: false, error: { code: 'unsupported', message: expect.stringMatching(/disk holding the library .* is full/) } })
      }
      expect(state(core)).toEqual(before)
      expect(core.db.pragma('integrity_check', { simple: true })).toBe('ok')

      free()
      await call(core, 'labels.edit', { ids: ['tt0000001'], add: ['Western'] })
      expect((await call(core, 'library.get', { id: 'tt0000001' })).genres).toEqual(['Drama', 'Western'])
    } finally {
      await core.close()
    }
  }, 120_000)

  it('read-only: every command says the library is on a read-only file system, in one line; the file is intact', async (ctx) => {
    if (!mounted) return ctx.skip()
    const lib = join(mnt, 'ro-lib')
    const core = open(lib)
    seed(core, [{ id: 'tt0000001', title: 'Heat', genres: ['Crime'] }])
    await core.close()
    execFileSync('mount', ['-o', 'remount,ro', mnt])
    try {
      const cli = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args, '--library', lib], { encoding: 'utf8' })
      for (const args of [['stats', '--json'], ['import', t.dir], ['export', '--format', 'csv']]) {
        const r = cli(...args)
        expect(r.status, args[0]).not.toBe(0)
        expect(r.stderr, args[0]).toMatch(/^posterity[^\n]*: cannot open the library in .*: the library in .* is on a read-only file system: .*copy the folder to a writable disk\n/)
        expect(r.stderr, args[0]).not.toMatch(/EROFS|SQLITE|unable to open/)
      }
    } finally {
      execFileSync('mount', ['-o', 'remount,rw', mnt])
    }
    const again = open(lib)
    try {
      expect(again.db.pragma('integrity_check', { simple: true })).toBe('ok')
      expect((await call(again, 'library.get', { id: 'tt0000001' })).genres).toEqual(['Crime'])
    } finally {
      await again.close()
    }
  }, 120_000)
})
