// A first model in a minute: on a library with no active model, `model.train` with `quick`
// ends with a quick fit active and every poster predicted; the cross-validated run follows in
// a job of its own, replaces it and predicts every poster again. With a model active, `quick`
// changes nothing. The quick fit learns from the one-pass FIRST_FEATURES the import embedded,
// the cross-validated run from the default (rich) set. Real importer (embedding during
// import), real worker, real SQLite.
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openCore, type Core } from '../../src/main/core'
import { startImport } from '../../src/main/importer/handlers'
import { modelService } from '../../src/main/ml/service/model-service'
import { seededUnit } from '../../src/main/ml/train/split'
import { QUICK_HOLDOUT } from '../../src/main/ml/service/train-job'
import { DEFAULT_FEATURES, FEATURE_SETS, FIRST_FEATURES } from '../../src/main/ml/backbone/catalog'
import type { RunDetail } from '../../src/shared/api'
import { mulberry32 } from '../../src/shared/random'

const modelsDir = process.env.POSTERITY_MODELS ?? resolve(__dirname, '../../../shared/models')
const haveBackbone = existsSync(join(modelsDir, 'mobilenetv2-12-int8.onnx'))
if (!haveBackbone) console.warn(`[test/ml] no backbone in ${modelsDir}: skipping the quick first model (set POSTERITY_MODELS)`)

const work = mkdtempSync(join(tmpdir(), 'posterity-first-model-'))
const genres = ['Red', 'Green', 'Blue']
const colours: Record<string, string> = { Red: '#d02020', Green: '#20b040', Blue: '#2040d0' }
let core: Core
let postersDir = ''

async function call<T>(channel: string, args: unknown): Promise<T> {
  const env = await core.dispatch(channel, args)
  if (!env.ok) throw new Error(`${channel}: ${env.error.code}: ${env.error.message}`)
  return env.value as T
}

async function finish(jobId: string): Promise<void> {
  await core.jobs.wait(jobId)
  const job = core.jobs.list().find((j) => j.jobId === jobId)!
  if (job.status !== 'done') throw new Error(`${jobId} ${job.status}: ${job.message}`)
}

const running = (kind: string) => core.jobs.list().filter((j) => j.kind === kind && j.status === 'running')
const predicted = (run: number) => core.db.prepare('SELECT COUNT(*) FROM predictions WHERE run_id = ?').pluck().get(run) as number
const embedded = (version: string) => core.db.prepare('SELECT COUNT(*) FROM embeddings WHERE features = ?').pluck().get(version) as number
const FIRST = FEATURE_SETS[FIRST_FEATURES].version
const RICH = FEATURE_SETS[process.env.POSTERITY_FEATURES ?? DEFAULT_FEATURES].version
const active = async () => (await call<{ activeRun: number | null }>('model.status', {})).activeRun

beforeAll(async () => {
  const dir = join(work, 'posters')
  postersDir = dir
  mkdirSync(dir, { recursive: true })
  const rows = ['Id,Genre,Red,Green,Blue']
  for (let i = 0; i < 300; i++) {
    const g = genres[i % 3]
    const id = `tt${String(2000 + i).padStart(7, '0')}`
    // Distinct artwork a poster (seeded circles): near-identical posters would share the quick split's side, a few big groups at a time.
    const rand = mulberry32(i + 1)
    const c = () => Math.floor(rand() * 256)
    const circles = Array.from({ length: 3 }, () => `<circle cx="${Math.floor(rand() * 60)}" cy="${Math.floor(rand() * 90)}" r="${6 + Math.floor(rand() * 10)}" fill="rgb(${c()},${c()},${c()})"/>`).join('')
    const svg = `<svg width="60" height="90"><rect x="${(i * 7) % 30}" y="${(i * 11) % 50}" width="25" height="30" fill="#ffffff"/>${circles}</svg>`
    await sharp({ create: { width: 60, height: 90, channels: 3, background: colours[g] } }).composite([{ input: Buffer.from(svg) }]).jpeg().toFile(join(dir, `${id}.jpg`))
    // Thirty posters stay unlabelled; the held-out tenth of the rest has every genre often enough to score.
    if (i < 270) rows.push(`${id},"['${g}']",${genres.map((x) => (x === g ? 1 : 0)).join(',')}`)
  }
  writeFileSync(join(work, 'labels.csv'), rows.join('\n'))
  core = openCore({ libraryDir: join(work, 'lib') })
  if (!haveBackbone) return
  const r = await (await startImport(core, { paths: [dir], labels: join(work, 'labels.csv'), embed: true })).promise
  expect(r?.added).toBe(300)
})

