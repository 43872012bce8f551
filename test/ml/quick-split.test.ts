// The quick first model's held-out tenth keeps whole duplicate groups on one side: byte-
// identical copies and near-identical ones (the same artwork re-encoded at low quality or
// resized, made here with sharp), grouped on the one-pass features it trains on. Real
// importer (embedding during import), real worker, real SQLite.
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openCore, type Core } from '../../src/main/core'
import { startImport } from '../../src/main/importer/handlers'
import { modelService } from '../../src/main/ml/service/model-service'
import { postersFor } from '../../src/main/ml/service/data'
import { quickSplit } from '../../src/main/ml/service/quick-split'
import { QUICK_HOLDOUT } from '../../src/main/ml/service/train-job'
import { seededUnit } from '../../src/main/ml/train/split'
import { FEATURE_SETS, FIRST_FEATURES } from '../../src/main/ml/backbone/catalog'
import { mulberry32 } from '../../src/shared/random'

const modelsDir = process.env.POSTERITY_MODELS ?? resolve(__dirname, '../../../shared/models')
const haveBackbone = existsSync(join(modelsDir, 'mobilenetv2-12-int8.onnx'))
if (!haveBackbone) console.warn(`[test/ml] no backbone in ${modelsDir}: skipping the quick model's grouped split (set POSTERITY_MODELS)`)

const FIRST = FEATURE_SETS[FIRST_FEATURES]
const work = mkdtempSync(join(tmpdir(), 'posterity-quick-split-'))
const genres = ['Red', 'Green', 'Blue']
const ORIGINALS = 90
let core: Core
/** Each artwork's posters: the original, a JPEG q=50 re-encode, a copy resized to 70%, a byte-identical copy. */
const artworks: string[][] = []

/** A distinct poster: a seeded scatter of shapes on a coloured ground. */
async function original(i: number, file: string): Promise<void> {
  const rand = mulberry32(1000 + i)
  const c = () => Math.floor(rand() * 256)
  const shapes = Array.from({ length: 6 }, () => {
    const fill = `rgb(${c()},${c()},${c()})`
    return rand() < 0.5
      ? `<circle cx="${Math.floor(rand() * 200)}" cy="${Math.floor(rand() * 300)}" r="${20 + Math.floor(rand() * 60)}" fill="${fill}"/>`
      : `<rect x="${Math.floor(rand() * 160)}" y="${Math.floor(rand() * 260)}" width="${30 + Math.floor(rand() * 120)}" height="${30 + Math.floor(rand() * 150)}" fill="${fill}"/>`
  }).join('')
  const svg = `<svg width="200" height="300">${shapes}</svg>`
  await sharp({ create: { width: 200, height: 300, channels: 3, background: { r: c(), g: c(), b: c() } } })
    .composite([{ input: Buffer.from(svg) }])
    .jpeg({ quality: 92 })
    .toFile(file)
}

beforeAll(async () => {
  const dir = join(work, 'posters')
  mkdirSync(dir, { recursive: true })
  const rows = ['Id,Genre,Red,Green,Blue']
  const label = (id: string, g: string) => rows.push(`${id},"['${g}']",${genres.map((x) => (x === g ? 1 : 0)).join(',')}`)
  for (let i = 0; i < ORIGINALS; i++) {
    const id = `tt${String(5000 + i).padStart(7, '0')}`
    const g = genres[i % 3]
    const src = join(dir, `${id}.jpg`)
    await original(i, src)
    const members = [id]
    label(id, g)
    // A third of the artworks come with copies (all labelled like their original).
    if (i % 3 === 0) {
      const low = `${id}-q50`
      await sharp(src).jpeg({ quality: 50 }).toFile(join(dir, `${low}.jpg`))
      const small = `${id}-small`
      await sharp(src).resize(140, 210).jpeg({ quality: 85 }).toFile(join(dir, `${small}.jpg`))
      const same = `${id}-copy`
      copyFileSync(src, join(dir, `${same}.jpg`))
      for (const m of [low, small, same]) {
        members.push(m)
        label(m, g)
      }
    }
    artworks.push(members)
  }
  writeFileSync(join(work, 'labels.csv'), rows.join('\n') + '\n')
  core = openCore({ libraryDir: join(work, 'lib') })
  if (!haveBackbone) return
  const r = await (await startImport(core, { paths: [dir], labels: join(work, 'labels.csv'), embed: true })).promise
  expect(r?.added).toBe(ORIGINALS + 3 * (ORIGINALS / 3))
}, 120_000)

