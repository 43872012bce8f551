// Library management on real SQLite files and sharp-made JPEGs: undoable deletion (posters,
// labels, thumbnails, predictions), title/year edits, folded search and natural sort, the
// provenance filter, and opening other libraries.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { startImport } from '../../src/main/importer/handlers'
import { mediaFile } from '../../src/main/library/media'
import { sortKey } from '../../src/main/library/text'
import { call, jpeg, recordEvents, seed, useLibrary } from './helpers'

const t = useLibrary({
  sub: 'library',
  before: (dir) => (process.env.POSTERITY_STATE_DIR = join(dir, 'state')),
  after: () => delete process.env.POSTERITY_STATE_DIR,
})

async function importFolder(name: string, ids: string[], labels?: string): Promise<void> {
  const src = join(t.dir, name)
  mkdirSync(src, { recursive: true })
  for (const [i, id] of ids.entries()) await jpeg(join(src, `${id}.jpg`), { seed: name.length * 1000 + i })
  const r = await (await startImport(t.core, { paths: [src], labels })).promise
  if (!r) throw new Error('import failed')
}
const ids = async (args: object = {}) => (await call(t.core, 'library.ids', { sort: 'id', ...args })).ids as string[]

describe('deleting posters', () => {
  it('deletes a selection and undo restores posters, labels, thumbnails and predictions', async () => {
    const labels = join(t.dir, 'l.csv')
    writeFileSync(labels, 'Id,Genre,Drama,Comedy\ntt0000001,x,1,0\ntt0000002,x,1,1\ntt0000003,x,0,1\n')
    await importFolder('a', ['tt0000001', 'tt0000002', 'tt0000003'], labels)
    await call(t.core, 'labels.edit', { ids: ['tt0000002'], add: ['Western'] })
    // A prediction row (another table referencing posters) comes back with its poster.
    t.core.db.prepare(`INSERT INTO model_runs (id, created_at, kind, config, backend, genres, train_size, val_size, seconds, metrics, epochs, thresholds, weights_path)
      VALUES (1, 0, 'head', '{}', 'wasm', '[]', 0, 0, 0, '{}', '[]', '{}', 'x')`).run()
    t.core.db.prepare('INSERT INTO predictions (run_id, poster_id, probs, created_at) VALUES (1, ?, ?, 0)').run('tt0000002', Buffer.from([1, 2, 3, 4]))
    const before = await call(t.core, 'library.get', { id: 'tt0000002' })
    const thumb = mediaFile(t.core, 'thumb', 'tt0000002')!.path
    const ev = recordEvents(t.core)
    const r = await call(t.core, 'library.remove', { ids: ['tt0000002', 'tt0000003', 'nope'] })
    expect(r).toMatchObject({ removed: 2, history: { canUndo: true, undoLabel: 'Delete 2 posters' } })
    expect(ev.of('library.changed')).toEqual([{ reason: 'posters', ids: ['tt0000002', 'tt0000003'] }])
    expect(await ids()).toEqual(['tt0000001'])
    expect((await call(t.core, 'library.stats')).genres).toMatchObject({ Drama: 1, Comedy: 0, Western: 0 })
    expect(existsSync(thumb)).toBe(true) // kept while the deletion can be undone
    expect(t.core.db.prepare('SELECT COUNT(*) FROM predictions').pluck().get()).toBe(0)
    await call(t.core, 'labels.undo')
    expect(await ids()).toEqual(['tt0000001', 'tt0000002', 'tt0000003'])
    const after = await call(t.core, 'library.get', { id: 'tt0000002' })
    expect(after).toEqual(before)
    expect(await ids({ genres: ['Western'] })).toEqual(['tt0000002']) // the genre mask is rebuilt
    expect(await ids({ sources: ['user'] })).toEqual(['tt0000002']) // and the source mask
    expect((await call(t.core, 'library.ids', { search: 'tt0000002' })).ids).toEqual(['tt0000002']) // and the search index
    expect(mediaFile(t.core, 'thumb', 'tt0000002')?.path).toBe(thumb)
    expect(t.core.db.prepare('SELECT probs FROM predictions WHERE poster_id = ?').pluck().get('tt0000002')).toEqual(Buffer.from([1, 2, 3, 4]))
    // Undo of the earlier label edit still works after the restore.
    await call(t.core, 'labels.redo')
    expect(await ids()).toEqual(['tt0000001'])
    await call(t.core, 'labels.undo')
    await call(t.core, 'labels.undo')
    expect((await call(t.core, 'library.get', { id: 'tt0000002' })).genres).toEqual(['Drama', 'Comedy'])
    await expect(call(t.core, 'library.remove', { ids: ['nope'] })).rejects.toMatchObject({ code: 'not-found' })
    await expect(call(t.core, 'library.remove', {})).rejects.toMatchObject({ code: 'invalid-args' })
  })

  it('restores genre masks beyond 32 bits (genre slots up to 62)', async () => {
    const many = Array.from({ length: 62 }, (_, i) => `G${i}`)
    seed(t.core, [{ id: 'a', genres: ['G0', 'G40', 'G61'] }, { id: 'b', genres: many }])
    await call(t.core, 'library.remove', { ids: ['a', 'b'] })
    await call(t.core, 'labels.undo')
    expect(await ids({ genres: ['G61'] })).toEqual(['a', 'b'])
    expect(await ids({ genres: ['G40', 'G0'], match: 'all' })).toEqual(['a', 'b'])
    expect(await ids({ genres: ['G30'] })).toEqual(['b'])
    const mask = t.core.db.prepare('SELECT genre_mask FROM posters WHERE id = ?').safeIntegers().pluck()
    expect(mask.get('b')).toBe((1n << 62n) - 1n)
  })

  it('deletes everything one import added, and lists imports with what is left of them', async () => {
    await importFolder('first', ['tt0000001', 'tt0000002'])
    await importFolder('second', ['tt0000011', 'tt0000012', 'tt0000013'])
    const { imports } = await call(t.core, 'library.imports')
    expect(imports.map((i: { posters: number; status: string }) => [i.posters, i.status])).toEqual([[3, 'done'], [2, 'done']])
    expect(imports[0].paths).toEqual([join(t.dir, 'second')])
    const r = await call(t.core, 'library.remove', { importId: imports[0].id })
    expect(r.removed).toBe(3)
    expect(r.history.undoLabel).toBe(`Delete the 3 posters of import #${imports[0].id}`)
    expect(await ids()).toEqual(['tt0000001', 'tt0000002'])
    await expect(call(t.core, 'library.remove', { importId: imports[0].id })).rejects.toThrow(/has no posters left/)
    await expect(call(t.core, 'library.remove', { importId: 999 })).rejects.toThrow(/no import #999/)
    await call(t.core, 'labels.undo')
    expect(await ids()).toEqual(['tt0000001', 'tt0000002', 'tt0000011', 'tt0000012', 'tt0000013'])
    expect((await call(t.core, 'library.imports')).imports[0].posters).toBe(3)
  })

  it('refuses to delete posters or merge genres while an import runs', async () => {
    seed(t.core, [{ id: 'a', genres: ['Drama'] }, { id: 'b', genres: ['Comedy'] }])
    const src = join(t.dir, 'more')
    mkdirSync(src)
    for (let i = 0; i < 3; i++) await jpeg(join(src, `tt000010${i}.jpg`), { seed: 50 + i })
    const { promise } = await startImport(t.core, { paths: [src] })
    await expect(call(t.core, 'library.remove', { ids: ['a'] })).rejects.toThrow(/an import is running; delete posters when it has finished/)
    await expect(call(t.core, 'genres.merge', { from: 'Drama', into: 'Comedy' })).rejects.toMatchObject({ code: 'conflict' })
    await promise
    await call(t.core, 'genres.add', { name: 'Western' })
    const second = await startImport(t.core, { paths: [src] })
    await expect(call(t.core, 'labels.undo')).rejects.toThrow(/an import is running; undo this when it has finished/)
    await second.promise
    await call(t.core, 'labels.undo')
    expect((await call(t.core, 'genres.list')).genres.map((g: { name: string }) => g.name)).not.toContain('Western')
    expect((await call(t.core, 'library.remove', { ids: ['a'] })).removed).toBe(1)
  })

  it('removes the thumbnails of a deletion once it can no longer be undone', async () => {
    await importFolder('a', ['tt0000001'])
    const thumb = mediaFile(t.core, 'thumb', 'tt0000001')!.path
    await call(t.core, 'library.remove', { ids: ['tt0000001'] })
    // Push the deletion out of the capped history.
    t.core.db.prepare('UPDATE history SET id = id - 1000').run()
    t.core.db.transaction(() => {
      for (let i = 0; i < 500; i++) t.core.db.prepare(`INSERT INTO history (at, description, changes, posters) VALUES (0, 'x', '[]', 0)`).run()
    })()
    await call(t.core, 'genres.add', { name: 'Western' }) // records an entry: the cap drops the deletion
    await t.reopen() // the library's opening removes released thumbnails
    expect(existsSync(thumb)).toBe(false)
  })
})

describe('title and year', () => {
  it('edits title and year, undoably, and the edit is searched and sorted', async () => {
    seed(t.core, [{ id: 'a', title: 'Old', year: 1990 }, { id: 'b', title: 'Zed' }])
    const ev = recordEvents(t.core)
    const r = await call(t.core, 'library.setMeta', { id: 'a', title: '  Édith   Piaf ', year: 2007 })
    expect(r).toMatchObject({ changed: true, history: { undoLabel: 'Edit title and year of Édith Piaf' } })
    expect(ev.of('library.changed')).toEqual([{ reason: 'posters', ids: ['a'] }])
    expect(await call(t.core, 'library.get', { id: 'a' })).toMatchObject({ title: 'Édith Piaf', year: 2007 })
    expect((await call(t.core, 'library.ids', { search: 'edith' })).ids).toEqual(['a'])
    expect((await call(t.core, 'library.setMeta', { id: 'a', year: 2007 })).changed).toBe(false)
    await call(t.core, 'labels.undo')
    expect(await call(t.core, 'library.get', { id: 'a' })).toMatchObject({ title: 'Old', year: 1990 })
    expect((await call(t.core, 'library.ids', { search: 'edith' })).ids).toEqual([])
    await call(t.core, 'library.setMeta', { id: 'b', title: '', year: null })
    expect(await call(t.core, 'library.get', { id: 'b' })).toMatchObject({ title: null, year: null })
    await expect(call(t.core, 'library.setMeta', { id: 'b', year: 123 })).rejects.toThrow(/from 1850/)
    await expect(call(t.core, 'library.setMeta', { id: 'zz', title: 'x' })).rejects.toMatchObject({ code: 'not-found' })
  })
})

describe('search and sort', () => {
  it('search folds case and accents and ignores extra spaces', async () => {
    seed(t.core, [
      { id: 'tt1', title: 'Amélie' },
      { id: 'tt2', title: 'Blade  Runner' },
      { id: 'tt3', title: 'SMØRGÅSBORD' },
      { id: 'tt4', title: 'Straße' },
    ])
    const find = async (search: string) => (await call(t.core, 'library.ids', { search, sort: 'id' })).ids
    expect(await find('amelie')).toEqual(['tt1'])
    expect(await find('AMÉLIE')).toEqual(['tt1'])
    expect(await find('  blade   runner ')).toEqual(['tt2'])
    expect(await find('smorgasbord')).toEqual(['tt3'])
    expect(await find('strasse')).toEqual(['tt4'])
    expect(await find('TT3')).toEqual(['tt3']) // ids still match
    expect(await find('50%')).toEqual([]) // no wildcards
    expect(await find('am')).toEqual(['tt1']) // under 3 characters: a plain substring scan
    expect(await find('"x')).toEqual([]) // quotes cannot break the index query
    // The trigram index follows deletions, their undo and title edits.
    await call(t.core, 'library.remove', { ids: ['tt1'] })
    expect(await find('amelie')).toEqual([])
    await call(t.core, 'labels.undo')
    expect(await find('amelie')).toEqual(['tt1'])
    await call(t.core, 'library.setMeta', { id: 'tt1', title: 'Le Fabuleux Destin' })
    expect(await find('amelie')).toEqual([])
    expect(await find('fabuleux destin')).toEqual(['tt1'])
  })

  it('pages of a search come in sort order (hits read by rowid, then sorted)', async () => {
    seed(t.core, [
      ...Array.from({ length: 30 }, (_, i) => ({ id: `n${i}`, title: `Night ${i}`, year: 2000 + (i % 7) })),
      { id: 'x', title: 'Day' },
    ])
    const all = (await call(t.core, 'library.ids', { search: 'night', sort: 'title', desc: true })).ids
    expect(all).toEqual(Array.from({ length: 30 }, (_, i) => `n${29 - i}`))
    const page = await call(t.core, 'library.query', { search: 'night', sort: 'title', desc: true, offset: 10, limit: 5 })
    expect(page.total).toBe(30)
    expect(page.items.map((p: { id: string }) => p.id)).toEqual(all.slice(10, 15))
    const byYear = (await call(t.core, 'library.query', { search: 'NIGHT', sort: 'year', limit: 3 })).items.map((p: { id: string }) => p.id)
    expect(byYear).toEqual(['n0', 'n14', 'n21'])
  })

  it('title sort is natural and accent-aware, leading punctuation ignored', async () => {
    seed(t.core, [
      { id: 'p1', title: 'Rocky 10' },
      { id: 'p2', title: 'Rocky 2' },
      { id: 'p3', title: '"Crocodile" Dundee' },
      { id: 'p4', title: 'Émile' },
      { id: 'p5', title: 'zebra' },
      { id: 'p6', title: 'Eve' },
      { id: 'p7', title: null },
      { id: 'p8', title: "'Salem's Lot" },
    ])
    const order = (await call(t.core, 'library.ids', { sort: 'title' })).ids
    expect(order).toEqual(['p3', 'p4', 'p6', 'p7', 'p2', 'p1', 'p8', 'p5'])
    expect((await call(t.core, 'library.ids', { sort: 'title', desc: true })).ids).toEqual([...order].reverse())
    expect(sortKey('Rocky 2', 'x') < sortKey('Rocky 10', 'x')).toBe(true)
  })
})

describe('provenance', () => {
  it('summaries carry each label\'s source and the library filters by source', async () => {
    seed(t.core, [
      { id: 'a', genres: ['Drama'] },
      { id: 'b', genres: ['Comedy'] },
      { id: 'c' },
    ])
    await call(t.core, 'labels.edit', { ids: ['b'], add: ['Drama'] })
    t.core.db.prepare(`INSERT INTO labels (poster_id, genre_id, source) SELECT 'c', id, 'prediction' FROM genres WHERE name = 'Comedy'`).run()
    t.core.db.prepare(`INSERT INTO labels (poster_id, genre_id, source) SELECT 'a', id, 'nfo' FROM genres WHERE name = 'Comedy'`).run()
    const page = await call(t.core, 'library.query', { sort: 'id' })
    expect(page.items.map((p: { id: string; genres: string[]; sources: string[] }) => [p.id, p.genres, p.sources])).toEqual([
      ['a', ['Drama', 'Comedy'], ['imported', 'nfo']],
      ['b', ['Drama', 'Comedy'], ['user', 'imported']],
      ['c', ['Comedy'], ['prediction']],
    ])
    expect(await ids({ sources: ['prediction'] })).toEqual(['c'])
    expect(await ids({ sources: ['user', 'nfo'] })).toEqual(['a', 'b'])
    expect(await ids({ sources: ['prediction'], genres: ['Drama'] })).toEqual([])
    await expect(call(t.core, 'library.ids', { sources: ['guess'] })).rejects.toMatchObject({ code: 'invalid-args' })
  })
})

describe('libraries', () => {
  it('creates, opens and switches libraries with a recent list; wrong paths get specific errors', async () => {
    seed(t.core, [{ id: 'a' }])
    const other = join(t.dir, 'other')
    const ev = recordEvents(t.core)
    await expect(call(t.core, 'system.openLibrary', { path: other })).rejects.toThrow(/there is no folder/)
    await expect(call(t.core, 'system.openLibrary', { path: 'relative/lib' })).rejects.toThrow(/full path/)
    writeFileSync(join(t.dir, 'file.txt'), 'x')
    await expect(call(t.core, 'system.openLibrary', { path: join(t.dir, 'file.txt'), create: true })).rejects.toThrow(/is a file, not a folder/)
    await expect(call(t.core, 'system.openLibrary', { path: t.dir, create: true })).rejects.toThrow(/is not empty/)
    await expect(call(t.core, 'system.openLibrary', { path: join(t.dir, 'no', 'such'), create: true })).rejects.toThrow(/parent folder .* does not exist/)
    mkdirSync(join(t.dir, 'plain'))
    await expect(call(t.core, 'system.openLibrary', { path: join(t.dir, 'plain') })).rejects.toThrow(/holds no Posterity library/)
    expect((await call(t.core, 'library.stats')).posters).toBe(1) // still the first library
    expect(await call(t.core, 'system.openLibrary', { path: other, create: true })).toEqual({ libraryPath: other })
    expect(ev.of('library.changed')).toEqual([{ reason: 'library' }])
    expect((await call(t.core, 'library.stats')).posters).toBe(0)
    expect((await call(t.core, 'system.info')).libraryPath).toBe(other)
    expect(t.core.dir).toBe(other)
    expect(await call(t.core, 'system.libraries')).toEqual({ current: other, recent: [{ path: t.lib, exists: true }] })
    await call(t.core, 'system.openLibrary', { path: t.lib })
    expect((await call(t.core, 'library.stats')).posters).toBe(1)
    expect((await call(t.core, 'system.libraries')).recent).toEqual([{ path: other, exists: true }])
  })
})
