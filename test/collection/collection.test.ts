// A collection through the real core: a generated folder of films (real JPEGs, Kodi NFOs),
// scanned and re-scanned, proposals from a real trained model, dry run, write-back with
// backups, a read-only file, a locked film, undo, export, and the `posterity tag` CLI.
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openCore, type Core } from '../../src/main/core'
import { main as cli } from '../../src/main/cli/index'
import { modelService } from '../../src/main/ml/service/model-service'
import { activeRun, putPredictions } from '../../src/main/ml/store/runs'
import { applyNfoLabels } from '../../src/main/collection/sync'
import type { Film, FilmPlan, ScanSummary, WriteResult } from '../../src/shared/api'
import { call, recordEvents, tempDir } from '../library/helpers'
import { fixtureFilms, kodiNfoFor, posterJpeg, snapshotFiles, writeCollection, type FixtureFilm } from './fixture'

const t = tempDir('posterity-collection-')
const root = join(t.dir, 'Movies')
const libDir = join(t.dir, 'lib')
let core: Core

const special: FixtureFilm[] = [
  { folder: 'Locked (1990)', title: 'Locked', year: 1990, genre: 'Red', nfoGenres: ['Green'], locked: true },
  { folder: 'Bare (1992)', title: 'Bare', year: 1992, genre: 'Blue', nfoGenres: null },
  { folder: 'NoPoster (1993)', title: 'NoPoster', year: 1993, genre: null, nfoGenres: ['Red'] },
  { folder: 'ReadOnly (1994)', title: 'ReadOnly', year: 1994, genre: 'Green', nfoGenres: [] },
]

const nfoOf = (folder: string, title: string) => join(root, folder, `${title}.nfo`)
/** Every file of the collection by path, as bytes. */
const snapshot = () => snapshotFiles(root)
const films = async () => (await call<{ films: Film[] }>(core, 'collection.films', { root })).films
const film = async (title: string) => (await films()).find((f) => f.title === title)!

/** Stipulated probabilities for the real active run: each poster's colour at 0.9, the rest at 0.1. */
function stipulate(overrides: Record<string, Record<string, number>> = {}) {
  const run = activeRun(core.db)!
  core.db.prepare('UPDATE model_runs SET thresholds = ? WHERE id = ?').run(JSON.stringify(run.genres.map(() => 0.3)), run.id)
  const rows = core.db
    .prepare('SELECT f.poster_id AS id, f.title FROM collection_films f WHERE f.poster_id IS NOT NULL')
    .all() as { id: string; title: string }[]
  const colour = new Map([...fixtureFilms(24), ...special].map((f) => [f.title, f.genre]))
  putPredictions(
    core.db,
    run.id,
    rows.map((r) => ({ id: r.id, probs: Float32Array.from(run.genres, (g) => overrides[r.title]?.[g] ?? (g === colour.get(r.title) ? 0.9 : 0.1)) })),
  )
}

beforeAll(async () => {
  await writeCollection(root, [...fixtureFilms(24), ...special])
  // A broken NFO: reported by path with the parser's reason, the rest goes on.
  mkdirSync(join(root, 'Broken (1991)'))
  writeFileSync(join(root, 'Broken (1991)', 'Broken.mkv'), 'x')
  writeFileSync(join(root, 'Broken (1991)', 'Broken.nfo'), '<movie><title>Broken</title><genre>Red</movie>')
  await posterJpeg(join(root, 'Broken (1991)', 'poster.jpg'), 'Red', 99)
  core = openCore({ libraryDir: libDir })
})

afterAll(async () => {
  chmodSync(nfoOf('ReadOnly (1994)', 'ReadOnly'), 0o644)
  modelService(core).worker.stop()
  await core.close()
  t.cleanup()
})

