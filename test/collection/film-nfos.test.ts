// A film with two NFOs (movie.nfo beside <video>.nfo: Kodi reads one, Jellyfin either), a
// hard-linked NFO, and what the review shows after a write-back and after its undo. Real files,
// a real core, a real (tiny) trained model whose probabilities are then stipulated per poster.
import { linkSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openCore, type Core } from '../../src/main/core'
import { main as cli } from '../../src/main/cli/index'
import { parseNfo } from '../../src/main/formats/nfo'
import type { Film, FilmPlan, ScanSummary, WriteResult } from '../../src/shared/api'
import { call, tempDir } from '../library/helpers'
import { fixtureFilms, kodiNfoFor, posterJpeg, snapshotFiles, writeCollection, openTrained, closeAll, stipulate as stipulateFor } from './fixture'

const t = tempDir('posterity-collection-film-nfos-')
const root = join(t.dir, 'Movies')
const elsewhere = join(t.dir, 'downloads')
const libDir = join(t.dir, 'lib')
let core: Core

const heatDir = join(root, 'Heat (1995)')
const heatNfo = join(heatDir, 'Heat.nfo')
const heatMovie = join(heatDir, 'movie.nfo')
const twinDir = join(root, 'Twin (1996)')
const lockedDir = join(root, 'LockedTwin (1997)')
const linked = join(root, 'Linked (1998)', 'Linked.nfo')
const linkedOther = join(elsewhere, 'Linked.nfo')

/** Jellyfin's movie.nfo for Heat: other content than Kodi's Heat.nfo, and one more genre. */
const jellyfinHeat = ['<?xml version="1.0" encoding="utf-8" standalone="yes"?>', '<movie>', '  <plot>Jellyfin wrote this one.</plot>', '  <genre>Red</genre>', '  <genre>Green</genre>', '  <dateadded>2020-01-01 00:00:00</dateadded>', '</movie>', ''].join('\n')

type Write = { writeId: number | null; results: WriteResult[]; written: number; failed: number }
const films = async () => (await call<{ films: Film[] }>(core, 'collection.films', { root })).films
const film = async (title: string) => (await films()).find((f) => f.title === title)!
const genresOf = (p: string) => parseNfo(readFileSync(p)).genres
/** Everything but the genre lines, for "only the genres changed". */
const strip = (b: Buffer | string) => b.toString().replace(/\r?\n\s*<genre>[^<]*<\/genre>/g, '')

const stipulate = (genreOf: (title: string) => string | null) => stipulateFor(core, genreOf)

beforeAll(async () => {
  await writeCollection(root, fixtureFilms(12))
  mkdirSync(heatDir)
  writeFileSync(join(heatDir, 'Heat.mkv'), 'x')
  await posterJpeg(join(heatDir, 'poster.jpg'), 'Red', 60)
  writeFileSync(heatNfo, kodiNfoFor('Heat', 1995, ['Red']))
  writeFileSync(heatMovie, jellyfinHeat)
  // Two NFOs that agree.
  mkdirSync(twinDir)
  writeFileSync(join(twinDir, 'Twin.mkv'), 'x')
  await posterJpeg(join(twinDir, 'poster.jpg'), 'Blue', 61)
  writeFileSync(join(twinDir, 'Twin.nfo'), kodiNfoFor('Twin', 1996, ['Blue']))
  writeFileSync(join(twinDir, 'movie.nfo'), '<movie>\n  <genre>Blue</genre>\n</movie>\n')
  // Locked in one of its NFOs: the film is locked.
  mkdirSync(lockedDir)
  writeFileSync(join(lockedDir, 'LockedTwin.mkv'), 'x')
  await posterJpeg(join(lockedDir, 'poster.jpg'), 'Green', 62)
  writeFileSync(join(lockedDir, 'LockedTwin.nfo'), kodiNfoFor('LockedTwin', 1997, ['Green']))
  writeFileSync(join(lockedDir, 'movie.nfo'), '<movie>\n  <genre>Green</genre>\n  <lockdata>true</lockdata>\n</movie>\n')
  // An NFO hard-linked from the download folder (as *arr tools link files).
  mkdirSync(join(root, 'Linked (1998)'))
  mkdirSync(elsewhere)
  writeFileSync(join(root, 'Linked (1998)', 'Linked.mkv'), 'x')
  await posterJpeg(join(root, 'Linked (1998)', 'poster.jpg'), 'Red', 63)
  writeFileSync(linkedOther, kodiNfoFor('Linked', 1998, ['Red']))
  linkSync(linkedOther, linked)
  core = await openTrained(libDir, root)
})

