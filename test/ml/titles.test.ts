// Title evidence: the hashed title block, title dropout in cross-validation, the fold
// ensemble, and predictions with and without titles, through the worker's own methods.
import { tfEngines } from '../../src/main/ml/train/head-tf'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import {
  appendTitles,
  headInput,
  titleDropped,
  titledTrainingRows,
  titleTokens,
  usableTitle,
  TITLE_BUCKETS,
  TITLE_DIMS,
  TITLE_DROPOUT,
  type TitledPoster,
} from '../../src/main/ml/text/title-features'
import { crossValidate } from '../../src/main/ml/train/folds'
import { inThreadRunner, type HeadRunner, type HeadTask } from '../../src/main/ml/train/head-pool'
import { DEFAULT_HEAD, macroAp } from '../../src/main/ml/train/head'
import { loadTf } from '../../src/main/ml/train/tf-backend'
import { loadHeads } from '../../src/main/ml/store/weights'
import { mulberry32 } from '../../src/shared/random'

/** The title blocks alone: image rows of no width with each poster's block appended. */
const titleBlock = (posters: TitledPoster[]) => appendTitles(new Float32Array(0), 0, posters)

const work = mkdtempSync(join(tmpdir(), 'posterity-titles-'))
afterAll(() => rmSync(work, { recursive: true, force: true }))

describe('the title block', () => {
  it('folds case and accents, hashes words, pairs and trigrams, and buckets the year', () => {
    const t = titleTokens('Amélie', 2001)
    expect(t).toContain('w:amelie')
    expect(t).toContain('c:<am')
    expect(t).toContain('c:ie>')
    expect(t).toContain('y:2000')
    expect(titleTokens('AMELIE', 2004)).toEqual(t)
    expect(titleTokens('Night of the Living Dead', null)).toContain('b:living dead')
    expect(titleTokens('Heat', null).some((x) => x.startsWith('y:'))).toBe(false)
  })

  it('treats no title, an empty one and an id as no title at all', () => {
    expect(usableTitle({ id: 'tt0113277', title: 'Heat', year: 1995 })).toBe(true)
    for (const title of [null, '', '   ', 'tt0113277', 'tt0999999', 'poster-7'])
      expect(usableTitle({ id: 'poster-7', title, year: 1995 }), String(title)).toBe(false)
    const x = titleBlock([{ id: 'a', title: 'tt0113277', year: 1995 }])
    expect(x.every((v) => v === 0)).toBe(true)
  })

  it('is unit length with its flag on, the same for the same title, and differs between titles', () => {
    const [a, b, c] = [0, 1, 2].map((i) => titleBlock([{ id: 'x', title: ['Heat', 'Heat', 'Love Actually'][i], year: 1995 }]))
    let s = 0
    for (let k = 0; k < TITLE_BUCKETS; k++) s += a[k] ** 2
    expect(s).toBeCloseTo(1, 5)
    expect(a[TITLE_BUCKETS]).toBe(1)
    expect(Array.from(b)).toEqual(Array.from(a))
    expect(Array.from(c)).not.toEqual(Array.from(a))
  })

  it('appends blanked copies for dropped posters and trains them in their place', () => {
    const posters = Array.from({ length: 200 }, (_, i) => ({ id: `p${i}`, title: i === 3 ? null : `Title ${i}`, year: 2000 }))
    const d = 4
    const g = 2
    const x = new Float32Array(200 * d).map((_, k) => k)
    const y = new Float32Array(200 * g).map((_, k) => k % 3 === 0 ? 1 : 0)
    const dropped = (i: number) => titleDropped(1, posters[i].id)
    const r = titledTrainingRows(x, d, y, g, posters, dropped)
    const copies = posters.filter((p, i) => dropped(i) && usableTitle(p)).length
    // About the dropout share, never a poster without a title (it has nothing to blank).
    expect(copies / 200).toBeGreaterThan(TITLE_DROPOUT - 0.1)
    expect(copies / 200).toBeLessThan(TITLE_DROPOUT + 0.1)
    expect(r.dims).toBe(d + TITLE_DIMS)
    expect(r.x.length).toBe((200 + copies) * r.dims)
    for (let i = 0; i < 200; i++) {
      const row = r.trainRow[i]
      // The poster's own row keeps its title; the row it trains as is blank when dropped.
      expect(r.x[i * r.dims + d + TITLE_BUCKETS]).toBe(posters[i].title ? 1 : 0)
      if (row !== i) {
        expect(dropped(i)).toBe(true)
        expect(row).toBeGreaterThanOrEqual(200)
        expect(Array.from(r.x.subarray(row * r.dims, row * r.dims + d))).toEqual(Array.from(x.subarray(i * d, (i + 1) * d)))
        expect(r.x.subarray(row * r.dims + d, (row + 1) * r.dims).every((v) => v === 0)).toBe(true)
        expect(Array.from(r.y.subarray(row * g, (row + 1) * g))).toEqual(Array.from(y.subarray(i * g, (i + 1) * g)))
      }
    }
  })

  it("fits rows to a run's heads: unchanged for image-only runs, title blocks for titled ones, an error otherwise", () => {
    const x = new Float32Array(2 * 3).fill(1)
    expect(headInput(3, x, 3)).toBe(x)
    const t = headInput(3 + TITLE_DIMS, x, 3, [{ id: 'a', title: 'Heat', year: 1995 }, null])
    expect(t.length).toBe(2 * (3 + TITLE_DIMS))
    expect(t[3 + TITLE_BUCKETS]).toBe(1)
    expect(t[(3 + TITLE_DIMS) + 3 + TITLE_BUCKETS]).toBe(0)
    expect(Array.from(appendTitles(x, 3, [{ id: 'a', title: 'Heat', year: 1995 }, { id: 'b', title: null, year: null }]))).toEqual(Array.from(t))
    expect(() => headInput(7, x, 3)).toThrow(/takes 7 features a poster, these rows have 3/)
  })
})

