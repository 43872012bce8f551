// The model through the real core: a generated poster library (sharp), imported with the
// real importer, trained, predicted, accepted and undone, plus the CLI commands.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openCore, type Core } from '../../src/main/core'
import { startImport } from '../../src/main/importer/handlers'
import { modelService } from '../../src/main/ml/service/model-service'
import { main as cli } from '../../src/main/cli/index'
import type { PosterDetail, PosterPrediction, RunDetail } from '../../src/shared/api'

const modelsDir = process.env.POSTERITY_MODELS ?? resolve(__dirname, '../../../shared/models')
const haveBackbone = existsSync(join(modelsDir, 'mobilenetv2-12-int8.onnx'))
if (!haveBackbone) console.warn(`[test/ml] no backbone in ${modelsDir}: skipping the head / prediction / CLI tests (set POSTERITY_MODELS)`)

const work = mkdtempSync(join(tmpdir(), 'posterity-model-'))
const libDir = join(work, 'lib')
const genres = ['Red', 'Green', 'Blue']
const colours: Record<string, string> = { Red: '#d02020', Green: '#20b040', Blue: '#2040d0' }
let core: Core

async function poster(file: string, genre: string, i: number): Promise<void> {
  // A coloured poster with a shape whose place varies: the genre is in the colour.
  const svg = `<svg width="60" height="90"><rect x="${(i * 7) % 30}" y="${(i * 11) % 50}" width="25" height="30" fill="#ffffff"/></svg>`
  await sharp({ create: { width: 60, height: 90, channels: 3, background: colours[genre] } }).composite([{ input: Buffer.from(svg) }]).jpeg().toFile(file)
}

async function call<T>(channel: string, args: unknown): Promise<T> {
  const env = await core.dispatch(channel, args)
  if (!env.ok) throw new Error(`${channel}: ${env.error.code}: ${env.error.message}`)
  return env.value as T
}

async function finish(jobId: string): Promise<string> {
  await core.jobs.wait(jobId)
  const job = core.jobs.list().find((j) => j.jobId === jobId)!
  if (job.status === 'failed') throw new Error(job.message ?? 'failed')
  return job.status
}

beforeAll(async () => {
  const dir = join(work, 'posters')
  mkdirSync(dir, { recursive: true })
  const rows = ['Id,Genre,Red,Green,Blue']
  for (let i = 0; i < 90; i++) {
    const g = genres[i % 3]
    const id = `tt${String(1000 + i).padStart(7, '0')}`
    await poster(join(dir, `${id}.jpg`), g, i)
    // Ten posters stay unlabelled (not in the labels file).
    if (i < 80) rows.push(`${id},"['${g}']",${genres.map((x) => (x === g ? 1 : 0)).join(',')}`)
  }
  writeFileSync(join(work, 'labels.csv'), rows.join('\n'))
  // Two posters outside the library, for `predict PATH...`.
  mkdirSync(join(work, 'outside'))
  await poster(join(work, 'outside', 'new-red.jpg'), 'Red', 3)
  await poster(join(work, 'outside', 'new-blue.jpg'), 'Blue', 5)
  core = openCore({ libraryDir: libDir })
  const { promise } = await startImport(core, { paths: [dir], labels: join(work, 'labels.csv') })
  const r = await promise
  expect(r?.added).toBe(90)
})

afterAll(async () => {
  modelService(core).worker.stop()
  await core.close()
  rmSync(work, { recursive: true, force: true })
})

