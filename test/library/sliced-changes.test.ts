// Genre merges, genre deletions and poster deletions of many posters are applied in slices like
// bulk label edits (bulk.ts): other calls are answered meanwhile, each is one history entry whose
// result, undo and redo are exact, and a process killed (SIGKILL) mid-way leaves a library that
// the next open puts back as it was before the change, consistent.
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { Core } from '../../src/main/core'
import { BULK_MIN } from '../../src/main/library/bulk'
import { insertStubRun } from '../../src/main/ml/store/stub-run'
import { call, expectConsistent, libraryState, open, seed, tempDir } from './helpers'
import { coreChild, freezeWhen } from './killable'

let t: ReturnType<typeof tempDir>
beforeEach(() => (t = tempDir()))
afterEach(() => t.cleanup())

const N = BULK_MIN * 3
const id = (i: number) => `tt${String(i).padStart(7, '0')}`
const ids = Array.from({ length: N }, (_, i) => id(i))

/**
 * N posters: Drama on every second (BULK_MIN * 1.5 labels), Comedy on every third (BULK_MIN),
 * War on every fifth; sources differ between Drama and Comedy on some posters; byte-identical
 * pairs among the first hundred; a stored prediction for every seventh poster.
 */
function populate(core: Core): void {
  seed(
    core,
    ids.map((p, i) => ({
      id: p,
      title: `Film ${i}`,
      year: 1950 + (i % 70),
      genres: [...(i % 2 ? [] : ['Drama']), ...(i % 3 ? [] : ['Comedy']), ...(i % 5 ? [] : ['War'])],
      hash: i < 100 ? `pair-${i >> 1}` : undefined,
    })),
  )
  const db = core.db
  db.prepare(`UPDATE labels SET source = 'user' WHERE genre_id = (SELECT id FROM genres WHERE name = 'Drama') AND CAST(substr(poster_id, 3) AS INTEGER) % 4 = 0`).run()
  db.prepare(`UPDATE labels SET source = 'prediction' WHERE genre_id = (SELECT id FROM genres WHERE name = 'Comedy') AND CAST(substr(poster_id, 3) AS INTEGER) % 9 = 0`).run()
  const run = insertStubRun(db, { genres: ['Drama', 'Comedy', 'War'], thresholds: [0.5, 0.5, 0.5], weightsPath: 'none' }, true)
  const ins = db.prepare('INSERT INTO predictions (run_id, poster_id, probs, created_at) VALUES (?, ?, ?, 0)')
  db.transaction(() => ids.forEach((p, i) => i % 7 === 0 && ins.run(run, p, Buffer.from([i & 255, 1, 2, 3]))))()
}

/** Label rows [poster, genre, source] as the merge of `from` into `into` leaves them. */
function merged(labels: unknown[], from: string, into: string): unknown[][] {
  const rows = labels as unknown[][]
  const has = new Set(rows.filter((l) => l[1] === into).map((l) => l[0]))
  return rows
    .map((l) => (l[1] === from ? (has.has(l[0]) ? null : [l[0], into, l[2]]) : l))
    .filter((l): l is unknown[] => l !== null)
    .sort((a, b) => String(a[0]).localeCompare(String(b[0])) || String(a[1]).localeCompare(String(b[1])))
}

/** Runs `work` while cheap calls keep arriving; returns its value and how many were answered before it ended. */
async function whileAnswering<T>(core: Core, work: Promise<T>): Promise<{ value: T; answered: number }> {
  let done = false
  const w = work.finally(() => (done = true))
  let answered = 0
  while (!done) {
    await new Promise((r) => setTimeout(r, 2))
    await call(core, 'library.stats', {})
    if (!done) answered++
  }
  return { value: await w, answered }
}

