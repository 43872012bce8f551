// What a library shows between a quick first model and the cross-validated run that replaces
// it: the uncertain and accepted review queues work from the quick model's predictions; the
// suspect queue says it waits for the cross-validated run; the dashboard's AP says it is
// provisional; Explore (similar posters, duplicates, the map) reads the one-pass set the
// import embedded and says so, until the default set is embedded; the Train view's status
// counts each feature set in use. Then the cross-validated run ends and each view moves to
// the default set. Real importer (embedding during import), real worker, real SQLite.
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openCore, type Core } from '../../src/main/core'
import { startImport } from '../../src/main/importer/handlers'
import { modelService } from '../../src/main/ml/service/model-service'
import { DEFAULT_FEATURES, FEATURE_SETS, FIRST_FEATURES } from '../../src/main/ml/backbone/catalog'
import { mulberry32 } from '../../src/shared/random'
import type { Dashboard, DuplicateCluster, ExploreFeatures, MapState, ModelStatus, ReviewCounts, ReviewPage } from '../../src/shared/api'

const modelsDir = process.env.POSTERITY_MODELS ?? resolve(__dirname, '../../../shared/models')
const haveBackbone = existsSync(join(modelsDir, 'mobilenetv2-12-int8.onnx'))
if (!haveBackbone) console.warn(`[test/ml] no backbone in ${modelsDir}: skipping the views between a quick model and its cross-validated run (set POSTERITY_MODELS)`)

const FIRST = FEATURE_SETS[FIRST_FEATURES].version
const DEFAULT_NAME = process.env.POSTERITY_FEATURES ?? DEFAULT_FEATURES
const RICH = FEATURE_SETS[DEFAULT_NAME].version
const work = mkdtempSync(join(tmpdir(), 'posterity-quick-state-'))
const genres = ['Red', 'Green', 'Blue']
const ground: Record<string, [number, number, number]> = { Red: [200, 40, 40], Green: [40, 170, 70], Blue: [40, 70, 200] }
const N = 150
const UNLABELLED = 30
let core: Core

async function call<T>(channel: string, args: unknown = {}): Promise<T> {
  const env = await core.dispatch(channel, args)
  if (!env.ok) throw new Error(`${channel}: ${env.error.code}: ${env.error.message}`)
  return env.value as T
}
const running = (kind: string) => core.jobs.list().filter((j) => j.kind === kind && j.status === 'running')
async function finish(jobId: string): Promise<void> {
  await core.jobs.wait(jobId)
  const job = core.jobs.list().find((j) => j.jobId === jobId)!
  if (job.status !== 'done') throw new Error(`${jobId} ${job.status}: ${job.message}`)
}

beforeAll(async () => {
  const dir = join(work, 'posters')
  mkdirSync(dir, { recursive: true })
  const rows = ['Id,Genre,Red,Green,Blue']
  for (let i = 0; i < N; i++) {
    const g = genres[i % 3]
    const id = `tt${String(7000 + i).padStart(7, '0')}`
    const rand = mulberry32(500 + i)
    const c = () => Math.floor(rand() * 256)
    const shapes = Array.from({ length: 4 }, () => `<circle cx="${Math.floor(rand() * 200)}" cy="${Math.floor(rand() * 300)}" r="${15 + Math.floor(rand() * 40)}" fill="rgb(${c()},${c()},${c()})"/>`).join('')
    const [r, gr, b] = ground[g]
    await sharp({ create: { width: 200, height: 300, channels: 3, background: { r, g: gr, b } } })
      .composite([{ input: Buffer.from(`<svg width="200" height="300">${shapes}</svg>`) }])
      .jpeg({ quality: 92 })
      .toFile(join(dir, `${id}.jpg`))
    if (i < N - UNLABELLED) rows.push(`${id},"['${g}']",${genres.map((x) => (x === g ? 1 : 0)).join(',')}`)
  }
  // A re-encoded copy of the first poster: Explore's duplicates find it by embedding.
  await sharp(join(dir, 'tt0007000.jpg')).jpeg({ quality: 85 }).toFile(join(dir, 'tt0007000-copy.jpg'))
  writeFileSync(join(work, 'labels.csv'), rows.join('\n') + '\n')
  core = openCore({ libraryDir: join(work, 'lib') })
  if (!haveBackbone) return
  const r = await (await startImport(core, { paths: [dir], labels: join(work, 'labels.csv'), embed: true })).promise
  expect(r?.added).toBe(N + 1)
}, 120_000)