describe('training runs in the worker, and cancel keeps the previous model', () => {
  it('trains the small CNN from pixels (smoke), stores and activates the run', async () => {
    const progress: { epoch: number; batch?: { index: number; of: number }; backend: string }[] = []
    const off = core.events.onAny((n, p) => n === 'train.progress' && progress.push(p as (typeof progress)[number]))
    const { jobId } = await call<{ jobId: string }>('model.train', { kind: 'cnn', epochs: 1, inputSize: 16 })
    expect(await finish(jobId)).toBe('done')
    off()
    // One end-of-epoch report, preceded by progress inside the epoch that reaches its last batch.
    expect(progress.filter((p) => !p.batch).map((p) => p.epoch)).toEqual([1])
    const batches = progress.filter((p) => p.batch)
    expect(batches.length).toBeGreaterThan(0)
    const last = batches.at(-1)!.batch!
    expect(last.index).toBe(last.of)
    // Convolutions train on wasm now (the filter-gradient kernel is registered), not on cpu.
    expect(progress[0].backend).toBe('wasm')
    const { runs } = await call<{ runs: { id: number; active: boolean; kind: string; trainSize: number; valSize: number }[] }>('model.runs', {})
    expect(runs).toHaveLength(1)
    expect(runs[0]).toMatchObject({ kind: 'cnn', active: true })
    expect(runs[0].trainSize + runs[0].valSize).toBe(80) // only labelled posters train
    expect(last.of).toBe(Math.ceil(runs[0].trainSize / 32)) // 32 posters a batch
    const detail = await call<RunDetail>('model.run', { id: runs[0].id })
    expect(existsSync(detail.weightsPath)).toBe(true)
    expect(detail.weightsPath.startsWith(join(libDir, 'models'))).toBe(true)
    // Binary accuracy beside calling every genre absent, the seeds' figure put in its place.
    const acc = detail.evaluation.binaryAccuracy!
    expect(acc.model).toBeGreaterThanOrEqual(0)
    expect(acc.model).toBeLessThanOrEqual(1)
    expect(acc.allNegative).toBeGreaterThan(0.5)
  })

  it('a cancelled training stores nothing and leaves the previous model active', async () => {
    const before = (await call<{ activeRun: number | null }>('model.status', {})).activeRun
    expect(before).not.toBeNull()
    const { jobId } = await call<{ jobId: string }>('model.train', { kind: 'cnn', epochs: 50, inputSize: 16 })
    await new Promise<void>((r) => {
      const off = core.events.onAny((n) => {
        if (n === 'train.progress') {
          off()
          r()
        }
      })
    })
    await call('jobs.cancel', { jobId })
    expect(await finish(jobId)).toBe('cancelled')
    const status = await call<{ activeRun: number | null }>('model.status', {})
    expect(status.activeRun).toBe(before)
    expect((await call<{ runs: unknown[] }>('model.runs', {})).runs).toHaveLength(1)
  })
})