afterAll(async () => {
  modelService(core).worker.stop()
  await core.close()
  rmSync(work, { recursive: true, force: true })
})

describe.skipIf(!haveBackbone)('a quick first model', () => {
  it('is active with every poster predicted when its job ends; the cross-validated run then replaces it', async () => {
    expect(await active()).toBeNull()
    // The import embedded the one-pass set only; the rich one is the follow-up's to compute.
    expect(FIRST).not.toBe(RICH)
    const artworks = core.db.prepare('SELECT COUNT(DISTINCT hash) FROM posters').pluck().get() as number
    expect(embedded(FIRST)).toBe(artworks)
    expect(embedded(RICH)).toBe(0)
    const { jobId } = await call<{ jobId: string }>('model.train', { kind: 'head', quick: true })
    await finish(jobId)
    const quickId = (await active())!
    expect(quickId).not.toBeNull()
    const quick = await call<RunDetail>('model.run', { id: quickId })
    expect(quick.config.quick).toBe(true)
    expect(quick.features).toBe(FIRST)
    // Its figures come from the held-out tenth, and say they are provisional.
    expect(quick.evaluation.method).toBe('holdout')
    expect(quick.valSize).toBeGreaterThan(0)
    expect(quick.evaluation.genres.map((g) => g.genre).sort()).toEqual(['Blue', 'Green', 'Red'])
    expect(quick.trainSize + quick.valSize).toBe(270)
    expect(quick.note).toMatch(/quick first model.*not cross-validated.*cross-validated run follows/)
    expect(predicted(quickId)).toBe(300)
    // The colours are easy: the quick fit already separates them.
    expect(quick.model.macroAp).toBeGreaterThan(0.9)

    // The cross-validated run is already training in a job of its own.
    const follow = running('train')
    expect(follow).toHaveLength(1)
    await finish(follow[0].jobId)
    const cvId = (await active())!
    expect(cvId).not.toBe(quickId)
    const cv = await call<RunDetail>('model.run', { id: cvId })
    expect(cv.evaluation.method).toBe('cross-validation')
    expect(cv.config.quick).toBeUndefined()
    expect(cv.features).toBe(RICH)
    expect(cv.trainSize).toBe(270)
    expect(cv.note).toBe(`activated: cross-validated, it replaces the quick first model (run ${quickId})`)
    // Every poster again, not only the unlabelled ones.
    for (const p of running('predict')) await finish(p.jobId)
    expect(predicted(cvId)).toBe(300)
    // It embedded the rich set of every artwork (the labelled ones to learn, the rest to predict).
    expect(embedded(RICH)).toBe(artworks)
    expect((await call<RunDetail>('model.run', { id: quickId })).note).toBe(`replaced by the cross-validated run ${cvId}`)
    // Either run predicts with its own set: the quick one, activated again by hand, too.
    const file = join(postersDir, 'tt0002000.jpg')
    type Files = { runId: number; genres: string[]; rows: { path: string; probabilities: number[] }[] }
    const rich = await call<Files>('model.predictFiles', { paths: [file] })
    expect(rich.runId).toBe(cvId)
    await call('model.activate', { id: quickId })
    const first = await call<Files>('model.predictFiles', { paths: [file] })
    expect(first.runId).toBe(quickId)
    // tt0002000 is a Red poster: both runs say so.
    for (const r of [rich, first]) expect(r.rows[0].probabilities[r.genres.indexOf('Red')]).toBeGreaterThan(0.5)
    // "Why" embeds the masked copies with the quick run's one-pass set too.
    let why: { probability: number; drops: number[] } | null = null
    const off = core.events.onAny((name, p) => {
      if (name === 'why.progress' && (p as { status: string }).status === 'done') why = (p as { result: typeof why }).result
    })
    const w = await call<{ jobId: string }>('explore.why', { id: 'tt0002000', genre: 'Red', grid: 2 })
    await finish(w.jobId)
    off()
    expect(why).not.toBeNull()
    expect(why!.probability).toBeCloseTo(first.rows[0].probabilities[first.genres.indexOf('Red')], 3)
    await call('model.activate', { id: cvId })
    for (const p of running('predict')) await finish(p.jobId)
  })

  it('refuses a run of a feature set this version does not know, saying which', async () => {
    const id = (await active())!
    const version = core.db.prepare('SELECT features FROM model_runs WHERE id = ?').pluck().get(id) as string
    core.db.prepare('UPDATE model_runs SET features = ? WHERE id = ?').run('ms-gone-v0', id)
    try {
      await expect(call('model.predictFiles', { paths: [join(postersDir, 'tt0002001.jpg')] })).rejects.toThrow(
        new RegExp(`conflict: run ${id} was trained on the feature set ms-gone-v0, which this version of Posterity does not know.*${FIRST}.*retrain`),
      )
    } finally {
      core.db.prepare('UPDATE model_runs SET features = ? WHERE id = ?').run(version, id)
    }
  })

  it('a selection too small to hold a tenth out is cross-validated straight away', async () => {
    const other = openCore({ libraryDir: join(work, 'lib-small') })
    try {
      await (await startImport(other, { paths: [postersDir], labels: join(work, 'labels.csv'), embed: true })).promise
      // Twelve labelled posters none of which the seeded tenth would hold out (split seed 42 + 2).
      const rows = other.db.prepare('SELECT id, hash FROM posters WHERE labelled = 1 ORDER BY id').all() as { id: string; hash: string }[]
      const ids = rows.filter((r) => seededUnit(44, r.hash) >= QUICK_HOLDOUT).slice(0, 12).map((r) => r.id)
      expect(ids).toHaveLength(12)
      const env = await other.dispatch('model.train', { kind: 'head', quick: true, ids })
      if (!env.ok) throw new Error(env.error.message)
      const { jobId } = env.value as { jobId: string }
      await other.jobs.wait(jobId)
      expect(other.jobs.list().find((j) => j.jobId === jobId)?.status).toBe('done')
      const run = other.db.prepare('SELECT config, note FROM model_runs ORDER BY id DESC LIMIT 1').get() as { config: string; note: string }
      expect(JSON.parse(run.config).folds).toBe(5)
      expect(run.note).toBe('activated: no model was active')
      expect(other.jobs.list().filter((j) => j.kind === 'train' && j.status === 'running')).toHaveLength(0)
    } finally {
      modelService(other).worker.stop()
      await other.close()
    }
  })

  it('with a model active, quick trains the cross-validated run straight away', async () => {
    const before = (await active())!
    const { jobId } = await call<{ jobId: string }>('model.train', { kind: 'head', quick: true, seed: 2 })
    await finish(jobId)
    const runs = (await call<{ runs: { id: number; config: Record<string, unknown> }[] }>('model.runs', {})).runs
    const latest = runs.reduce((a, b) => (a.id > b.id ? a : b))
    expect(latest.id).toBeGreaterThan(before)
    expect(latest.config.quick).toBeUndefined()
    expect(latest.config.folds).toBe(5)
    expect(running('train')).toHaveLength(0)
  })
})