afterAll(async () => {
  modelService(core).worker.stop()
  await core.close()
  rmSync(work, { recursive: true, force: true })
})

const sideOf = (held: number[], fit: number[], ids: string[]) => {
  const side = new Map<string, 'held' | 'fit'>()
  for (const i of held) side.set(ids[i], 'held')
  for (const i of fit) side.set(ids[i], 'fit')
  return side
}

describe.skipIf(!haveBackbone)("the quick model's held-out tenth", () => {
  it('keeps an original, its re-encoded and resized copies and a byte-identical copy on one side', async () => {
    const svc = modelService(core)
    const posters = postersFor(core.db, { scope: 'labelled' })
    const ids = posters.map((p) => p.id)
    for (const seed of [42, 7, 1234]) {
      const s = await quickSplit(core.db, posters, svc.keyOf(FIRST), svc.dimsOf(FIRST), seed, QUICK_HOLDOUT)
      expect(s.ok).toBe(true)
      expect(s.complete).toBe(true)
      expect(s.held.length + s.fit.length).toBe(posters.length)
      const side = sideOf(s.held, s.fit, ids)
      // The 60 altered copies (two per artwork with copies) join by embedding, not by hash.
      expect(s.nearDuplicates).toBeGreaterThanOrEqual(2 * (ORIGINALS / 3))
      for (const members of artworks) expect(new Set(members.map((m) => side.get(m))).size, `${members.join(', ')} (seed ${seed})`).toBe(1)
      // The hash alone (the split before groups) would have parted some copies from their original.
      const byHash = (id: string) => seededUnit(seed + 2, posters[ids.indexOf(id)].hash) < QUICK_HOLDOUT
      expect(artworks.some((m) => new Set(m.map(byHash)).size > 1)).toBe(true)
      // Not everything is one group: about a tenth is held out.
      expect(s.held.length).toBeGreaterThan(0)
      expect(s.held.length).toBeLessThan(posters.length / 3)
    }
  })

  it('without the embeddings cached, groups byte-identical copies only and says the grouping is incomplete', async () => {
    const svc = modelService(core)
    const posters = postersFor(core.db, { scope: 'labelled' })
    const other = { backbone: svc.backbone.id, features: 'not-cached-v0' }
    const s = await quickSplit(core.db, posters, other, svc.dimsOf(FIRST), 42, QUICK_HOLDOUT)
    expect(s.complete).toBe(false)
    expect(s.nearDuplicates).toBe(0)
    const side = sideOf(s.held, s.fit, posters.map((p) => p.id))
    for (const members of artworks) if (members.length > 1) expect(side.get(members[0])).toBe(side.get(members[3]))
  })

  it('a quick fit learns from the fit side only: every artwork wholly in or out of its training posters', async () => {
    const env = await core.dispatch('model.train', { kind: 'head', quick: true })
    if (!env.ok) throw new Error(env.error.message)
    const { jobId } = env.value as { jobId: string }
    await core.jobs.wait(jobId)
    expect(core.jobs.list().find((j) => j.jobId === jobId)?.status).toBe('done')
    const run = core.db.prepare('SELECT id, config, train_size AS trainSize, val_size AS valSize FROM model_runs ORDER BY id LIMIT 1').get() as {
      id: number
      config: string
      trainSize: number
      valSize: number
    }
    const config = JSON.parse(run.config) as { quick?: boolean; nearDuplicates?: number }
    expect(config.quick).toBe(true)
    expect(config.nearDuplicates).toBeGreaterThanOrEqual(2 * (ORIGINALS / 3))
    const trained = new Set(core.db.prepare('SELECT poster_id FROM run_posters WHERE run_id = ?').pluck().all(run.id) as string[])
    expect(trained.size).toBe(run.trainSize)
    expect(run.valSize).toBeGreaterThan(0)
    for (const members of artworks) expect(new Set(members.map((m) => trained.has(m))).size, members.join(', ')).toBe(1)
    // The cross-validated run that follows: let it end before the library closes.
    for (const j of core.jobs.list().filter((x) => x.status === 'running')) await core.jobs.wait(j.jobId)
  }, 300_000)
})