describe.skipIf(!haveBackbone)('the head on backbone embeddings', () => {
  let runId = 0
  it('embeds once, trains, and evaluates well on separable posters', async () => {
    const folds = new Set<string>()
    const offProgress = core.events.onAny((n, p) => {
      const e = p as { fold?: number; folds?: number; repeat?: number; repeats?: number }
      if (n === 'train.progress' && e.folds !== undefined) folds.add(`${e.fold}/${e.folds}/${e.repeat}/${e.repeats}`)
    })
    const { jobId } = await call<{ jobId: string }>('model.train', { kind: 'head', seed: 3 })
    expect(await finish(jobId)).toBe('done')
    offProgress()
    // Progress names the run's 5 folds in each of its 2 repeats (not "fold 7 of 10"), then the refit (fold = folds).
    expect([...folds].sort()).toEqual([...Array.from({ length: 10 }, (_, i) => `${i % 5}/5/${Math.floor(i / 5)}/2`), '5/5/1/2'].sort())
    const status = await call<{ embedded: number; provider: string; backend: string; activeRun: number }>('model.status', {})
    // Training embedded the labelled posters; the activation then refreshes the unlabelled
    // posters' predictions by itself (embedding them too), without another call.
    expect(status.embedded).toBeGreaterThanOrEqual(90 - 10)
    expect(status.provider).toBe('cpu')
    runId = status.activeRun
    const unlabelled = (await call<{ ids: string[] }>('library.ids', { labelled: 'unlabelled' })).ids
    expect(unlabelled).toHaveLength(10)
    await expect
      .poll(async () => (await call<{ runId: number; items: unknown[] }>('model.top', { ids: unlabelled, k: 1 })).items.length, { timeout: 60_000 })
      .toBe(10)
    expect((await call<{ runId: number }>('model.top', { ids: unlabelled, k: 1 })).runId).toBe(runId)
    const run = await call<RunDetail>('model.run', { id: runId })
    expect(run.kind).toBe('head')
    expect(run.evaluation.model.macroAp).toBeGreaterThan(0.9)
    expect(run.evaluation.model.macroAp).toBeGreaterThan(run.evaluation.prior.macroAp)
    // Retraining reuses the cache: nothing new to embed.
    const embeds: { jobId: string }[] = []
    const off = core.events.onAny((n, p) => n === 'embed.progress' && embeds.push(p as { jobId: string }))
    const again = await call<{ jobId: string }>('model.train', { kind: 'head', seed: 3, activate: false })
    await finish(again.jobId)
    off()
    // (The activation above refreshes the unlabelled posters' predictions, embedding them: another job.)
    expect(embeds.filter((e) => e.jobId === again.jobId)).toHaveLength(0)
    expect((await call<{ activeRun: number }>('model.status', {})).activeRun).toBe(runId)
  })

  it('predicts unlabelled posters (streamed, stored), shows and accepts them undoably', async () => {
    const streamed: string[] = []
    let mine = ''
    const off = core.events.onAny((n, p) => {
      const e = p as { jobId: string; items: { id: string }[] }
      if (n === 'predict.progress' && e.jobId === mine) streamed.push(...e.items.map((i) => i.id))
    })
    const { jobId } = await call<{ jobId: string }>('model.predict', { scope: 'unlabelled' })
    mine = jobId
    expect(await finish(jobId)).toBe('done')
    off()
    expect(streamed).toHaveLength(10)
    const id = streamed.find((x) => (Number(x.slice(2)) - 1000) % 3 === 0)! // a red one
    const pred = await call<PosterPrediction>('model.prediction', { id })
    expect(pred.runId).toBe(runId)
    expect(pred.genres.map((g) => g.genre)).toEqual(genres)
    const red = pred.genres.find((g) => g.genre === 'Red')!
    expect(red.predicted).toBe(true)
    expect(red.confirmed).toBe(false)
    // The grid's batched view: the same poster's best genre first, unknown ids left out.
    const top = await call<{ runId: number; items: { id: string; genres: { genre: string; probability: number }[] }[] }>('model.top', { ids: [id, 'tt-no-such'], k: 2 })
    expect(top.runId).toBe(runId)
    expect(top.items.map((i) => i.id)).toEqual([id])
    expect(top.items[0].genres).toHaveLength(2)
    expect(top.items[0].genres[0]).toMatchObject({ genre: 'Red', probability: red.probability })
    const accepted = await call<{ changed: string[] }>('model.accept', { ids: [id] })
    expect(accepted.changed).toEqual([id])
    const after = await call<PosterDetail>('library.get', { id })
    expect(after.labelled).toBe(true)
    expect(after.labels).toContainEqual({ genre: 'Red', source: 'prediction' })
    expect((await call<PosterPrediction>('model.prediction', { id })).genres.find((g) => g.genre === 'Red')!.confirmed).toBe(true)
    await call('labels.undo', {})
    const undone = await call<PosterDetail>('library.get', { id })
    expect(undone.labelled).toBe(false)
    expect(undone.labels).toEqual([])
  })

  it('accepts everything above a probability for a selection, in one undo step', async () => {
    const ids = (await call<{ ids: string[] }>('library.ids', { labelled: 'unlabelled' })).ids
    const r = await call<{ changed: string[]; history: { undoLabel: string } }>('model.accept', { ids, minProbability: 0.5 })
    expect(r.changed.length).toBeGreaterThan(0)
    expect(r.history.undoLabel).toMatch(/50%/)
    await call('labels.undo', {})
    expect((await call<{ ids: string[] }>('library.ids', { labelled: 'unlabelled' })).ids).toHaveLength(ids.length)
  })

  it('imports a backbone file into the library, refusing one that is not a backbone', async () => {
    const bad = join(work, 'bad.onnx')
    writeFileSync(bad, 'not a model at all')
    const env = await core.dispatch('model.importBackbone', { path: bad })
    expect(env.ok).toBe(false)
    if (!env.ok) expect(env.error.message).toMatch(/not a usable/)
    const ok = await call<{ note: string }>('model.importBackbone', { path: join(modelsDir, 'mobilenetv2-12-int8.onnx') })
    // The shared copy is a re-serialisation: accepted on its structure, not its checksum.
    expect(ok.note).toMatch(/structure/)
    const st = await call<{ backbone: { source: string; path: string } }>('model.status', {})
    expect(st.backbone.source).toBe('library')
    expect(st.backbone.path.startsWith(libDir)).toBe(true)
  })

  it('CLI: train --ids --json, eval --ids --json (warning about trained posters), predict --ids and PATHs to CSV', async () => {
    const out: string[] = []
    const err: string[] = []
    const write = process.stdout.write.bind(process.stdout)
    const writeErr = process.stderr.write.bind(process.stderr)
    process.stdout.write = ((s: string) => (out.push(String(s)), true)) as typeof process.stdout.write
    process.stderr.write = ((s: string) => (err.push(String(s)), true)) as typeof process.stderr.write
    const ids = join(work, 'ids.txt')
    const held = ['tt0001000', 'tt0001001', 'tt0001002', 'tt0001003', 'tt0001004', 'tt0001005']
    writeFileSync(ids, [...held, '# comment', ''].join('\n'))
    // Train on the other labelled posters only.
    const trainIds = join(work, 'train-ids.txt')
    writeFileSync(trainIds, Array.from({ length: 74 }, (_, i) => `tt${String(1006 + i).padStart(7, '0')}`).join('\n'))
    const mixed = join(work, 'mixed.txt')
    writeFileSync(mixed, [...held, 'tt0001010', 'tt0001011', 'tt0001012'].join('\n'))
    try {
      // The CLI opens its own core on the same library (the test core stays open: WAL).
      expect(await cli(['train', '--library', libDir, '--ids', trainIds, '--seed', '4', '--epochs', '20', '--json'])).toBe(0)
      const run = JSON.parse(out.join('')) as RunDetail
      expect(run.trainSize).toBe(74)
      // Progress on stderr: folds with their held-out figures, the refit (every poster) without any.
      const progress = err.join('').split('\n')
      expect(progress.some((l) => /^fold 1\/\d+ epoch 1: loss [\d.]+  val loss [\d.]+  val macro-AP [\d.]+  \[/.test(l))).toBe(true)
      const refits = progress.filter((l) => l.startsWith('refit epoch'))
      expect(refits.length).toBeGreaterThan(0)
      for (const l of refits) expect(l).toMatch(/^refit epoch \d+: loss [\d.]+  \(no held-out posters\)  \[/)
      expect(run.backend).toBe('onnxruntime')
      // The posters' titles are their ids (no metadata): no title evidence, images alone.
      expect(run.config.titles).toBe(false)
      expect(run.note).toMatch(/activated: out-of-fold macro-AP [\d.]+ (≥|<) [\d.]+ of (the active )?run \d+ on the 74 posters/)
      if (!run.active) await call('model.activate', { id: run.id })
      out.length = 0
      err.length = 0
      expect(await cli(['eval', '--library', libDir, '--ids', ids, '--json'])).toBe(0)
      expect(JSON.parse(out.join('')).posters).toBe(6)
      expect(err.join('')).not.toMatch(/warning/)
      out.length = 0
      // Three of these trained the model: a warning, and only the six others are scored.
      expect(await cli(['eval', '--library', libDir, '--ids', mixed, '--json'])).toBe(0)
      expect(JSON.parse(out.join(''))).toMatchObject({ posters: 6, excludedTrained: 3 })
      expect(err.join('')).toMatch(/warning: 3 of the listed posters were in the active model's training data; scoring only the other 6/)
      out.length = 0
      err.length = 0
      // A byte-identical copy of a trained poster (the same content hash) is no unseen poster;
      // an id that is no labelled poster is said, not silently dropped.
      const hashOf = core.db.prepare('SELECT hash FROM posters WHERE id = ?').pluck()
      const own = hashOf.get('tt0001005')
      core.db.prepare('UPDATE posters SET hash = ? WHERE id = ?').run(hashOf.get('tt0001010'), 'tt0001005')
      writeFileSync(mixed, [...held, 'tt9999999'].join('\n'))
      expect(await cli(['eval', '--library', libDir, '--ids', mixed, '--json'])).toBe(0)
      expect(JSON.parse(out.join(''))).toMatchObject({ posters: 5, excludedCopies: 1, notScored: 1 })
      expect(err.join('')).toMatch(/1 is a byte-identical copy of posters that were; scoring only the other 5/)
      expect(err.join('')).toMatch(/1 listed id is not a poster labelled by a person/)
      core.db.prepare('UPDATE posters SET hash = ? WHERE id = ?').run(own, 'tt0001005')
      out.length = 0
      // Only posters it was trained on: nothing honest to score.
      writeFileSync(mixed, 'tt0001010\ntt0001011\n')
      expect(await cli(['eval', '--library', libDir, '--ids', mixed])).toBe(2)
      expect(err.join('')).toMatch(/all 2 listed labelled posters were in the active model's training data/)
      expect(await cli(['predict', '--library', libDir, '--ids', ids, '--out', join(work, 'p.csv')])).toBe(0)
      expect(await cli(['predict', '--library', libDir, join(work, 'outside'), '--out', join(work, 'q.csv')])).toBe(0)
      expect(await cli(['predict', '--library', libDir, '--out', join(work, 'r.csv'), join(work, 'nope')])).toBe(1)
    } finally {
      process.stdout.write = write
      process.stderr.write = writeErr
    }
    const p = readFileSync(join(work, 'p.csv'), 'utf8').trim().split('\n')
    expect(p[0]).toBe('Id,Red,Green,Blue')
    expect(p).toHaveLength(7)
    // Probabilities with four decimals (a confident one rounds to 1.0000).
    expect(p[1]).toMatch(/^tt0001000(,(0\.\d{4}|1\.0000)){3}$/)
    const q = readFileSync(join(work, 'q.csv'), 'utf8').trim().split('\n')
    expect(q.slice(1).map((l) => l.split(',')[0]).sort()).toEqual(['new-blue', 'new-red'])
    const blue = q.find((l) => l.startsWith('new-blue'))!.split(',').map(Number)
    expect(blue[3]).toBeGreaterThan(blue[1]) // Blue beats Red on the blue poster
    // Nothing outside the library was imported.
    expect((await call<{ posters: number }>('library.stats', {})).posters).toBe(90)
  })

  it('activates and deletes runs, removing their weights', async () => {
    const { runs } = await call<{ runs: { id: number; active: boolean }[] }>('model.runs', {})
    expect(runs.length).toBeGreaterThanOrEqual(3)
    const other = runs.find((r) => !r.active)!
    await call('model.activate', { id: other.id })
    expect((await call<{ activeRun: number }>('model.status', {})).activeRun).toBe(other.id)
    const victim = runs.find((r) => r.id !== other.id)!
    const dir = (await call<RunDetail>('model.run', { id: victim.id })).weightsPath
    expect(existsSync(dir)).toBe(true)
    await call('model.deleteRun', { id: victim.id })
    expect(existsSync(dir)).toBe(false)
    expect((await call<{ runs: unknown[] }>('model.runs', {})).runs).toHaveLength(runs.length - 1)
    const gone = await core.dispatch('model.deleteRun', { id: victim.id })
    expect(gone.ok ? null : gone.error.code).toBe('not-found')
  })

  it('accepting never brings back a genre deleted since training', async () => {
    await call('genres.remove', { name: 'Green' })
    const ids = (await call<{ ids: string[] }>('library.ids', { labelled: 'unlabelled' })).ids
    await call('model.predict', { scope: 'selection', ids }).then((r) => finish((r as { jobId: string }).jobId))
    const r = await call<{ changed: string[]; skipped: number }>('model.accept', { ids, minProbability: 0 })
    expect(r.changed.length + r.skipped).toBe(ids.length)
    expect(r.changed.length).toBeGreaterThan(0)
    const names = (await call<{ genres: { name: string }[] }>('genres.list', {})).genres.map((g) => g.name)
    expect(names).not.toContain('Green')
    for (const id of r.changed) {
      const one = await call<PosterDetail>('library.get', { id })
      expect(one.labels.length).toBeGreaterThan(0)
      expect(one.labels.every((l) => ['Blue', 'Red'].includes(l.genre) && l.source === 'prediction')).toBe(true)
    }
  })
  it('learns from titles once enough posters have one: predictions follow the title; titles: false ignores it', async () => {
    const all = (await call<{ ids: string[] }>('library.ids', {})).ids
    // Titles that say nothing about the colour (the genre), on every poster.
    const words = ['night', 'river', 'city', 'road', 'house']
    for (const [i, id] of all.entries()) await call('library.setMeta', { id, title: `The ${words[i % 5]} ${i}`, year: 1985 + (i % 25) })
    const probe = all[all.length - 1]
    const probsOf = async () => {
      await finish((await call<{ jobId: string }>('model.predict', { scope: 'selection', ids: [probe] })).jobId)
      return (await call<PosterPrediction>('model.prediction', { id: probe })).genres.map((g) => g.probability)
    }
    for (const titles of [true, false]) {
      const { jobId } = await call<{ jobId: string }>('model.train', { kind: 'head', seed: 5, activate: false, titles })
      expect(await finish(jobId)).toBe('done')
      const run = (await call<{ runs: RunDetail[] }>('model.runs', {})).runs[0]
      expect(run.config.titles).toBe(titles)
      await call('model.activate', { id: run.id })
      await call('library.setMeta', { id: probe, title: 'The night 7' })
      const before = await probsOf()
      await call('library.setMeta', { id: probe, title: 'Zyxw Qvut Kjhg', year: 2014 })
      const after = await probsOf()
      const moved = Math.max(...before.map((p, c) => Math.abs(p - after[c])))
      if (titles) expect(moved).toBeGreaterThan(1e-4)
      else expect(moved).toBe(0)
    }
  })
})