afterAll(async () => {
  for (const j of core.jobs.list().filter((x) => x.status === 'running')) {
    await call('jobs.cancel', { jobId: j.jobId }).catch(() => undefined)
    await core.jobs.wait(j.jobId).catch(() => undefined)
  }
  modelService(core).worker.stop()
  await core.close()
  rmSync(work, { recursive: true, force: true })
})

describe.skipIf(!haveBackbone)('between a quick first model and its cross-validated run', () => {
  let quickId = 0

  it('the suspect queue says it comes with the cross-validated run, which is training', async () => {
    expect(FIRST).not.toBe(RICH)
    const { jobId } = await call<{ jobId: string }>('model.train', { kind: 'head', quick: true })
    await finish(jobId)
    quickId = (await call<ModelStatus>('model.status')).activeRun!
    expect(running('train')).toHaveLength(1)
    const suspect = await call<ReviewPage>('review.queue', { queue: 'suspect' })
    expect(suspect.state).toBe('pending')
    expect(suspect.runId).toBe(quickId)
    expect(suspect.note).toMatch(/out-of-fold predictions.*cross-validated run.*training now.*uncertain/)
    const counts = await call<ReviewCounts>('review.counts')
    expect(counts.suspect).toBeNull()
    expect(counts.suspectNote).toBe(suspect.note)
    // Stop the cross-validated run here: the checks below look at the library as it stands
    // before the run has embedded the default set.
    const cv = running('train')[0]
    await call('jobs.cancel', { jobId: cv.jobId })
    await core.jobs.wait(cv.jobId).catch(() => undefined)
    core.db.prepare('DELETE FROM embeddings WHERE features = ?').run(RICH)
    expect((await call<ModelStatus>('model.status')).activeRun).toBe(quickId)
    const waiting = await call<ReviewPage>('review.queue', { queue: 'suspect' })
    expect(waiting.state).toBe('pending')
    expect(waiting.note).toMatch(/not training in this process.*train again/)
  }, 300_000)

  it('the uncertain and accepted queues work from the quick model', async () => {
    const uncertain = await call<ReviewPage>('review.queue', { queue: 'uncertain', limit: 100 })
    expect(uncertain.state).toBe('ready')
    expect(uncertain.runId).toBe(quickId)
    expect(uncertain.total).toBe(UNLABELLED + 1)
    expect(uncertain.items[0].probabilities.length).toBe(3)
    // Most uncertain first.
    for (let i = 1; i < uncertain.items.length; i++) expect(uncertain.items[i - 1].score).toBeGreaterThanOrEqual(uncertain.items[i].score)
    const ids = uncertain.items.slice(0, 5).map((i) => i.id)
    const accepted = await call<{ changed: string[] }>('model.accept', { ids, minProbability: 0 })
    expect(accepted.changed.length).toBeGreaterThan(0)
    const queue = await call<ReviewPage>('review.queue', { queue: 'accepted' })
    expect(queue.state).toBe('ready')
    expect(queue.note).toBeNull()
    expect(queue.total).toBe(accepted.changed.length)
    expect(queue.items.every((i) => i.probabilities.length === 3)).toBe(true)
  })

  it("the dashboard's AP says it is the quick model's provisional held-out figure", async () => {
    const d = await call<Dashboard>('explore.dashboard')
    expect(d.ap?.runId).toBe(quickId)
    expect(d.ap?.provisional).toBe(true)
    const valSize = core.db.prepare('SELECT val_size FROM model_runs WHERE id = ?').pluck().get(quickId) as number
    expect(d.ap?.basis).toMatch(new RegExp(`provisional.*quick first model.*held-out ${valSize} posters.*cross-validated`))
    // Per-genre intervals from its predictions for the labelled posters it never trained on.
    expect(d.ap!.genres.length).toBe(3)
    for (const g of d.ap!.genres) {
      expect(g.low, g.genre).not.toBeNull()
      expect(g.low!).toBeLessThanOrEqual(g.high!)
      expect(g.high!).toBeLessThanOrEqual(1)
    }
    // A genre's errors (the Train view's AP bars) need out-of-fold predictions too.
    await expect(call('model.errors', { genre: 'Red' })).rejects.toThrow(/conflict: run \d+ is a quick first model: its errors .* come with the cross-validated run/)
  })

  it('Explore reads the one-pass set and says so; the Train status counts both sets', async () => {
    const fallback = (f: ExploreFeatures) => {
      expect(f.fallback).toBe(true)
      expect(f.version).toBe(FIRST)
      expect(f.name).toBe(FIRST_FEATURES)
      expect(f.passes).toBe(1)
      expect(f.note).toMatch(new RegExp(`one-pass features.*${DEFAULT_NAME} is embedded for 0 of ${N + 1} posters`))
    }
    const similar = await call<{ embedded: number; anchorEmbedded: boolean; neighbours: { id: string }[]; features: ExploreFeatures }>('explore.similar', { id: 'tt0007000', k: 5 })
    fallback(similar.features)
    expect(similar.anchorEmbedded).toBe(true)
    expect(similar.embedded).toBe(N + 1)
    const copy = core.db.prepare("SELECT id FROM posters WHERE path LIKE '%tt0007000-copy.jpg'").pluck().get() as string
    expect(similar.neighbours[0].id).toBe(copy)
    const dups = await call<{ embedded: number; clusters: DuplicateCluster[]; features: ExploreFeatures }>('explore.duplicates')
    fallback(dups.features)
    expect(dups.clusters.some((c) => c.members.map((m) => m.id).sort().join() === [copy, 'tt0007000'].sort().join())).toBe(true)
    const { jobId } = await call<{ jobId: string }>('explore.computeMap', {})
    await finish(jobId)
    const map = await call<MapState>('explore.map')
    fallback(map.features)
    expect(map.computedWith).toBe(FIRST)
    expect(map.points).toHaveLength(N + 1)
    // The map computation embedded nothing of the default set.
    expect(core.db.prepare('SELECT COUNT(*) FROM embeddings WHERE features = ?').pluck().get(RICH)).toBe(0)
    const status = await call<ModelStatus>('model.status')
    expect(status.featureSets.map((f) => [f.name, f.passes, f.embedded])).toEqual([
      [FIRST_FEATURES, 1, N + 1],
      [DEFAULT_NAME, FEATURE_SETS[DEFAULT_NAME].views.length * 2, 0],
    ])
    expect(status.featureSets[0].use).toMatch(/active quick first model/)
    expect(status.featureSets[1].use).toMatch(/cross-validated run/)
  })

  it('once the cross-validated run has embedded the default set, every view moves to it', async () => {
    const { jobId } = await call<{ jobId: string }>('model.train', { kind: 'head', quick: true })
    await finish(jobId)
    expect((await call<ModelStatus>('model.status')).activeRun).not.toBe(quickId)
    // The run embedded its labelled posters, the prediction of every poster that follows the rest.
    for (const p of running('predict')) await finish(p.jobId)
    // Posters labelled by accepted predictions are neither trained on nor predicted again: the default set lacks them.
    const rich = (await call<ModelStatus>('model.status')).featureSets
    expect(rich.map((f) => f.name)).toEqual([DEFAULT_NAME])
    expect(rich[0].embedded).toBeGreaterThanOrEqual(0.95 * (N + 1))
    const suspect = await call<ReviewPage>('review.queue', { queue: 'suspect' })
    expect(suspect.state).toBe('ready')
    expect((await call<Dashboard>('explore.dashboard')).ap?.provisional).toBe(false)
    const similar = await call<{ features: ExploreFeatures; neighbours: unknown[] }>('explore.similar', { id: 'tt0007000', k: 5 })
    expect(similar.features).toMatchObject({ fallback: false, version: RICH, note: null })
    expect(similar.neighbours.length).toBe(5)
    // The map laid out on the one-pass set is laid out again on the default set, not extended.
    const before = await call<MapState>('explore.map')
    expect(before.computedWith).toBe(FIRST)
    const m = await call<{ jobId: string }>('explore.computeMap', { full: false })
    await finish(m.jobId)
    const after = await call<MapState>('explore.map')
    expect(after.computedWith).toBe(RICH)
    expect(core.db.prepare('SELECT COUNT(*) FROM map_points WHERE features = ?').pluck().get(RICH)).toBe(N + 1)
    // The map embedded the posters the default set still lacked.
    expect((await call<ModelStatus>('model.status')).featureSets.map((f) => [f.name, f.embedded])).toEqual([[DEFAULT_NAME, N + 1]])
  }, 300_000)
})