describe('sliced genre and poster changes', () => {
  it('a merge of many posters answers other calls meanwhile, is one exact entry, and undoes and redoes exactly', async () => {
    const core = open(join(t.dir, 'lib'))
    try {
      populate(core)
      const before = libraryState(core)
      const merge = call(core, 'genres.merge', { from: 'Drama', into: 'Comedy' })
      // An import asked for meanwhile waits for it: refused, saying why.
      while (!core.db.prepare('SELECT 1 FROM history WHERE pending IS NOT NULL').get()) await new Promise((r) => setTimeout(r, 1))
      await expect(call(core, 'imports.start', { paths: [t.dir] })).rejects.toMatchObject({ code: 'conflict', message: expect.stringMatching(/^a bulk change is being applied in this library/) })
      const { value, answered } = await whileAnswering(core, merge)
      expect(answered).toBeGreaterThan(0)
      expect(value).toMatchObject({ name: 'Comedy', count: ids.filter((_, i) => i % 2 === 0 || i % 3 === 0).length })
      const after = libraryState(core)
      expect(after.labels).toEqual(merged(before.labels, 'Drama', 'Comedy'))
      expect(after.genres).toEqual([['Comedy', 0], ['War', 1]])
      expect(after.history).toEqual([[`Merge genre Drama into Comedy (${N / 2} posters)`, 0, null]])
      expectConsistent(core)

      const undone = await whileAnswering(core, call(core, 'labels.undo', {}))
      expect(undone.answered).toBeGreaterThan(0)
      expect(libraryState(core)).toEqual({ ...before, history: [[`Merge genre Drama into Comedy (${N / 2} posters)`, 1, null]] })
      expectConsistent(core)
      await call(core, 'labels.redo')
      expect(libraryState(core)).toEqual(after)
      expectConsistent(core)
    } finally {
      await core.close()
    }
  }, 120_000)

  it('a genre deletion of many labels is one exact entry; undo puts every label back in place', async () => {
    const core = open(join(t.dir, 'lib'))
    try {
      populate(core)
      const before = libraryState(core)
      const { answered } = await whileAnswering(core, call(core, 'genres.remove', { name: 'Comedy' }))
      expect(answered).toBeGreaterThan(0)
      const after = libraryState(core)
      expect(after.labels).toEqual((before.labels as unknown[][]).filter((l) => l[1] !== 'Comedy'))
      expect(after.genres).toEqual([['Drama', 0], ['War', 1]])
      expect(after.history).toEqual([[`Delete genre Comedy (${BULK_MIN} labels)`, 0, null]])
      expectConsistent(core)
      await call(core, 'labels.undo')
      expect(libraryState(core).labels).toEqual(before.labels)
      expect(libraryState(core).genres).toEqual(before.genres)
      expectConsistent(core)
      await call(core, 'labels.redo')
      expect(libraryState(core)).toEqual(after)
    } finally {
      await core.close()
    }
  }, 120_000)

  it('a deletion of many posters takes their labels and predictions, and undo brings back every row exactly', async () => {
    const core = open(join(t.dir, 'lib'))
    try {
      populate(core)
      const before = libraryState(core)
      const gone = ids.filter((_, i) => i % 3 !== 1) // 4,000, pairs split and whole
      const { value, answered } = await whileAnswering(core, call(core, 'library.remove', { ids: gone }))
      expect(answered).toBeGreaterThan(0)
      expect(value).toMatchObject({ removed: gone.length, history: { undoLabel: `Delete ${gone.length} posters` } })
      const after = libraryState(core)
      const left = new Set(ids.filter((_, i) => i % 3 === 1))
      expect(after.posters.map((p) => p.id)).toEqual([...left])
      expect(after.labels).toEqual((before.labels as unknown[][]).filter((l) => left.has(String(l[0]))))
      expect(after.predictions).toEqual((before.predictions as unknown[][]).filter((p) => left.has(String(p[1]))))
      expectConsistent(core) // a poster whose pair went is no longer a duplicate
      expect(core.db.prepare('SELECT COUNT(*) FROM posters WHERE dup = 1').pluck().get()).toBe(0)

      const undone = await whileAnswering(core, call(core, 'labels.undo', {}))
      expect(undone.answered).toBeGreaterThan(0)
      expect(undone.value.changed).toHaveLength(gone.length)
      const back = libraryState(core)
      expect({ ...back, history: [] }).toEqual({ ...before, history: [] })
      expect(back.history).toEqual([[`Delete ${gone.length} posters`, 1, null]])
      expectConsistent(core)
      expect((await call(core, 'library.ids', { search: 'Film 3000' })).ids).toEqual([id(3000)]) // the search index too
      await call(core, 'labels.redo')
      expect(libraryState(core)).toEqual(after)
    } finally {
      await core.close()
    }
  }, 120_000)
})

