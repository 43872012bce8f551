// A film in several versions (Jellyfin's `Inception (2010) - 1080p.mkv` beside `- 2160p.mkv`)
// with no NFO yet: every version gets its own `<video>.nfo` (Kodi reads a version's own NFO
// only), written, read back, rewritten together, and undone together. And a write-back killed
// before it recorded its files: a rescan still knows the genres it wrote for the model's.
// Real files, a real core.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Core } from '../../src/main/core'
import { parseNfo } from '../../src/main/formats/nfo'
import type { Film, WriteResult } from '../../src/shared/api'
import { call, tempDir } from '../library/helpers'
import { closeAll, fixtureFilms, openTrained, posterJpeg, snapshotFiles, stipulate, writeCollection } from './fixture'

const t = tempDir('posterity-collection-versions-')
const root = join(t.dir, 'Movies')
const dir = join(root, 'Inception (2010)')
const hd = join(dir, 'Inception (2010) - 1080p.nfo')
const uhd = join(dir, 'Inception (2010) - 2160p.nfo')
/** Versions that already have one NFO between them: that one is the film's, nothing is added. */
const duneDir = join(root, 'Dune (2021)')
let core: Core

type Write = { writeId: number | null; results: (WriteResult & { others?: { path: string }[] })[] }

beforeAll(async () => {
  await writeCollection(root, fixtureFilms(12))
  mkdirSync(dir)
  writeFileSync(join(dir, 'Inception (2010) - 1080p.mkv'), 'x')
  writeFileSync(join(dir, 'Inception (2010) - 2160p.mkv'), 'x')
  await posterJpeg(join(dir, 'poster.jpg'), 'Red', 70)
  mkdirSync(duneDir)
  writeFileSync(join(duneDir, 'Dune (2021) - 4K.mkv'), 'x')
  writeFileSync(join(duneDir, 'Dune (2021) - 1080p.mkv'), 'x')
  writeFileSync(join(duneDir, 'movie.nfo'), '<movie>\n  <title>Dune</title>\n</movie>\n')
  await posterJpeg(join(duneDir, 'poster.jpg'), 'Blue', 71)
  core = await openTrained(join(t.dir, 'lib'), root)
  stipulate(core, (title) => (title === 'Inception' ? 'Red' : title === 'Dune' ? 'Blue' : null))
})

afterAll(() => closeAll(core, t))

describe('a film in several versions', () => {
  it('with no NFO: the dry run shows one new NFO a version, the write creates them all, undo removes them all', async () => {
    const films = (await call<{ films: Film[] }>(core, 'collection.films', { root })).films
    expect(films.filter((f) => f.title === 'Inception')).toHaveLength(1)
    const before = snapshotFiles(root)
    const rule = { minProbability: 0.5, maxGenres: 2, mode: 'replace' as const }
    const dry = await call<Write>(core, 'collection.write', { root, scope: 'all', dryRun: true, rule })
    const inception = dry.results.find((r) => r.key.startsWith('Inception (2010)/'))!
    expect(inception).toMatchObject({ status: 'created', path: hd, genres: ['Red'] })
    expect(inception.others?.map((o) => o.path)).toEqual([uhd])
    expect(existsSync(hd) || existsSync(uhd)).toBe(false)

    const w = await call<Write>(core, 'collection.write', { root, scope: 'all', rule })
    expect(w.results.find((r) => r.key.startsWith('Inception (2010)/'))!.status).toBe('created')
    expect(parseNfo(readFileSync(hd)).genres).toEqual(['Red'])
    expect(readFileSync(uhd).equals(readFileSync(hd))).toBe(true)
    // Dune's versions share its movie.nfo: that file is written, no version's NFO is added.
    expect(parseNfo(readFileSync(join(duneDir, 'movie.nfo'))).genres).toEqual(['Blue'])
    expect(existsSync(join(duneDir, 'Dune (2021) - 1080p.nfo')) || existsSync(join(duneDir, 'Dune (2021) - 4K.nfo'))).toBe(false)

    // The film now reads both NFOs: a second write-back with another genre rewrites both.
    const again = await call<Write>(core, 'collection.write', { root, scope: 'all', rule: { ...rule, mode: 'merge' as const }, dryRun: true })
    expect(again.results.find((r) => r.key.startsWith('Inception (2010)/'))!.status).toBe('unchanged')
    stipulate(core, (title) => (title === 'Inception' ? 'Green' : title === 'Dune' ? 'Blue' : null))
    const second = await call<Write>(core, 'collection.write', { root, scope: 'all', rule })
    expect(second.results.find((r) => r.key.startsWith('Inception (2010)/'))).toMatchObject({ status: 'written', genres: ['Green'] })
    expect(parseNfo(readFileSync(hd)).genres).toEqual(['Green'])
    expect(parseNfo(readFileSync(uhd)).genres).toEqual(['Green'])

    await call(core, 'collection.undo', { writeId: second.writeId })
    await call(core, 'collection.undo', { writeId: w.writeId })
    expect(snapshotFiles(root)).toEqual(before)
  })

  it('a write-back killed before it recorded its files: a rescan does not take the genres it wrote for a person\'s labels', async () => {
    stipulate(core, (title) => (title === 'Inception' ? 'Red' : null))
    const film = () => core.db.prepare("SELECT * FROM collection_films WHERE key LIKE 'Inception (2010)/%'").get() as Record<string, unknown>
    const before = film()
    const w = await call<Write>(core, 'collection.write', { root, scope: 'all', rule: { minProbability: 0.5, maxGenres: 2, mode: 'replace' } })
    expect(parseNfo(readFileSync(hd)).genres).toEqual(['Red'])
    // As the process would have left it: the entry still "writing…" with no files recorded (the
    // journal lists them), the film's row as the scan saw it before.
    core.db.prepare(`UPDATE collection_writes SET description = 'writing…', files = '[]' WHERE id = ?`).run(w.writeId)
    core.db.prepare('UPDATE collection_films SET nfo_exists = ?, nfo_size = ?, nfo_mtime = ?, nfo_genres = ?, decision = ? WHERE id = ?').run(before.nfo_exists, before.nfo_size, before.nfo_mtime, before.nfo_genres, before.decision, before.id)
    await call(core, 'collection.scan', { root })
    const labels = (await call<{ labels: { genre: string; source: string }[] }>(core, 'library.get', { id: before.poster_id })).labels
    expect(labels).toEqual([])
    const shown = (await call<{ films: Film[] }>(core, 'collection.films', { root })).films.find((f) => f.title === 'Inception')!
    expect(shown.written).toMatchObject({ writeId: w.writeId, genres: ['Red'] })
    await call(core, 'collection.undo', { writeId: w.writeId })
    expect(existsSync(hd) || existsSync(uhd)).toBe(false)
  })
})
