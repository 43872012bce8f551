// The figures of a kept model that averages more models than the cross-validation's deals:
// extrapolated on the line F(m) = F∞ − c/m from one model and from the deals' average.
import { describe, expect, it } from 'vitest'
import { atMembers, extrapolateToMembers } from '../../src/main/ml/eval/ensemble-size'
import { honestEvaluation } from '../../src/main/ml/eval/honest'
import { mulberry32 } from '../../src/shared/random'

/** Standard normal draws (Box-Muller). */
function normal(rand: () => number): () => number {
  return () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand())
}

/**
 * Members that share a poster's signal and a common error, each with its own error too (the
 * correlated and independent parts of fold models trained on overlapping posters).
 */
function members(n: number, g: number, count: number, seed: number) {
  const rand = mulberry32(seed)
  const z = normal(rand)
  const y = new Float32Array(n * g)
  const base = new Float64Array(n * g)
  for (let i = 0; i < n * g; i++) {
    y[i] = rand() < 0.15 ? 1 : 0
    base[i] = 1.2 * y[i] + 0.9 * z()
  }
  const models = Array.from({ length: count }, () => Float64Array.from(base, (b) => b + 0.6 * z()))
  const average = (list: Float64Array[]) => {
    const p = new Float32Array(n * g)
    for (let i = 0; i < n * g; i++) p[i] = 1 / (1 + Math.exp(-list.reduce((s, m) => s + m[i], 0) / list.length))
    return p
  }
  return { y, models, average }
}

describe('figures carried to the kept ensemble', () => {
  it('atMembers passes through its two points and keeps them when there is one deal', () => {
    expect(atMembers(0.3, 0.28, 2, 2)).toBeCloseTo(0.3, 12)
    expect(atMembers(0.3, 0.28, 2, 1)).toBeCloseTo(0.28, 12)
    expect(atMembers(0.3, 0.28, 2, 11)).toBeCloseTo(0.3 + 0.02 * 2 * (0.5 - 1 / 11), 12)
    expect(atMembers(0.3, 0.28, 1, 11)).toBe(0.3)
    expect(atMembers(0.99, 0.95, 2, 11)).toBe(1)
  })

  it("predicts an 11-model average's figures from one model and two, much nearer than the two-model figures", () => {
    const g = 4
    const n = 3000
    const { y, models, average } = members(n, g, 13, 5)
    const fold = Int32Array.from({ length: n }, (_, i) => i % 5)
    const genres = ['A', 'B', 'C', 'D']
    const prior = genres.map(() => 0.15)
    const ev = (p: Float32Array, replicates = 0) => honestEvaluation(p, y, genres, fold, 5, prior, { replicates }).evaluation
    const two = ev(average(models.slice(0, 2)), 50)
    const singles = [ev(average([models[0]])), ev(average([models[1]]))]
    const estimate = extrapolateToMembers(two, singles, 11)
    const truth = ev(average(models.slice(2, 13)))
    for (const k of ["macroAp", "microAp", "hit1"] as const) {
      expect(truth.model[k]).toBeGreaterThan(two.model[k])
      expect(Math.abs(estimate.model[k] - truth.model[k])).toBeLessThan(Math.abs(two.model[k] - truth.model[k]) / 2)
    }
    // The measured figures are kept beside; intervals move with their figure.
    expect(estimate.ensemble).toEqual({ members: 11, deals: 2, outOfFold: two.model, genreAp: [...two.genres, ...two.rare].map((g) => ({ genre: g.genre, ap: g.ap })) })
    const shift = estimate.model.macroAp - two.model.macroAp
    expect(estimate.intervals!.model.macroAp[0]).toBeCloseTo(two.intervals!.model.macroAp[0] + shift, 12)
    expect(estimate.intervals!.prior).toEqual(two.intervals!.prior)
    // Per genre too, so the bars average to the summary.
    const meanAp = estimate.genres.reduce((s, m) => s + m.ap!, 0) / estimate.genres.length
    expect(meanAp).toBeCloseTo(estimate.model.macroAp, 6)
  })
})