describe('opening a collection', () => {
  it('lists every film, imports posters, reads NFOs, reports the broken one and labels posters from NFO genres', async () => {
    const rec = recordEvents(core)
    const s = await call<ScanSummary>(core, 'collection.scan', { root })
    expect(s).toMatchObject({ films: 29, withPoster: 28, added: 29, changed: 0, unchanged: 0, removed: [] })
    // Progress reaches the UI phase by phase, each ending at its total.
    const phases = rec.of('collection.progress')
    expect(phases.find((p) => p.phase === 'posters' && p.done === 28 && p.total === 28)).toBeTruthy()
    expect(phases.some((p) => p.phase === 'reading')).toBe(true)
    expect(s.problems).toEqual([{ path: nfoOf('Broken (1991)', 'Broken'), reason: expect.stringMatching(/unexpected close tag/) }])
    const all = await films()
    expect(all.find((f) => f.title === 'Locked')).toMatchObject({ locked: true, nfoGenres: ['Green'] })
    expect(all.find((f) => f.title === 'Bare')).toMatchObject({ nfoExists: false, nfoGenres: [], posterId: expect.any(String) })
    expect(all.find((f) => f.title === 'NoPoster')).toMatchObject({ posterId: null, nfoGenres: ['Red'] })
    expect(all.find((f) => f.key === 'Broken (1991)/Broken.mkv')?.nfoError).toMatch(/unexpected close tag/)
    const f1 = all.find((f) => f.title === 'Film 1')!
    expect(f1).toMatchObject({ imdb: 'tt9001951', year: 1951, nfoGenres: ['Green'] })
    const poster = await call(core, 'library.get', { id: f1.posterId })
    expect(poster).toMatchObject({ labelled: true, labels: [{ genre: 'Green', source: 'nfo' }] })
    // A film whose NFO has no genre stays unlabelled: the model proposes for it.
    const f12 = all.find((f) => f.title === 'Film 12')!
    expect(await call(core, 'library.get', { id: f12.posterId })).toMatchObject({ labelled: false, labels: [] })
  })

  it('re-scans incrementally: unchanged left alone, a changed NFO re-read, new films added, removed ones reported', async () => {
    expect(await call<ScanSummary>(core, 'collection.scan', { root })).toMatchObject({ added: 0, changed: 0, unchanged: 29, removed: [] })
    writeFileSync(nfoOf('Film 2 (1952)', 'Film 2'), kodiNfoFor('Film 2', 1952, ['Blue', 'Red']))
    mkdirSync(join(root, 'Extra (2001)'))
    writeFileSync(join(root, 'Extra (2001)', 'Extra.mkv'), 'x')
    await posterJpeg(join(root, 'Extra (2001)', 'Extra-poster.jpg'), 'Blue', 5)
    const s = await call<ScanSummary>(core, 'collection.scan', { root })
    expect(s).toMatchObject({ added: 1, changed: 1, unchanged: 28, removed: [] })
    expect((await film('Film 2')).nfoGenres).toEqual(['Blue', 'Red'])
    rmSync(join(root, 'Extra (2001)'), { recursive: true })
    const extra = (await films()).find((f) => f.title === 'Extra')!.posterId!
    // Extra's artwork is byte-identical to Film 5's: a copy beside it is a poster of its own, not Film 5's moved.
    const f5 = await film('Film 5')
    expect(extra).not.toBe(f5.posterId)
    expect((await call<{ path: string }>(core, 'library.get', { id: f5.posterId })).path).toBe(join(root, 'Film 5 (1955)', 'poster.jpg'))
    expect(await call<ScanSummary>(core, 'collection.scan', { root })).toMatchObject({ films: 29, removed: ['Extra (2001)/Extra.mkv'], postersRemoved: 1 })
    // Its poster, file gone, left the library as one undoable deletion.
    await expect(call(core, 'library.get', { id: extra })).rejects.toThrow(/no poster|not found|no such/i)
    const undo = await call<{ undoLabel: string | null }>(core, 'labels.history', {})
    expect(undo.undoLabel).toMatch(/Delete poster/)
    // A replaced poster is imported again (new content, new hash) though its NFO is the same.
    const f3 = await film('Film 3')
    const hash = (await call<{ hash: string }>(core, 'library.get', { id: f3.posterId })).hash
    await posterJpeg(join(root, 'Film 3 (1953)', 'poster.jpg'), 'Green', 77)
    expect(await call<ScanSummary>(core, 'collection.scan', { root })).toMatchObject({ changed: 1, unchanged: 28 })
    expect((await call<{ hash: string }>(core, 'library.get', { id: f3.posterId })).hash).not.toBe(hash)
  })

  it('splits old-style "A / B" genre elements into labels, through the genre map', async () => {
    const f1 = await film('Film 1')
    await call(core, 'collection.setGenreMap', { entries: [{ library: 'Sci-Fi', server: 'Science Fiction' }] })
    applyNfoLabels(core.db, [{ posterId: f1.posterId!, genres: ['Green / Science Fiction'] }])
    const labels = (await call<{ labels: { genre: string; source: string }[] }>(core, 'library.get', { id: f1.posterId })).labels
    expect(labels.map((l) => [l.genre, l.source]).sort()).toEqual([['Green', 'nfo'], ['Sci-Fi', 'nfo']])
    applyNfoLabels(core.db, [{ posterId: f1.posterId!, genres: ['Green'] }])
    expect((await call<{ labels: unknown[] }>(core, 'library.get', { id: f1.posterId })).labels).toEqual([{ genre: 'Green', source: 'nfo' }])
  })

  it('refuses a folder that does not exist, and plans before a model is active', async () => {
    await expect(call(core, 'collection.scan', { root: join(t.dir, 'nowhere') })).rejects.toThrow(/no such folder/)
    await expect(call(core, 'collection.plan', { root })).rejects.toThrow(/no model is active/)
  })
})

