// The review queues through the real core and CLI: a library with known mistakes, a stored
// run with constructed out-of-fold probabilities (what training's cross-validation stores)
// and stored predictions.
import { spawnSync } from 'node:child_process'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Core } from '../../../src/main/core'
import { putRunPosters } from '../../../src/main/ml/store/out-of-fold'
import { putPredictions } from '../../../src/main/ml/store/runs'
import { insertStubRun } from '../../../src/main/ml/store/stub-run'
import type { PosterDetail, ReviewCounts, ReviewPage } from '../../../src/shared/api'
import { mulberry32 } from '../../../src/shared/random'
import { call, open, seed, tempDir } from '../../library/helpers'

const repo = resolve(__dirname, '../../..')
const GENRES = ['Action', 'Comedy', 'Drama']
const t = tempDir('posterity-review-')
const lib = join(t.dir, 'lib')
let core: Core

// 150 labelled posters, 50 per genre; three Action posters are labelled Drama by mistake.
const truth = Array.from({ length: 150 }, (_, i) => ({ id: `tt${String(100 + i).padStart(7, '0')}`, genre: GENRES[i % 3] }))
const wrong = new Set([truth[0].id, truth[3].id, truth[6].id])
const unlabelled = Array.from({ length: 6 }, (_, i) => `tt${String(900 + i).padStart(7, '0')}`)
const acceptedIds = ['tt0000801', 'tt0000802']

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, [join(repo, 'out/main/cli.js'), ...args], { cwd: repo, encoding: 'utf8', env: { ...process.env, POSTERITY_LIBRARY: '' } })
  return { code: r.status, out: r.stdout, err: r.stderr }
}

beforeAll(() => {
  core = open(lib)
  seed(core, [
    ...truth.map((p) => ({ id: p.id, title: `Film ${p.id}`, genres: [wrong.has(p.id) ? 'Drama' : p.genre] })),
    ...unlabelled.map((id) => ({ id, genres: null })),
    ...acceptedIds.map((id) => ({ id, genres: null })),
  ])
  const rand = mulberry32(3)
  const runId = insertStubRun(core.db, { genres: GENRES, trainSize: 150, seconds: 1, thresholds: [0.5, 0.2, 0.3], weightsPath: join(lib, 'models', 'none') }, true)
  // Out-of-fold: each poster's true genre around 0.8, the others around 0.1; the fold heads
  // never saw the wrong labels of the three, so they say Action.
  putRunPosters(
    core.db,
    runId,
    truth.map((p, i) => ({
      id: p.id,
      fold: i % 5,
      probs: wrong.has(p.id) ? Float32Array.of(0.9 + i / 100, 0.05, 0.03) : Float32Array.from(GENRES, (g) => (g === p.genre ? 0.6 + rand() * 0.3 : 0.05 + rand() * 0.2)),
    })),
  )
  // Stored predictions: uncertain ones for four unlabelled posters (two have none yet).
  putPredictions(core.db, runId, [
    { id: unlabelled[0], probs: Float32Array.of(0.99, 0.01, 0.02) }, // sure: Action
    { id: unlabelled[1], probs: Float32Array.of(0.5, 0.2, 0.3) }, // on every threshold
    { id: unlabelled[2], probs: Float32Array.of(0.7, 0.25, 0.1) },
    { id: unlabelled[3], probs: Float32Array.of(0.05, 0.9, 0.6) },
    { id: acceptedIds[0], probs: Float32Array.of(0.55, 0.1, 0.1) },
    { id: acceptedIds[1], probs: Float32Array.of(0.1, 0.95, 0.1) },
  ])
  // Two posters carry accepted predictions nobody confirmed.
  const gid = (g: string) => core.db.prepare('SELECT id FROM genres WHERE name = ?').pluck().get(g) as number
  core.db.prepare("INSERT INTO labels (poster_id, genre_id, source) VALUES (?, ?, 'prediction'), (?, ?, 'prediction')").run(acceptedIds[0], gid('Action'), acceptedIds[1], gid('Comedy'))
  core.db.prepare('UPDATE posters SET labelled = 1 WHERE id IN (?, ?)').run(...acceptedIds)
})

afterAll(async () => {
  await core?.close()
  t.cleanup()
})