describe('cross-validation with title dropout', () => {
  it('trains each poster as its blanked copy when dropped and scores it as itself; keeps the fold models', async () => {
    const { tf } = await loadTf()
    const n = 120
    const d = 4
    const g = 1
    const rand = mulberry32(3)
    const posters = Array.from({ length: n }, (_, i) => ({ id: `p${i}`, title: `Film ${i}`, year: null }))
    const x = new Float32Array(n * d).map(() => rand())
    const y = new Float32Array(n).map(() => (rand() < 0.4 ? 1 : 0))
    const r = titledTrainingRows(x, d, y, g, posters, (i) => titleDropped(1, posters[i].id))
    const tasks: HeadTask[] = []
    const inner = inThreadRunner(tfEngines(tf), { x: r.x, y: r.y, dims: r.dims, genres: g })
    const runner: HeadRunner = { slots: 1, close: () => inner.close(), run: (task, hooks) => (tasks.push(task), inner.run(task, hooks)) }
    const groups = { of: Int32Array.from({ length: n }, (_, i) => i), keys: posters.map((p) => p.id), count: n, nearDuplicates: 0 }
    const cv = await crossValidate(runner, { x: r.x, y: r.y, dims: r.dims, genres: g, groups, trainRow: r.trainRow }, { ...DEFAULT_HEAD, epochs: 2, hidden: 0 }, 3, 1, 1)
    await cv.refits
    expect(cv.oof.length).toBe(n * g)
    expect(cv.foldWeights).toHaveLength(3)
    const folds = tasks.filter((t) => t.earlyStop.length > 0)
    expect(folds).toHaveLength(3)
    for (const t of folds) {
      expect(t.earlyStop.every((i) => i < n)).toBe(true)
      const held = new Set(t.earlyStop)
      for (let i = 0; i < n; i++) if (!held.has(i)) expect(t.train).toContain(r.trainRow[i])
      expect(t.train.some((i) => i >= n)).toBe(true)
    }
    const refit = tasks.find((t) => t.earlyStop.length === 0)!
    expect([...refit.train].sort((a, b) => a - b)).toEqual(Array.from(r.trainRow).sort((a, b) => a - b))
  }, 60_000)
})