describe('proposals and the write-back', () => {
  beforeAll(async () => {
    // A real model, trained on the posters the NFOs labelled.
    const { jobId } = await call<{ jobId: string }>(core, 'model.train', { kind: 'cnn', epochs: 2, inputSize: 16 })
    await core.jobs.wait(jobId)
    const job = core.jobs.list().find((j) => j.jobId === jobId)
    expect(job?.status, job?.message ?? '').toBe('done')
    // A new active model refreshes the unlabelled posters' predictions in the background: let
    // it finish, so the probabilities stipulated below are not overwritten under the tests.
    await Promise.all(core.jobs.list().filter((j) => j.status === 'running').map((j) => core.jobs.wait(j.jobId)))
  })

  it('predicts every film with a poster through the active model', async () => {
    const { films: plans } = await call<{ films: FilmPlan[] }>(core, 'collection.plan', { root, rule: { minProbability: 0, maxGenres: 2, mode: 'replace' } })
    expect(plans).toHaveLength(29)
    const stored = core.db.prepare('SELECT COUNT(*) FROM predictions WHERE run_id = ?').pluck().get(activeRun(core.db)!.id)
    expect(stored).toBe(28)
    expect(plans.find((p) => p.key.startsWith('NoPoster'))?.change).toBe('no-poster')
    expect(plans.find((p) => p.key.startsWith('Locked'))?.change).toBe('locked')
    expect(plans.find((p) => p.key.startsWith('Broken'))).toMatchObject({ change: 'error', reason: expect.stringMatching(/close tag/) })
    for (const p of plans) expect(p.proposed.length).toBeLessThanOrEqual(2)
  })

  it('a dry run shows the diff per film and writes nothing', async () => {
    stipulate()
    // Two library genres under one server name, or a genre the library lacks: refused.
    await expect(call(core, 'collection.setGenreMap', { entries: [{ library: 'Blue', server: 'Red' }] })).rejects.toThrow(/"Red" would stand for both/)
    await expect(call(core, 'collection.setGenreMap', { entries: [{ library: 'Bleu', server: 'Navy Blue' }] })).rejects.toThrow(/the library has no genre "Bleu"/)
    await call(core, 'collection.setGenreMap', { entries: [{ library: 'Blue', server: 'Navy Blue' }, { library: 'Sci-Fi', server: 'Science Fiction' }] })
    const before = snapshot()
    const r = await call<{ writeId: number | null; results: WriteResult[] }>(core, 'collection.write', { root, scope: 'all', dryRun: true })
    expect(r.writeId).toBeNull()
    const f12 = r.results.find((x) => x.key.startsWith('Film 12 '))!
    expect(f12).toMatchObject({ status: 'written', genres: ['Red'], diff: ['+   <genre>Red</genre>'] })
    expect(r.results.find((x) => x.key.startsWith('Film 2 '))).toMatchObject({ genres: ['Navy Blue'], diff: ['-   <genre>Blue</genre>', '-   <genre>Red</genre>', '+   <genre>Navy Blue</genre>'] })
    expect(r.results.find((x) => x.key.startsWith('Bare'))).toMatchObject({ status: 'created', genres: ['Navy Blue'] })
    expect(r.results.find((x) => x.key.startsWith('Film 1 '))).toMatchObject({ status: 'unchanged' })
    expect(snapshot()).toEqual(before)
  })

  it('writes: only genre elements change, locked and skipped films untouched, a read-only file reported and kept, then undo restores every byte', async () => {
    const ro = nfoOf('ReadOnly (1994)', 'ReadOnly')
    chmodSync(ro, 0o444)
    const skip = await film('Film 15')
    await call(core, 'collection.decide', { ids: [skip.id], decision: 'skip' })
    const before = snapshot()
    const r = await call<{ writeId: number; results: WriteResult[]; written: number; failed: number }>(core, 'collection.write', { root, scope: 'all' })
    expect(r.writeId).toEqual(expect.any(Number))
    const by = (k: string) => r.results.find((x) => x.key.startsWith(k))!
    expect(by('ReadOnly')).toMatchObject({ status: 'failed', reason: 'read-only file' })
    expect(by('Broken')).toMatchObject({ status: 'failed', reason: expect.stringMatching(/close tag/) })
    expect(by('Locked')).toMatchObject({ status: 'locked' })
    expect(by('Film 15 ')).toMatchObject({ status: 'skipped' })
    expect(r.failed).toBe(2)
    const after = snapshot()
    for (const [path, bytes] of before) {
      const now = after.get(path)!
      const key = path.slice(root.length + 1)
      const res = r.results.find((x) => x.path === path)
      if (res?.status === 'written') {
        expect(now.equals(bytes), key).toBe(false)
        // Everything but the genre lines is byte-identical (CRLF, comment, CDATA, non-ASCII actor).
        const strip = (b: Buffer) => b.toString('utf8').replace(/\r\n  <genre>[^<]*<\/genre>/g, '')
        expect(strip(now), key).toBe(strip(bytes))
      } else expect(now.equals(bytes), key).toBe(true)
    }
    const created = nfoOf('Bare (1992)', 'Bare')
    expect(before.has(created)).toBe(false)
    expect(readFileSync(created, 'utf8')).toContain('<genre>Navy Blue</genre>')
    expect(readFileSync(nfoOf('Film 12 (1962)', 'Film 12'), 'utf8')).toContain('  </actor>\r\n  <genre>Red</genre>\r\n</movie>')
    // The originals are kept as backups in the library folder; no temporary file is left behind.
    const backups = readdirSync(join(libDir, 'collection-backups', String(r.writeId))).filter((f) => f.endsWith('.nfo'))
    expect(backups.length).toBe(r.written - 1)
    expect([...after.keys()].some((p) => p.includes('posterity-tmp'))).toBe(false)
    expect((await film('Film 2')).nfoGenres).toEqual(['Navy Blue'])
    // Nothing left to do: a second dry run finds every written film unchanged.
    const again = await call<{ results: WriteResult[] }>(core, 'collection.write', { root, scope: 'all', dryRun: true })
    expect(again.results.filter((x) => x.status === 'written' || x.status === 'created')).toEqual([])

    const { entries } = await call<{ entries: { id: number; files: number; undone: boolean; description: string }[] }>(core, 'collection.writes', { root })
    expect(entries[0]).toMatchObject({ id: r.writeId, files: r.written, undone: false, description: expect.stringMatching(/1 new/) })
    const u = await call<{ restored: number; removed: number; conflicts: unknown[] }>(core, 'collection.undo', {})
    expect(u).toMatchObject({ restored: r.written - 1, removed: 1, conflicts: [] })
    expect(snapshot()).toEqual(before)
    expect((await film('Film 2')).nfoGenres).toEqual(['Blue', 'Red'])
    await expect(call(core, 'collection.undo', {})).rejects.toThrow(/no write-back to undo/)
    await call(core, 'collection.decide', { ids: [skip.id], decision: 'pending' })
    chmodSync(ro, 0o644)
  })

  it('merge keeps the NFO genres; accepted scope writes only reviewed films; undo leaves a file changed since alone', async () => {
    stipulate({ 'Film 2': { Green: 0.8 }, 'Film 4': { Blue: 0.7 } })
    const f2 = await film('Film 2')
    const f4 = await film('Film 4')
    await call(core, 'collection.decide', { ids: [f2.id, f4.id], decision: 'accept' })
    const r = await call<{ results: WriteResult[] }>(core, 'collection.write', { root, rule: { mode: 'merge', maxGenres: 3, minProbability: 0.5 } })
    expect(r.results.map((x) => x.key)).toEqual([f2.key, f4.key])
    expect(r.results[0]).toMatchObject({ status: 'written', genres: ['Blue', 'Red', 'Navy Blue', 'Green'] })
    expect(r.results[1]).toMatchObject({ status: 'written', genres: ['Green', 'Navy Blue'] })
    const p4 = nfoOf('Film 4 (1954)', 'Film 4')
    writeFileSync(p4, readFileSync(p4, 'utf8').replace('Film 4', 'Film Four'))
    // Film 2's file cannot be replaced now (made read-only): undo puts back what it can and keeps
    // Film 2 in the entry, so a second undo, once the file is writable, finishes the job.
    const p2 = nfoOf('Film 2 (1952)', 'Film 2')
    chmodSync(p2, 0o444)
    const u = await call<{ restored: number; conflicts: { path: string; reason: string }[] }>(core, 'collection.undo', {})
    expect(u.restored).toBe(0)
    expect(u.conflicts).toEqual([
      { path: p2, reason: 'read-only file: try the undo again' },
      { path: p4, reason: 'changed since the write-back: left as it is' },
    ])
    expect(readFileSync(p4, 'utf8')).toContain('Film Four')
    chmodSync(p2, 0o644)
    const again = await call<{ restored: number; conflicts: unknown[] }>(core, 'collection.undo', {})
    expect(again).toMatchObject({ restored: 1, conflicts: [] })
    expect((await film('Film 2')).nfoGenres).toEqual(['Blue', 'Red'])
  })

  it('exports the genres as CSV and JSON', async () => {
    const csv = await call<{ text: string; films: number }>(core, 'collection.export', { root, format: 'csv', rule: { minProbability: 0.5, maxGenres: 3, mode: 'replace' } })
    const lines = csv.text.trim().split('\n')
    expect(lines[0]).toBe('key,title,year,imdb,tmdb,locked,genres,proposed,write')
    expect(lines).toContain('Film 2 (1952)/Film 2.mkv,Film 2,1952,tt9001952,,0,Blue|Red,Blue|Green,Navy Blue|Green')
    const json = JSON.parse((await call<{ text: string }>(core, 'collection.export', { root, format: 'json' })).text) as { key: string; genres: string[]; locked: boolean }[]
    expect(json).toHaveLength(29)
    expect(json.find((x) => x.key.startsWith('Locked'))).toMatchObject({ locked: true, genres: ['Green'] })
  })
})