describe('review queues through the core', () => {
  it('puts the three mislabelled posters at the top of the suspect queue, each with the fix', async () => {
    const page = await call<ReviewPage>(core, 'review.queue', { queue: 'suspect', limit: 10 })
    expect(page.state).toBe('ready')
    expect(new Set(page.items.slice(0, 3).map((i) => i.id))).toEqual(wrong)
    for (const it of page.items.slice(0, 3)) {
      expect(it.suggest).toEqual({ add: ['Action'], remove: ['Drama'] })
      expect(it.labels).toEqual([{ genre: 'Drama', source: 'imported' }])
      // Out-of-fold: the heads that scored it never saw its wrong label.
      expect(it.probabilities[0].genre).toBe('Action')
    }
    // Accepted predictions are not human labels: never audited here.
    expect(page.items.map((i) => i.id)).not.toContain(acceptedIds[0])
  })

  it('drops a poster from the suspect queue once it is fixed', async () => {
    const [first] = [...wrong]
    await call(core, 'labels.edit', { ids: [first], add: ['Action'], remove: ['Drama'] })
    const page = await call<ReviewPage>(core, 'review.queue', { queue: 'suspect', limit: 10 })
    expect(page.items.map((i) => i.id)).not.toContain(first)
    const counts = await call<ReviewCounts>(core, 'review.counts', {})
    expect(counts.suspect).toBe(page.total)
    await call(core, 'labels.undo', {})
    const again = await call<ReviewPage>(core, 'review.queue', { queue: 'suspect', limit: 10 })
    expect(again.items.map((i) => i.id)).toContain(first)
  })

  it('ranks unlabelled posters by uncertainty and says which have no prediction', async () => {
    const page = await call<ReviewPage>(core, 'review.queue', { queue: 'uncertain' })
    expect(page.items.map((i) => i.id)).toEqual([unlabelled[1], unlabelled[2], unlabelled[3], unlabelled[0]])
    expect(page.items[0].score).toBeCloseTo(1, 3)
    expect(page.items[3].suggest).toEqual({ add: ['Action'], remove: [] })
    expect(page.note).toMatch(/2 unlabelled posters have no prediction/)
    const counts = await call<ReviewCounts>(core, 'review.counts', {})
    expect(counts).toMatchObject({ uncertain: 4, unpredicted: 2, accepted: 2 })
  })

  it('lists the least certain accepted prediction first and leaves the queue once a person confirms it', async () => {
    const page = await call<ReviewPage>(core, 'review.queue', { queue: 'accepted' })
    expect(page.items.map((i) => i.id)).toEqual(acceptedIds)
    expect(page.items[0].labels).toEqual([{ genre: 'Action', source: 'prediction' }])
    await call(core, 'labels.edit', { ids: [acceptedIds[0]], add: ['Action'] })
    const p = await call<PosterDetail>(core, 'library.get', { id: acceptedIds[0] })
    expect(p.labels).toEqual([{ genre: 'Action', source: 'user' }])
    expect((await call<ReviewPage>(core, 'review.queue', { queue: 'accepted' })).items.map((i) => i.id)).toEqual([acceptedIds[1]])
    await call(core, 'labels.undo', {})
  })

  it('pages a queue', async () => {
    const a = await call<ReviewPage>(core, 'review.queue', { queue: 'uncertain', offset: 0, limit: 2 })
    const b = await call<ReviewPage>(core, 'review.queue', { queue: 'uncertain', offset: 2, limit: 2 })
    expect(a.total).toBe(4)
    expect([...a.items, ...b.items].map((i) => i.id)).toEqual([unlabelled[1], unlabelled[2], unlabelled[3], unlabelled[0]])
  })
})

describe('suggestions and the vocabulary', () => {
  it('suggests a genre renamed since the run was trained under its new name, and a deleted one never', async () => {
    await call(core, 'genres.rename', { name: 'Comedy', to: 'Comedies' })
    // unlabelled[3]: Comedy 0.9 and Drama 0.6 clear their thresholds and Accept's 50%.
    const of3 = (p: ReviewPage) => p.items.find((i) => i.id === unlabelled[3])!.suggest.add
    expect(of3(await call<ReviewPage>(core, 'review.queue', { queue: 'uncertain', limit: 4 }))).toEqual(['Comedies', 'Drama'])
    await call(core, 'genres.rename', { name: 'Comedies', to: 'Comedy' })
    await call(core, 'genres.remove', { name: 'Comedy' })
    expect(of3(await call<ReviewPage>(core, 'review.queue', { queue: 'uncertain', limit: 4 }))).toEqual(['Drama'])
    await call(core, 'labels.undo', {})
  })
})

