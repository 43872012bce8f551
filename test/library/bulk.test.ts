// Bulk edits: applied in slices with other calls answered meanwhile, still one undoable
// entry, all or nothing when the process is killed mid-way; history entries hold what changed
// and the history is bounded by bytes, saying how many entries it dropped.
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { BULK_MIN } from '../../src/main/library/bulk'
import { HISTORY_MAX_BYTES } from '../../src/main/library/history'
import { call, open, seed, tempDir } from './helpers'
import { coreChild, freezeWhen, mod } from './killable'

let t: ReturnType<typeof tempDir>
beforeEach(() => (t = tempDir()))
afterEach(() => t.cleanup())

const posters = (n: number, from = 0) =>
  Array.from({ length: n }, (_, i) => ({ id: `tt${String(from + i).padStart(7, '0')}`, genres: (from + i) % 3 ? ['Drama'] : [] }))

const withGenre = (core: ReturnType<typeof open>, name: string) =>
  core.db.prepare('SELECT COUNT(*) FROM labels l JOIN genres g ON g.id = l.genre_id WHERE g.name = ?').pluck().get(name) as number

describe('a bulk edit', () => {
  it('answers other calls while it runs and is one entry that undoes and redoes', async () => {
    const core = open(join(t.dir, 'lib'))
    try {
      const n = BULK_MIN * 3
      seed(core, posters(n))
      const ids = posters(n).map((p) => p.id)
      let done = false
      const edit = call(core, 'labels.edit', { ids, add: ['War'], remove: ['Drama'] }).finally(() => (done = true))
      // Cheap calls arriving meanwhile (as from a socket: each in its own turn of the event
      // loop) are answered before the edit has finished.
      let answered = 0
      while (!done) {
        await new Promise((r) => setTimeout(r, 2))
        await call(core, 'library.stats', {})
        if (!done) answered++
      }
      const r = await edit
      expect(answered).toBeGreaterThan(0)
      expect(r.changed).toHaveLength(n)
      expect(withGenre(core, 'War')).toBe(n)
      expect(withGenre(core, 'Drama')).toBe(0)
      const h = await call(core, 'labels.history', {})
      expect(h.entries).toHaveLength(1)
      expect(h.undoLabel).toBe(`Add War, remove Drama on ${n} posters`)
      // What changed, not whole states: a few bytes a poster.
      const bytes = core.db.prepare('SELECT bytes FROM history').pluck().get() as number
      expect(bytes / n).toBeLessThan(16)

      // Another write during the undo waits for it, then applies on top.
      const undo = call(core, 'labels.undo', {})
      const meta = call(core, 'library.setMeta', { id: ids[1], title: 'Later' })
      expect((await undo).changed).toHaveLength(n)
      expect(withGenre(core, 'War')).toBe(0)
      expect(withGenre(core, 'Drama')).toBe(ids.filter((_, i) => i % 3).length)
      expect((await meta).history.undoLabel).toBe('Edit title of Later')
      // The meta edit dropped the redo branch; undo it and the bulk entry is gone for good.
      expect((await call(core, 'labels.history', {})).canRedo).toBe(false)
    } finally {
      await core.close()
    }
  })

  it('undoes entries written before deltas (whole before/after states)', async () => {
    const core = open(join(t.dir, 'lib'))
    try {
      seed(core, [{ id: 'tt1', genres: ['Drama'] }])
      core.db.prepare('UPDATE labels SET source = ?').run('user')
      const state = (g: string[]) => ({ labelled: true, edited: true, genres: g.map((x) => [x, 'user']) })
      core.db
        .prepare(`INSERT INTO history (at, description, changes, posters, kind) VALUES (0, 'old', ?, 1, 'labels')`)
        .run(JSON.stringify([{ id: 'tt1', before: state(['Comedy']), after: state(['Drama']) }]))
      expect((await call(core, 'labels.undo', {})).changed).toEqual(['tt1'])
      expect((await call(core, 'library.get', { id: 'tt1' })).genres).toEqual(['Comedy'])
    } finally {
      await core.close()
    }
  })

  it('keeps the history under its byte limit, dropping the oldest entries and saying so', async () => {
    const core = open(join(t.dir, 'lib'))
    try {
      seed(core, posters(10))
      // Two old entries that together pass the limit (their recorded size is what counts).
      const big = core.db.prepare(`INSERT INTO history (at, description, changes, posters, kind, bytes) VALUES (0, ?, '[]', 0, 'labels', ?)`)
      big.run('oldest', Math.floor(HISTORY_MAX_BYTES * 0.6))
      big.run('older', Math.floor(HISTORY_MAX_BYTES * 0.5))
      const r = await call(core, 'labels.edit', { ids: ['tt0000001'], add: ['War'] })
      expect(r.history.dropped).toBe(1)
      const h = await call(core, 'labels.history', {})
      expect(h.entries.map((e: { description: string }) => e.description)).toEqual(['Add War on 1 poster', 'older'])
      // The newest entry stays whatever its size.
      big.run('huge', HISTORY_MAX_BYTES * 2)
      await call(core, 'labels.edit', { ids: ['tt0000002'], add: ['War'] })
      expect((await call(core, 'labels.history', {})).entries).toHaveLength(1)
      expect((await call(core, 'labels.history', {})).dropped).toBe(4)
    } finally {
      await core.close()
    }
  })
})