describe('a deletion entry', () => {
  it('holds its rows as value arrays under one column list, and entries holding them as objects (written before) still undo', async () => {
    const core = open(join(t.dir, 'lib'))
    try {
      populate(core)
      const before = libraryState(core)
      const gone = ids.slice(0, 40)
      await call(core, 'library.remove', { ids: gone })
      const entry = core.db.prepare('SELECT id, changes FROM history').get() as { id: number; changes: string }
      const change = JSON.parse(entry.changes) as { columns: string[]; posters: unknown[][] }
      expect(change.columns).toContain('title')
      expect(change.columns).not.toContain('genre_mask')
      expect(change.posters.map((p) => p[change.columns.indexOf('id')])).toEqual(gone)
      // The same entry as an older version wrote it: one object a poster.
      const { columns, posters, ...rest } = change
      const old = { ...rest, posters: posters.map((p) => Object.fromEntries(columns.map((k, j) => [k, p[j]]))) }
      core.db.prepare('UPDATE history SET changes = ? WHERE id = ?').run(JSON.stringify(old), entry.id)
      await call(core, 'labels.undo')
      expect({ ...libraryState(core), history: [] }).toEqual({ ...before, history: [] })
      expectConsistent(core)
    } finally {
      await core.close()
    }
  }, 120_000)
})

describe('a sliced change killed mid-way (SIGKILL)', () => {
  const posters = `core.db.prepare('SELECT COUNT(*) FROM posters').pluck().get()`
  /** Each change, and a condition true only while it (or its undo) is part applied. */
  const cases = [
    {
      name: 'a genre merge',
      change: `ok('genres.merge', { from: 'Drama', into: 'Comedy' })`,
      midway: `count('Drama') > 0 && count('Drama') < ${N / 2}`,
      entry: `Merge genre Drama into Comedy (${N / 2} posters)`,
    },
    {
      name: 'a genre deletion',
      change: `ok('genres.remove', { name: 'Comedy' })`,
      midway: `count('Comedy') > 0 && count('Comedy') < ${BULK_MIN}`,
      entry: `Delete genre Comedy (${BULK_MIN} labels)`,
    },
    {
      name: 'a poster deletion',
      change: `ok('library.remove', { ids: ${JSON.stringify(ids.slice(0, N / 2))} })`,
      midway: `${posters} > ${N / 2} && ${posters} < ${N}`,
      entry: `Delete ${N / 2} posters`,
    },
  ]

  /** A populated library and its state; the library is closed for the child to open. */
  async function prepared(): Promise<{ lib: string; before: ReturnType<typeof libraryState> }> {
    const lib = join(t.dir, 'lib')
    const core = open(lib)
    populate(core)
    const before = libraryState(core)
    await core.close()
    return { lib, before }
  }

  it.each(cases)('$name is rolled back whole at the next open: every row as before, no entry', async (c) => {
    const { lib, before } = await prepared()
    const child = coreChild(lib, `${freezeWhen(c.midway)}; ${c.change}`)
    expect(await child.said).toBe('go')
    await child.kill()
    const again = open(lib)
    try {
      expect(libraryState(again)).toEqual(before)
      expectConsistent(again)
    } finally {
      await again.close()
    }
  }, 120_000)

  it.each(cases)('the undo of $name, killed mid-way, leaves the change in place and still undoable', async (c) => {
    const { lib, before } = await prepared()
    const child = coreChild(lib, `await ${c.change}; ${freezeWhen(c.midway)}; ok('labels.undo', {})`)
    expect(await child.said).toBe('go')
    await child.kill()
    const again = open(lib)
    try {
      expectConsistent(again)
      expect(await call(again, 'labels.history', {})).toMatchObject({ canUndo: true, undoLabel: c.entry, canRedo: false })
      const after = libraryState(again)
      expect(after.history).toEqual([[c.entry, 0, null]])
      await call(again, 'labels.undo')
      expect({ ...libraryState(again), history: [] }).toEqual({ ...before, history: [] })
      expectConsistent(again)
      await call(again, 'labels.redo')
      expect(libraryState(again)).toEqual(after)
    } finally {
      await again.close()
    }
  }, 120_000)
})