describe('library queries by prediction', () => {
  it('filters by predicted genre (at or above its threshold) and combines with the library filter', async () => {
    const r = await call<{ total: number; items: { id: string }[] }>(core, 'library.query', { predicted: ['Comedy'], sort: 'id' })
    expect(r.items.map((i) => i.id)).toEqual([acceptedIds[1], unlabelled[1], unlabelled[2], unlabelled[3]])
    const unl = await call<{ ids: string[] }>(core, 'library.ids', { predicted: ['Comedy'], labelled: 'unlabelled', sort: 'id' })
    expect(unl.ids).toEqual([unlabelled[1], unlabelled[2], unlabelled[3]])
    // A label edit changes the library's part of the answer at once (nothing stale is kept).
    await call(core, 'labels.edit', { ids: [unlabelled[2]], add: ['Action'] })
    expect((await call<{ ids: string[] }>(core, 'library.ids', { predicted: ['Comedy'], labelled: 'unlabelled', sort: 'id' })).ids).toEqual([unlabelled[1], unlabelled[3]])
    await call(core, 'labels.undo', {})
    expect((await call<{ ids: string[] }>(core, 'library.ids', { predicted: ['Comedy'], labelled: 'unlabelled', sort: 'id' })).ids).toEqual(unl.ids)
  })

  it("sorts by a genre's probability or by uncertainty; posters without a prediction come last", async () => {
    const byAction = await call<{ total: number; items: { id: string }[] }>(core, 'library.query', {
      labelled: 'unlabelled',
      predictionSort: { by: 'probability', genre: 'action' },
      desc: true,
    })
    expect(byAction.items.map((i) => i.id).slice(0, 4)).toEqual([unlabelled[0], unlabelled[2], unlabelled[1], unlabelled[3]])
    expect(byAction.total).toBe(6)
    // Two of the six have no stored prediction: counted for the panel's note, when ordering and when filtering.
    expect(byAction).toMatchObject({ unpredicted: { without: 2, of: 6 } })
    const filtered = await call(core, 'library.query', { labelled: 'unlabelled', predicted: ['Comedy'] })
    expect(filtered.unpredicted).toEqual({ without: 2, of: 6 })
    const byDoubt = await call<{ ids: string[] }>(core, 'library.ids', { labelled: 'unlabelled', predictionSort: { by: 'uncertainty' }, desc: true })
    expect(byDoubt.ids.slice(0, 4)).toEqual([unlabelled[1], unlabelled[2], unlabelled[3], unlabelled[0]])
    const page = await call<{ total: number; items: { id: string }[] }>(core, 'library.query', {
      labelled: 'unlabelled',
      predictionSort: { by: 'uncertainty' },
      desc: true,
      offset: 1,
      limit: 2,
    })
    expect(page.items.map((i) => i.id)).toEqual([unlabelled[2], unlabelled[3]])
  })

  it('refuses a genre the model does not know', async () => {
    await expect(call(core, 'library.query', { predictionSort: { by: 'probability', genre: 'Western' } })).rejects.toThrow(/does not predict "Western"/)
  })
})

describe('posterity review', () => {
  it('prints the ranked posters as JSON in the documented form, most suspect first', () => {
    const r = cli('review', '--queue', 'suspect', '--limit', '3', '--library', lib, '--json')
    expect(r.code, r.err).toBe(0)
    const items = JSON.parse(r.out) as Record<string, unknown>[]
    expect(items).toHaveLength(3)
    for (const it of items) {
      expect(Object.keys(it)).toEqual(['id', 'score', 'labels', 'suggest'])
      expect(it.labels).toEqual(['Drama'])
      expect(it.suggest).toEqual({ add: ['Action'], remove: ['Drama'] })
    }
    expect(new Set(items.map((i) => i.id))).toEqual(wrong)
    const scores = items.map((i) => i.score as number)
    expect([...scores].sort((a, b) => b - a)).toEqual(scores)
  })

  it('prints a readable table of the uncertain queue, with the caveat on stderr', () => {
    const r = cli('review', '--queue', 'uncertain', '--library', lib)
    expect(r.code, r.err).toBe(0)
    const lines = r.out.trim().split('\n')
    expect(lines[0]).toMatch(/^uncertain queue: 4 of 4 posters, most uncertain first/)
    expect(lines[1]).toMatch(/^#\s+id\s+score\s+title\s+labels\s+suggest$/)
    expect(lines[2]).toContain(unlabelled[1])
    // On every threshold, only Action reaches Accept's 50%; unlabelled[3] gets Comedy and Drama.
    expect(lines[2]).toMatch(/\+Action$/)
    expect(lines.find((l) => l.includes(unlabelled[3]))).toContain('+Comedy +Drama')
    expect(r.err).toMatch(/2 unlabelled posters have no prediction/)
  })

  it('refuses a wrong queue or limit with exit code 2, and a library without a model with a reason', () => {
    const bad = cli('review', '--queue', 'everything', '--library', lib)
    expect(bad.code).toBe(2)
    expect(bad.err).toMatch(/--queue must be suspect, uncertain or accepted, got "everything"/)
    expect(cli('review', '--library', lib).err).toMatch(/--queue is required: suspect, uncertain or accepted/)
    expect(cli('review', '--queue', 'suspect', '--limit', '0', '--library', lib).code).toBe(2)
    const empty = join(t.dir, 'empty')
    const c = open(empty)
    seed(c, [{ id: 'tt0000001', genres: ['Drama'] }])
    void c.close()
    const none = cli('review', '--queue', 'suspect', '--library', empty)
    expect(none.code).toBe(1)
    expect(none.err).toMatch(/No model yet: train one first/)
    expect(none.out).toBe('')
  })
})