/** A child that seeds `n` posters labelled Drama (unless there), then runs `script` against its core. */
const child = (lib: string, n: number, script: string) =>
  coreChild(
    lib,
    `const { seed } = await import(${mod('test/library/helpers.ts')})
    const ids = Array.from({ length: ${n} }, (_, i) => 'tt' + String(i).padStart(7, '0'))
    if (count('Drama') === 0) seed(core, ids.map((id) => ({ id, genres: ['Drama'] })))
    ${script}`,
  )

describe('a bulk edit killed mid-way (SIGKILL)', () => {
  const N = BULK_MIN * 3
  // Between slices, once part, not all, of the change is written: says 'go <count>' and freezes there.
  const midway = (genre: string, n: number) => freezeWhen(`count(${JSON.stringify(genre)}) > 0 && count(${JSON.stringify(genre)}) < ${n}`, `count(${JSON.stringify(genre)})`)

  it('is rolled back whole at the next open: no poster changed, no entry', async () => {
    const lib = join(t.dir, 'lib')
    const c = child(lib, N, `${midway('War', N)}; ok('labels.edit', { ids, add: ['War'] })`)
    const said = await c.said
    await c.kill()
    expect(Number(said.split(' ')[1])).toBeLessThan(N)
    const core = open(lib)
    try {
      expect(withGenre(core, 'War')).toBe(0)
      expect(withGenre(core, 'Drama')).toBe(N)
      expect((await call(core, 'labels.history', {})).canUndo).toBe(false)
      expect(core.db.pragma('integrity_check', { simple: true })).toBe('ok')
    } finally {
      await core.close()
    }
  }, 120_000)

  it('mid-undo leaves the edit in place and still undoable', async () => {
    const lib = join(t.dir, 'lib')
    const c = child(lib, N, `await ok('labels.edit', { ids, remove: ['Drama'] }); ${midway('Drama', N)}; ok('labels.undo', {})`)
    const said = await c.said
    await c.kill()
    expect(Number(said.split(' ')[1])).toBeLessThan(N)
    const core = open(lib)
    try {
      expect(withGenre(core, 'Drama')).toBe(0)
      const h = await call(core, 'labels.history', {})
      expect(h).toMatchObject({ canUndo: true, undoLabel: `Remove Drama on ${N} posters` })
      expect((await call(core, 'labels.undo', {})).changed).toHaveLength(N)
      expect(withGenre(core, 'Drama')).toBe(N)
    } finally {
      await core.close()
    }
  }, 120_000)
})