describe('posterity tag', () => {
  const run = async (args: string[]) => {
    const out: string[] = []
    const err: string[] = []
    const o = process.stdout.write.bind(process.stdout)
    const e = process.stderr.write.bind(process.stderr)
    process.stdout.write = ((s: string) => (out.push(String(s)), true)) as typeof process.stdout.write
    process.stderr.write = ((s: string) => (err.push(String(s)), true)) as typeof process.stderr.write
    try {
      const code = await cli(args)
      return { code, out: out.join(''), err: err.join('') }
    } finally {
      process.stdout.write = o
      process.stderr.write = e
    }
  }

  it('prints the genres per film, writes with --write-nfo, and exits 1 naming the films that failed', async () => {
    await core.close()
    const dry = await run(['tag', root, '--library', libDir, '--min-prob', '0.5', '--max-genres', '2', '--dry-run'])
    expect(dry.out).toMatch(/Film 12 \(1962\)\/Film 12\.mkv\s+Red/)
    expect(dry.out).toMatch(/Locked \(1990\)\/Locked\.mkv\s+\(locked\)/)
    expect(dry.err).toMatch(/Broken \(1991\)\/Broken\.nfo: .*close tag/)
    expect(dry.code).toBe(1)
    const before = readFileSync(nfoOf('Film 12 (1962)', 'Film 12'), 'utf8')
    expect(before).not.toContain('<genre>')
    const json = await run(['tag', root, '--library', libDir, '--write-nfo', '--json'])
    expect(json.code).toBe(1)
    const parsed = JSON.parse(json.out) as { written: number; failed: number; results: WriteResult[] }
    expect(parsed.failed).toBe(1)
    expect(parsed.written).toBeGreaterThan(0)
    expect(readFileSync(nfoOf('Film 12 (1962)', 'Film 12'), 'utf8')).toContain('<genre>Red</genre>')
    const bad = await run(['tag', root, '--library', libDir, '--dry-run', '--write-nfo'])
    expect(bad.code).toBe(2)
    expect(bad.err).toMatch(/either --dry-run or --write-nfo/)
    const prob = await run(['tag', root, '--library', libDir, '--min-prob', '2'])
    expect(prob.code).toBe(2)
    expect(prob.err).toMatch(/--min-prob/)
    core = openCore({ libraryDir: libDir })
  })

  it('says clearly when no model is active', async () => {
    const other = join(t.dir, 'other-lib')
    const c = openCore({ libraryDir: other })
    await c.close()
    const r = await run(['tag', root, '--library', other])
    expect(r.code).toBe(1)
    expect(r.err).toMatch(/no model is active/)
    expect(existsSync(join(other, 'library.sqlite'))).toBe(true)
  })
})
