// A first model in a minute: on a library with no active model, `model.train` with `quick`
// ends with a quick fit active and every poster predicted; the cross-validated run follows in
// a job of its own, replaces it and predicts every poster again. With a model active, `quick`
// changes nothing. Real importer (embedding during import), real worker, real SQLite.
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
import type { RunDetail } from '../../src/shared/api'

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
const active = async () => (await call<{ activeRun: number | null }>('model.status', {})).activeRun

beforeAll(async () => {
  const dir = join(work, 'posters')
  postersDir = dir
  mkdirSync(dir, { recursive: true })
  const rows = ['Id,Genre,Red,Green,Blue']
  for (let i = 0; i < 300; i++) {
    const g = genres[i % 3]
    const id = `tt${String(2000 + i).padStart(7, '0')}`
    const svg = `<svg width="60" height="90"><rect x="${(i * 7) % 30}" y="${(i * 11) % 50}" width="25" height="30" fill="#ffffff"/></svg>`
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
    const { jobId } = await call<{ jobId: string }>('model.train', { kind: 'head', quick: true })
    await finish(jobId)
    const quickId = (await active())!
    expect(quickId).not.toBeNull()
    const quick = await call<RunDetail>('model.run', { id: quickId })
    expect(quick.config.quick).toBe(true)
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
    expect(cv.trainSize).toBe(270)
    expect(cv.note).toBe(`activated: cross-validated, it replaces the quick first model (run ${quickId})`)
    // Every poster again, not only the unlabelled ones.
    for (const p of running('predict')) await finish(p.jobId)
    expect(predicted(cvId)).toBe(300)
    expect((await call<RunDetail>('model.run', { id: quickId })).note).toBe(`replaced by the cross-validated run ${cvId}`)
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
