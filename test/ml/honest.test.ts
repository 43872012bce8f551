// Honest figures: thresholds never tuned on the predictions they are applied to, bootstrap
// intervals that contain the point estimate and narrow with more posters.
import { describe, expect, it } from 'vitest'
import { bootstrapIntervals, foldThresholds, honestEvaluation, WeightedFigures } from '../../src/main/ml/eval/honest'
import { bestF1Threshold, evaluate } from '../../src/main/ml/eval/metrics'
import { mulberry32 } from '../../src/shared/random'

/** Scores that rank positives higher, imperfectly. */
function scored(n: number, g: number, seed: number) {
  const rand = mulberry32(seed)
  const s = new Float32Array(n * g)
  const y = new Float32Array(n * g)
  for (let i = 0; i < n; i++)
    for (let c = 0; c < g; c++) {
      y[i * g + c] = rand() < 0.25 + 0.05 * c ? 1 : 0
      s[i * g + c] = Math.min(1, Math.max(0, 0.35 * y[i * g + c] + 0.65 * rand()))
    }
  const fold = Int32Array.from({ length: n }, (_, i) => i % 5)
  return { s, y, fold }
}

describe('cross-fold thresholds', () => {
  it("a fold's thresholds do not depend on that fold's own predictions", () => {
    const g = 3
    const { s, y, fold } = scored(500, g, 1)
    const before = foldThresholds(s, y, g, fold, 5)
    // Scramble fold 2's scores: only the other folds' thresholds may move.
    const rand = mulberry32(99)
    const t = s.slice()
    for (let i = 0; i < 500; i++) if (fold[i] === 2) for (let c = 0; c < g; c++) t[i * g + c] = rand()
    const after = foldThresholds(t, y, g, fold, 5)
    expect(after[2]).toEqual(before[2])
    expect([0, 1, 3, 4].some((f) => JSON.stringify(after[f]) !== JSON.stringify(before[f]))).toBe(true)
  })

  it('reported F1 uses the other folds thresholds, not the ones tuned on all rows', () => {
    const g = 3
    const { s, y, fold } = scored(400, g, 2)
    const prior = [0.25, 0.3, 0.35]
    const { evaluation, thresholds } = honestEvaluation(s, y, ['A', 'B', 'C'], fold, 5, prior, { replicates: 50 })
    // F1 with thresholds tuned on the very rows it is measured on is optimistic: the honest one is lower.
    const optimistic = evaluate(s, y, ['A', 'B', 'C'], prior).model.macroF1
    expect(evaluation.model.macroF1).toBeLessThan(optimistic)
    // AP needs no threshold: identical to the plain evaluator on the same predictions.
    expect(evaluation.model.macroAp).toBeCloseTo(evaluate(s, y, ['A', 'B', 'C'], prior).model.macroAp, 10)
    expect(thresholds).toHaveLength(3)
    expect(evaluation.method).toBe('cross-validation')
    expect(evaluation.folds).toBe(5)
  })
})

describe('bootstrap intervals', () => {
  it('contain the point estimate and narrow with more posters', () => {
    const g = 4
    const width = (n: number) => {
      const { s, y, fold } = scored(n, g, 3)
      const { evaluation } = honestEvaluation(s, y, ['A', 'B', 'C', 'D'], fold, 5, [0.25, 0.3, 0.35, 0.4], { replicates: 200 })
      for (const k of ['macroAp', 'microAp', 'macroF1', 'microF1', 'hit1', 'hit3'] as const) {
        const [lo, hi] = evaluation.intervals!.model[k]
        expect(lo, k).toBeLessThanOrEqual(evaluation.model[k])
        expect(hi, k).toBeGreaterThanOrEqual(evaluation.model[k])
        expect(hi - lo, k).toBeGreaterThan(0)
      }
      const [lo, hi] = evaluation.intervals!.model.macroAp
      return hi - lo
    }
    const small = width(200)
    const large = width(3200)
    // Width shrinks like 1/sqrt(n): 16x the posters, about a quarter of the width.
    expect(large).toBeLessThan(small / 2.5)
  })

  it('brackets the figures the plain evaluator computes on the same posters', () => {
    const g = 3
    const { s, y } = scored(300, g, 4)
    const decided = new Uint8Array(300 * g).fill(1)
    const iv = bootstrapIntervals(s, y, g, [0, 1, 2], decided, { replicates: 300, seed: 5 })
    const plain = evaluate(s, y, ['A', 'B', 'C'], [0.3, 0.3, 0.3], { thresholds: [-Infinity, -Infinity, -Infinity] }).model
    expect(iv.macroAp[0]).toBeLessThan(plain.macroAp)
    expect(iv.macroAp[1]).toBeGreaterThan(plain.macroAp)
    expect(iv.microF1[0]).toBeLessThan(plain.microF1)
    expect(iv.microF1[1]).toBeGreaterThan(plain.microF1)
  })
})

