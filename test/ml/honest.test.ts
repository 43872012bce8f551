// Honest figures: thresholds never tuned on the predictions they are applied to, bootstrap
// intervals that contain the point estimate and narrow with more posters.
import { describe, expect, it } from 'vitest'
import { bootstrapIntervals, foldThresholds, honestEvaluation } from '../../src/main/ml/eval/honest'
import { evaluate } from '../../src/main/ml/eval/metrics'
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
        const [lo, hi] = evaluation.intervals.model[k]
        expect(lo, k).toBeLessThanOrEqual(evaluation.model[k])
        expect(hi, k).toBeGreaterThanOrEqual(evaluation.model[k])
        expect(hi - lo, k).toBeGreaterThan(0)
      }
      const [lo, hi] = evaluation.intervals.model.macroAp
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