afterAll(() => closeAll(core, t))

describe('a film with movie.nfo beside <video>.nfo', () => {
  it('reads both: the genres of either are kept, a disagreement is reported at every scan, a lock in either locks the film', async () => {
    const s = await call<ScanSummary>(core, 'collection.scan', { root })
    const disagree = { path: heatNfo, reason: "the film's NFOs list different genres (Heat.nfo: Red; movie.nfo: Red, Green): all are kept (Red, Green), and a write-back writes the same genres into each" }
    expect(s.problems).toEqual([disagree])
    expect(s.unchanged).toBe(s.films)
    const heat = await film('Heat')
    expect(heat).toMatchObject({ nfoPath: heatNfo, nfoGenres: ['Red', 'Green'], title: 'Heat', year: 1995, imdb: 'tt9001995' })
    // The poster's labels are both files' genres: Green (only in movie.nfo) is not lost.
    const labels = (await call<{ labels: { genre: string; source: string }[] }>(core, 'library.get', { id: heat.posterId })).labels
    expect(labels.map((l) => `${l.genre}:${l.source}`).sort()).toEqual(['Green:nfo', 'Red:nfo'])
    expect(await film('Twin')).toMatchObject({ nfoGenres: ['Blue'], locked: false })
    expect(await film('LockedTwin')).toMatchObject({ nfoGenres: ['Green'], locked: true })

    // movie.nfo alone edited (Heat.nfo untouched): the film is read again.
    writeFileSync(heatMovie, jellyfinHeat.replace('<genre>Green</genre>', '<genre>Blue</genre>'))
    const again = await call<ScanSummary>(core, 'collection.scan', { root })
    expect(again.changed).toBe(1)
    expect((await film('Heat')).nfoGenres).toEqual(['Red', 'Blue'])
    writeFileSync(heatMovie, jellyfinHeat)
    expect((await call<ScanSummary>(core, 'collection.scan', { root })).problems).toEqual([disagree])
    expect((await film('Heat')).nfoGenres).toEqual(['Red', 'Green'])
  })

  it('the plan of films whose NFOs disagree is an update even when their union already holds every genre to write', async () => {
    // Merge: Heat's NFOs hold Red (Heat.nfo) and Red, Green (movie.nfo); the model proposes Green.
    stipulate((title) => (title === 'Heat' || title === 'Twin' ? (title === 'Heat' ? 'Green' : 'Blue') : null))
    const rule = { minProbability: 0.5, maxGenres: 3, mode: 'merge' }
    const change = async (diff: boolean) => {
      const { films } = await call<{ films: FilmPlan[] }>(core, 'collection.plan', { root, rule, diff })
      const of = (prefix: string) => films.find((p) => p.key.startsWith(prefix))!
      return { heat: [of('Heat').change, of('Heat').genres], twin: of('Twin').change }
    }
    // From the scan's record (the table) and from the files read now (the dry run): Heat.nfo lacks Green.
    for (const diff of [false, true]) expect(await change(diff)).toEqual({ heat: ['update', ['Red', 'Green']], twin: 'unchanged' })
  })

  it('a write-back writes every NFO of the film (each keeping its own content, each backed up); undo puts both back', async () => {
    stipulate((title) => (title === 'Heat' ? 'Blue' : title === 'Twin' ? 'Blue' : title === 'LockedTwin' ? 'Red' : null))
    const before = snapshotFiles(root)
    const dry = await call<Write>(core, 'collection.write', { root, scope: 'all', dryRun: true })
    const heatDry = dry.results.find((r) => r.key === 'Heat (1995)/Heat.mkv')!
    expect(heatDry).toMatchObject({ status: 'written', path: heatNfo, genres: ['Blue'], diff: ['-   <genre>Red</genre>', '+   <genre>Blue</genre>'] })
    expect(heatDry.others).toEqual([{ path: heatMovie, diff: ['-   <genre>Red</genre>', '-   <genre>Green</genre>', '+   <genre>Blue</genre>'] }])
    // Both already list Blue: nothing to write. Locked in movie.nfo: neither file is touched.
    expect(dry.results.find((r) => r.key.startsWith('Twin'))).toMatchObject({ status: 'unchanged' })
    expect(dry.results.find((r) => r.key.startsWith('LockedTwin'))).toMatchObject({ status: 'locked' })
    expect(snapshotFiles(root)).toEqual(before)

    const r = await call<Write>(core, 'collection.write', { root, scope: 'all' })
    expect(r.failed).toBe(0)
    expect(r.results.find((x) => x.key.startsWith('Heat'))?.others?.map((o) => o.path)).toEqual([heatMovie])
    expect(genresOf(heatNfo)).toEqual(['Blue'])
    expect(genresOf(heatMovie)).toEqual(['Blue'])
    expect(strip(readFileSync(heatNfo))).toBe(strip(before.get(heatNfo)!))
    expect(strip(readFileSync(heatMovie))).toBe(strip(jellyfinHeat))
    const after = snapshotFiles(root)
    for (const p of [join(twinDir, 'Twin.nfo'), join(twinDir, 'movie.nfo'), join(lockedDir, 'LockedTwin.nfo'), join(lockedDir, 'movie.nfo')]) expect(after.get(p)).toEqual(before.get(p))
    const { entries } = await call<{ entries: { id: number; files: number }[] }>(core, 'collection.writes', { root })
    expect(entries[0]).toMatchObject({ id: r.writeId, files: r.written + 1 }) // Heat wrote two files
    // A rescan after the write-back: the files agree now, no warning, nothing changed.
    const s = await call<ScanSummary>(core, 'collection.scan', { root })
    expect(s.problems).toEqual([])
    expect(s.changed).toBe(0)
    expect((await film('Heat')).nfoGenres).toEqual(['Blue'])

    const u = await call<{ restored: number; conflicts: unknown[] }>(core, 'collection.undo', { writeId: r.writeId })
    expect(u).toMatchObject({ restored: r.written + 1, conflicts: [] })
    expect(snapshotFiles(root)).toEqual(before)
    expect((await film('Heat')).nfoGenres).toEqual(['Red', 'Green'])
  })

  it('merge: each file keeps its own genres and gets what the other lists and the proposal', async () => {
    stipulate((title) => (title === 'Heat' ? 'Blue' : null))
    const before = snapshotFiles(root)
    const r = await call<Write>(core, 'collection.write', { root, scope: 'all', rule: { minProbability: 0.5, maxGenres: 3, mode: 'merge' } })
    expect(r.results.find((x) => x.key.startsWith('Heat'))).toMatchObject({ status: 'written', genres: ['Red', 'Green', 'Blue'] })
    expect(genresOf(heatNfo)).toEqual(['Red', 'Green', 'Blue'])
    expect(genresOf(heatMovie)).toEqual(['Red', 'Green', 'Blue'])
    await call(core, 'collection.undo', { writeId: r.writeId })
    expect(snapshotFiles(root)).toEqual(before)
  })

  it('a read-only movie.nfo keeps the film from being written at all: neither file changes', async () => {
    stipulate((title) => (title === 'Heat' ? 'Blue' : null))
    const before = snapshotFiles(root)
    const { chmodSync } = await import('node:fs')
    chmodSync(heatMovie, 0o444)
    try {
      const r = await call<Write>(core, 'collection.write', { root, scope: 'all' })
      expect(r.results.find((x) => x.key.startsWith('Heat'))).toMatchObject({ status: 'failed', reason: 'movie.nfo: read-only file' })
      expect(snapshotFiles(root)).toEqual(before)
      if (r.writeId) await call(core, 'collection.undo', { writeId: r.writeId })
    } finally {
      chmodSync(heatMovie, 0o644)
    }
  })

  it('posterity tag prints the disagreement with the other problems', async () => {
    await core.close()
    const err: string[] = []
    const o = process.stdout.write.bind(process.stdout)
    const e = process.stderr.write.bind(process.stderr)
    process.stdout.write = (() => true) as typeof process.stdout.write
    process.stderr.write = ((s: string) => (err.push(String(s)), true)) as typeof process.stderr.write
    try {
      expect(await cli(['tag', root, '--library', libDir])).toBe(0)
    } finally {
      process.stdout.write = o
      process.stderr.write = e
      core = openCore({ libraryDir: libDir })
    }
    expect(err.join('')).toContain("Heat (1995)/Heat.nfo: the film's NFOs list different genres (Heat.nfo: Red; movie.nfo: Red, Green): all are kept")
  })
})