describe('the weighted bootstrap', () => {
  /** Scores on a few levels (long runs of ties), labels, thresholds and their decisions. */
  function tied(rand: () => number) {
    const n = 2 + Math.floor(rand() * 80)
    const g = 1 + Math.floor(rand() * 5)
    const levels = 2 + Math.floor(rand() * 6)
    const s = new Float32Array(n * g).map(() => Math.floor(rand() * levels) / levels)
    const y = new Float32Array(n * g).map(() => (rand() < 0.35 ? 1 : 0))
    const thresholds = Array.from({ length: g }, () => Math.floor(rand() * levels) / levels)
    const decided = Uint8Array.from(s, (v, i) => (v >= thresholds[i % g] ? 1 : 0))
    return { n, g, s, y, thresholds, decided, genres: Array.from({ length: g }, (_, c) => `G${c}`) }
  }
  /** The rows drawn `w[i]` times each, side by side: the resample itself. */
  function resample(m: Float32Array, g: number, w: Float64Array) {
    const out: number[] = []
    w.forEach((times, i) => {
      for (let t = 0; t < times; t++) out.push(...m.subarray(i * g, (i + 1) * g))
    })
    return new Float32Array(out)
  }

  it('a replicate weighted by draw counts equals every figure recomputed on the resampled posters', () => {
    const rand = mulberry32(17)
    for (let t = 0; t < 200; t++) {
      const { n, g, s, y, thresholds, decided, genres } = tied(rand)
      const cols = Array.from({ length: g }, (_, c) => c)
      const figures = new WeightedFigures(s, y, g, cols, decided)
      const w = new Float64Array(n)
      for (let i = 0; i < n; i++) w[Math.floor(rand() * n)]++
      const plain = evaluate(resample(s, g, w), resample(y, g, w), genres, cols.map(() => 0.5), { thresholds, minSupport: 0 }).model
      expect(figures.summary(w)).toEqual(plain)
    }
  })

  it('intervals equal a bootstrap that resamples the posters and recomputes every figure', () => {
    const rand = mulberry32(23)
    for (let t = 0; t < 20; t++) {
      const { n, g, s, y, thresholds, decided, genres } = tied(rand)
      const cols = Array.from({ length: g }, (_, c) => c)
      const replicates = 40
      const seed = 100 + t
      const draws = mulberry32(seed)
      const samples = Array.from({ length: replicates }, () => {
        const w = new Float64Array(n)
        for (let i = 0; i < n; i++) w[Math.floor(draws() * n)]++
        return evaluate(resample(s, g, w), resample(y, g, w), genres, cols.map(() => 0.5), { thresholds, minSupport: 0 }).model
      })
      const q = (k: keyof (typeof samples)[number], p: number) => samples.map((m) => m[k]).sort((a, b) => a - b)[Math.round(p * (replicates - 1))]
      const iv = bootstrapIntervals(s, y, g, cols, decided, { replicates, seed })
      for (const k of ['macroAp', 'microAp', 'macroF1', 'microF1', 'hit1', 'hit3'] as const) expect(iv[k], k).toEqual([q(k, 0.025), q(k, 0.975)])
    }
  })

  it("fold thresholds equal the F1-best threshold on the other folds' rows alone", () => {
    const rand = mulberry32(29)
    for (let t = 0; t < 100; t++) {
      const { n, g, s, y } = tied(rand)
      const k = 2 + Math.floor(rand() * 4)
      const fold = Int32Array.from({ length: n }, () => Math.floor(rand() * k))
      const per = foldThresholds(s, y, g, fold, k)
      for (let f = 0; f < k; f++) {
        const rows = Array.from({ length: n }, (_, i) => i).filter((i) => fold[i] !== f)
        for (let c = 0; c < g; c++) {
          const own = bestF1Threshold(
            rows.map((i) => s[i * g + c]),
            rows.map((i) => y[i * g + c]),
          ).threshold
          expect(per[f][c]).toBe(own)
        }
      }
    }
  })
})