describe('a run that learns from titles (worker methods)', () => {
  // Genre A shows in the image (feature 0), genre B only in the title ("Dead ..." films).
  function library(n: number, seed: number) {
    const rand = mulberry32(seed)
    const d = 8
    const x = new Float32Array(n * d).map(() => rand() - 0.5)
    const y = new Float32Array(n * 2)
    const words = ['river', 'city', 'night', 'summer', 'road', 'story', 'game', 'house']
    const titles = Array.from({ length: n }, (_, i) => {
      const a = rand() < 0.4
      const b = rand() < 0.3
      if (a) {
        y[i * 2] = 1
        x[i * d] += 1.5
      }
      if (b) y[i * 2 + 1] = 1
      const w = words[Math.floor(rand() * words.length)]
      return { id: `tt${String(i).padStart(7, '0')}`, title: b ? `Dead ${w}` : `The ${w} ${i}`, year: 1990 + (i % 20) }
    })
    return { x, y, d, titles }
  }

  it('predicts from titles when given, from the image alone when blank, and averages the fold models', async () => {
    const { methods } = await import('../../src/main/ml/worker/methods')
    const train = library(1200, 5)
    const test = library(200, 6)
    const ctx = (data: Float32Array) => ({ signal: new AbortController().signal, data, progress: () => undefined })
    const base = { genres: ['A', 'B'], dims: train.d, y: train.y, items: train.titles.map((t) => ({ id: t.id, hash: t.id })), folds: 3, head: { epochs: 30 }, ensemble: 1, prior: [0.4, 0.3], replicates: 20 }
    const titled = join(work, 'titled')
    const plain = join(work, 'plain')
    const done = await methods.trainCv({ ...base, weightsDir: titled, titles: train.titles, foldEnsemble: true }, ctx(train.x))
    await methods.trainCv({ ...base, weightsDir: plain }, ctx(train.x))
    // The out-of-fold figures see the titles: genre B is learnt.
    expect(macroAp(done.oof.filter((_, k) => k % 2 === 1), train.y.filter((_, k) => k % 2 === 1), 1)).toBeGreaterThan(0.8)
    expect(loadHeads(titled)).toHaveLength(1 + 3)
    expect(loadHeads(titled)[0].dims).toBe(train.d + TITLE_DIMS)
    expect(loadHeads(plain)).toHaveLength(1)
    const predict = async (dir: string, titles?: (typeof test.titles[number] | null)[]) => {
      const out = new Float32Array(200 * 2)
      await methods.predict({ weightsDir: dir, dims: test.d, titles }, { ...ctx(test.x), progress: (p: { offset: number; probs: Float32Array }) => out.set(p.probs, p.offset * 2) })
      return out
    }
    const col = (p: Float32Array, c: number) => p.filter((_, k) => k % 2 === c)
    const withTitles = await predict(titled, test.titles)
    const blank = await predict(titled)
    const image = await predict(plain)
    const yA = col(test.y, 0)
    const yB = col(test.y, 1)
    expect(macroAp(col(withTitles, 1), yB, 1)).toBeGreaterThan(0.8)
    // Without titles genre B is out of reach (about its frequency), genre A is still seen in the image ...
    expect(macroAp(col(blank, 1), yB, 1)).toBeLessThan(0.6)
    // ... about as well as by the model that never saw a title (title dropout).
    expect(macroAp(col(blank, 0), yA, 1)).toBeGreaterThan(macroAp(col(image, 0), yA, 1) - 0.05)
    // Titles that say nothing about genre A (unique words per film) cost it little once there are enough posters.
    expect(macroAp(col(withTitles, 0), yA, 1)).toBeGreaterThan(macroAp(col(image, 0), yA, 1) - 0.05)
  }, 120_000)
})