describe('a hard-linked NFO', () => {
  it('is written in place, so its other name gets the genres too; undo puts the original back under both names', async () => {
    stipulate((title) => (title === 'Linked' ? 'Green' : null))
    const old = readFileSync(linked)
    const ino = statSync(linked).ino
    const r = await call<Write>(core, 'collection.write', { root, scope: 'all' })
    expect(r.results.find((x) => x.key.startsWith('Linked'))).toMatchObject({ status: 'written', genres: ['Green'] })
    expect(genresOf(linked)).toEqual(['Green'])
    expect(readFileSync(linkedOther)).toEqual(readFileSync(linked))
    expect(statSync(linked)).toMatchObject({ ino, nlink: 2 })
    await call(core, 'collection.undo', { writeId: r.writeId })
    expect(readFileSync(linked)).toEqual(old)
    expect(readFileSync(linkedOther)).toEqual(old)
    expect(statSync(linked)).toMatchObject({ ino, nlink: 2 })
  })

  it('a write-back killed in the middle of an in-place write: undo puts the backup back though the file is cut short', async () => {
    stipulate((title) => (title === 'Linked' ? 'Green' : null))
    const old = readFileSync(linked)
    const r = await call<Write>(core, 'collection.write', { root, scope: 'all' })
    const journal = join(libDir, 'collection-backups', String(r.writeId), 'journal.jsonl')
    // What a kill -9 part-way through the in-place write leaves: the entry still "writing…",
    // the journal without the line that says the write finished, the file half written.
    core.db.prepare(`UPDATE collection_writes SET description = 'writing…', files = '[]' WHERE id = ?`).run(r.writeId)
    const lines = readFileSync(journal, 'utf8').split('\n').filter((l) => l && !l.includes('"done":true'))
    expect(lines.map((l) => JSON.parse(l) as { inPlace?: boolean }).filter((l) => l.inPlace)).toHaveLength(1)
    writeFileSync(journal, lines.join('\n') + '\n')
    const half = readFileSync(linked).subarray(0, 40)
    writeFileSync(linkedOther, half) // the same file: both names cut short
    expect(readFileSync(linked)).toEqual(half)
    const u = await call<{ restored: number; conflicts: unknown[] }>(core, 'collection.undo', { writeId: r.writeId })
    expect(u.conflicts).toEqual([])
    expect(readFileSync(linked)).toEqual(old)
    expect(readFileSync(linkedOther)).toEqual(old)
    expect(statSync(linked).nlink).toBe(2)
  })
})

