// A generated movie collection on disk: real JPEG posters (sharp), Kodi-style NFOs, the
// layouts media servers read. The genre of a film is in its poster's colour, so a small
// model trained on the NFO labels can tell them apart.
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import sharp from 'sharp'
import { expect } from 'vitest'
import { openCore, type Core } from '../../src/main/core'
import { modelService } from '../../src/main/ml/service/model-service'
import { call } from '../library/helpers'
import { activeRun, putPredictions } from '../../src/main/ml/store/runs'

export const COLOURS: Record<string, string> = { Red: '#d02020', Green: '#20b040', Blue: '#2040d0' }
export const GENRES = Object.keys(COLOURS)

export async function posterJpeg(file: string, genre: string, i: number): Promise<void> {
  const svg = `<svg width="60" height="90"><rect x="${(i * 7) % 30}" y="${(i * 11) % 50}" width="25" height="30" fill="#ffffff"/></svg>`
  await sharp({ create: { width: 60, height: 90, channels: 3, background: COLOURS[genre] } }).composite([{ input: Buffer.from(svg) }]).jpeg().toFile(file)
}

export function kodiNfoFor(title: string, year: number, genres: string[], extra = ''): string {
  return [
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>',
    '<!-- created by a test -->',
    '<movie>',
    `  <title>${title}</title>`,
    `  <year>${year}</year>`,
    '  <plot><![CDATA[A film & its <plot>.]]></plot>',
    `  <uniqueid type="imdb" default="true">tt${String(9000000 + year).padStart(7, '0')}</uniqueid>`,
    ...genres.map((g) => `  <genre>${g}</genre>`),
    '  <actor>',
    '    <name>Zoë Ångström</name>',
    '    <role>Herself</role>',
    '  </actor>',
    extra,
    '</movie>',
    '',
  ]
    .filter((l) => l !== '')
    .join('\r\n') + '\r\n'
}

export interface FixtureFilm {
  folder: string
  title: string
  year: number
  /** The poster's colour (its genre), or null for a film without a poster. */
  genre: string | null
  /** NFO genres; null: no NFO at all. */
  nfoGenres: string[] | null
  locked?: boolean
}

/** `count` films, a folder each: one in three has no NFO genres (the model proposes them). */
export function fixtureFilms(count: number): FixtureFilm[] {
  return Array.from({ length: count }, (_, i) => {
    const genre = GENRES[i % 3]
    return { folder: `Film ${i} (${1950 + i})`, title: `Film ${i}`, year: 1950 + i, genre, nfoGenres: i % 3 === 0 && i >= 12 ? [] : [genre] }
  })
}

export async function writeCollection(root: string, films: FixtureFilm[]): Promise<void> {
  for (const [i, f] of films.entries()) {
    const dir = join(root, f.folder)
    mkdirSync(dir, { recursive: true })
    writeFileSync(join(dir, `${f.title}.mkv`), 'not really a video')
    if (f.genre) await posterJpeg(join(dir, 'poster.jpg'), f.genre, i)
    if (f.nfoGenres) writeFileSync(join(dir, `${f.title}.nfo`), kodiNfoFor(f.title, f.year, f.nfoGenres, f.locked ? '  <lockdata>true</lockdata>' : ''))
  }
}

/** Every file under `dir` by path, as bytes: what a write-back changed, or an undo put back. */
export function snapshotFiles(dir: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>()
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name)
      if (e.isDirectory()) walk(p)
      else out.set(p, readFileSync(p))
    }
  }
  walk(dir)
  return out
}

/** Scans `root` into the core's library and trains a small CNN on its posters (active when this returns, every job settled). */
export async function scanAndTrain(core: Core, root: string, epochs = 1): Promise<void> {
  await call(core, 'collection.scan', { root })
  const { jobId } = await call<{ jobId: string }>(core, 'model.train', { kind: 'cnn', epochs, inputSize: 16 })
  await core.jobs.wait(jobId)
  const job = core.jobs.list().find((j) => j.jobId === jobId)
  expect(job?.status, job?.message ?? '').toBe('done')
  await Promise.all(core.jobs.list().filter((j) => j.status === 'running').map((j) => core.jobs.wait(j.jobId)))
}

/** The active run's probabilities for every film's poster: `genreOf(title)` at 0.9, the rest 0.1 (thresholds 0.3). */
export function stipulate(core: Core, genreOf: (title: string) => string | null): void {
  const run = activeRun(core.db)!
  core.db.prepare('UPDATE model_runs SET thresholds = ? WHERE id = ?').run(JSON.stringify(run.genres.map(() => 0.3)), run.id)
  const rows = core.db.prepare('SELECT poster_id AS id, title FROM collection_films WHERE poster_id IS NOT NULL').all() as { id: string; title: string }[]
  putPredictions(
    core.db,
    run.id,
    rows.map((r) => ({ id: r.id, probs: Float32Array.from(run.genres, (g) => (g === genreOf(r.title) ? 0.9 : 0.1)) })),
  )
}

/** A core on `libDir` that has scanned `root` and trained a small model there (scanAndTrain). */
export async function openTrained(libDir: string, root: string): Promise<Core> {
  const core = openCore({ libraryDir: libDir })
  await scanAndTrain(core, root)
  return core
}

/** After the tests: the core's model worker stopped, the core closed, the test's folder removed. */
export async function closeAll(core: Core, t: { cleanup(): void }): Promise<void> {
  modelService(core).worker.stop()
  await core.close()
  t.cleanup()
}
