// Two runs compared on one basis: the figures carried to a kept ensemble's size beside those
// measured out of fold, per summary figure and per genre.
import { describe, expect, it } from 'vitest'
import { defaultBasis, runFigure, runGenreAp } from '../../src/renderer/src/lib/compare-runs'
import { extrapolateToMembers } from '../../src/main/ml/eval/ensemble-size'
import type { ModelEvaluation, RunDetail } from '../../src/shared/api'

const summary = (x: number) => ({ macroAp: x, microAp: x + 0.2, macroF1: x, microF1: x, hit1: x, hit3: x + 0.4 })
const evaluation = (x: number): ModelEvaluation => ({
  posters: 100,
  model: summary(x),
  prior: summary(0.1),
  genres: [{ genre: 'Drama', ap: x + 0.3, f1: 0.5, threshold: 0.4, support: 40 } as ModelEvaluation['genres'][number]],
  rare: [],
  minSupport: 5,
  method: 'cross-validation',
})
const run = (id: number, ev: ModelEvaluation) => ({ id, model: ev.model, evaluation: ev }) as unknown as RunDetail

describe('compared runs', () => {
  // Two deals at 0.26 and 0.27 alone, 0.28 together: carried to 11 members the figures rise.
  const carried = run(2, extrapolateToMembers(evaluation(0.28), [evaluation(0.26), evaluation(0.27)], 11))
  const older = run(1, evaluation(0.279))

  it('compares a carried run with an older one as measured, figure for figure and genre by genre', () => {
    expect(carried.model.macroAp).toBeGreaterThan(0.28)
    expect(defaultBasis([older, carried])).toBe('measured')
    for (const k of ['macroAp', 'microAp', 'hit3'] as const) {
      expect(runFigure(carried, k, 'measured')).toBeCloseTo(evaluation(0.28).model[k], 10)
      expect(runFigure(older, k, 'measured')).toBe(older.model[k])
      expect(runFigure(carried, k, 'carried')).toBe(carried.model[k])
    }
    expect(runGenreAp(carried, 'Drama', 'measured')).toBeCloseTo(0.58, 10)
    expect(runGenreAp(carried, 'Drama', 'carried')).toBeGreaterThan(0.58)
    expect(runGenreAp(older, 'Drama', 'measured')).toBeCloseTo(0.579, 10)
  })

  it('keeps the runs own figures when both are of one kind; a carried run without per-genre measured figures shows none', () => {
    expect(defaultBasis([carried, run(3, carried.evaluation)])).toBe('carried')
    expect(defaultBasis([older, run(4, evaluation(0.3))])).toBe('carried')
    const before = run(5, { ...carried.evaluation, ensemble: { ...carried.evaluation.ensemble!, genreAp: undefined } })
    expect(runGenreAp(before, 'Drama', 'measured')).toBeNull()
  })
})