describe('the review after a write-back', () => {
  it('written films show as written (with the genres written), no longer accepted; undo gives each its decision back', async () => {
    stipulate((title) => (title === 'Heat' ? 'Blue' : title === 'Film 3' ? 'Blue' : title === 'Film 4' ? 'Blue' : null))
    const heat = await film('Heat')
    const f3 = await film('Film 3')
    const f4 = await film('Film 4')
    await call(core, 'collection.decide', { ids: [heat.id, f3.id], decision: 'accept' })
    expect((await film('Heat')).written).toBeUndefined()
    const r = await call<Write>(core, 'collection.write', { root }) // the accepted films
    expect(r.results.map((x) => x.key).sort()).toEqual([f3.key, heat.key].sort())
    expect(r.written).toBe(2)
    const after = await films()
    for (const f of [heat, f3]) {
      expect(after.find((x) => x.id === f.id)).toMatchObject({ decision: 'pending', nfoGenres: ['Blue'], written: { writeId: r.writeId, at: expect.any(Number), genres: ['Blue'] } })
    }
    // Not accepted, not written: as it was.
    expect(after.find((x) => x.id === f4.id)).toMatchObject({ decision: 'pending' })
    expect(after.find((x) => x.id === f4.id)?.written).toBeUndefined()
    // A decision changed since the write-back stays what the user made it.
    await call(core, 'collection.decide', { ids: [f3.id], decision: 'skip' })
    await call(core, 'collection.undo', { writeId: r.writeId })
    const undone = await films()
    expect(undone.find((x) => x.id === heat.id)).toMatchObject({ decision: 'accept', nfoGenres: ['Red', 'Green'] })
    expect(undone.find((x) => x.id === heat.id)?.written).toBeUndefined()
    expect(undone.find((x) => x.id === f3.id)).toMatchObject({ decision: 'skip' })
    expect(undone.find((x) => x.id === f3.id)?.written).toBeUndefined()
    await call(core, 'collection.decide', { ids: [heat.id, f3.id], decision: 'pending' })
  })

  it('a film written by the CLI (every film, none accepted) shows as written and stays pending after undo', async () => {
    stipulate((title) => (title === 'Film 5' ? 'Red' : null))
    const f5 = await film('Film 5')
    const r = await call<Write>(core, 'collection.write', { root, scope: 'all' })
    expect(await film('Film 5')).toMatchObject({ decision: 'pending', written: { writeId: r.writeId, genres: ['Red'] } })
    expect(f5.decision).toBe('pending')
    await call(core, 'collection.undo', { writeId: r.writeId })
    expect((await film('Film 5')).written).toBeUndefined()
    expect((await film('Film 5')).decision).toBe('pending')
  })
})
