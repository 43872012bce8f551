// The cross-validation's figures describe averages of `deals` models (each poster is scored by
// the fold model of every deal that held it out), but the kept model averages `members` (the
// refit and every fold model), so the raw out-of-fold figures read low. With equicorrelated
// member errors, an average of m members has error variance σ²(ρ + (1 − ρ)/m), and to first
// order a figure moves linearly in 1/m: F(m) = F∞ − c/m. Each deal alone (m = 1) and all deals
// together (m = deals) fix c; the estimate is F(members). Nothing here looks at posters the
// figures do not come from: the two points are both out of fold.
// bench/honest.ts, splits 1 / 2 / 3, reported minus held-out macro-AP: -0.013 / -0.017 / -0.038
// from the two-deal figures, -0.004 / -0.007 / -0.030 extrapolated to the 11 members.
import type { GenreMetric, MetricSummary, ModelEvaluation } from '../../../shared/api'

const KEYS: (keyof MetricSummary)[] = ['macroAp', 'microAp', 'macroF1', 'microF1', 'hit1', 'hit3']

/** F(members) from F(deals) and the mean single-deal F(1), on the line F = F∞ − c/m; every figure here is a proportion, so kept in [0, 1]. */
export function atMembers(fDeals: number, fSingle: number, deals: number, members: number): number {
  if (deals < 2 || members < 1) return fDeals
  const c = (fDeals - fSingle) / (1 - 1 / deals)
  return Math.min(1, Math.max(0, fDeals + c * (1 / deals - 1 / members)))
}

const mean = (v: number[]) => v.reduce((s, x) => s + x, 0) / v.length

/**
 * The evaluation of all deals together, its figures (summary, per genre, intervals shifted
 * by the same amount) carried to an average of `members` models using `singles`, the same
 * evaluation of each deal alone. The measured figures stay in `ensemble.outOfFold`.
 */
export function extrapolateToMembers(all: ModelEvaluation, singles: ModelEvaluation[], members: number): ModelEvaluation {
  const deals = singles.length
  if (deals < 2 || members === deals) return all
  const model = { ...all.model }
  for (const k of KEYS) model[k] = atMembers(all.model[k], mean(singles.map((s) => s.model[k])), deals, members)
  const genre = (list: 'genres' | 'rare') => (m: GenreMetric): GenreMetric => {
    const same = singles.map((s) => s[list].find((x) => x.genre === m.genre))
    if (same.some((x) => !x)) return m
    const aps = same.map((x) => x!.ap)
    return {
      ...m,
      ap: m.ap === null || aps.some((a) => a === null) ? m.ap : atMembers(m.ap, mean(aps as number[]), deals, members),
      f1: atMembers(m.f1, mean(same.map((x) => x!.f1)), deals, members),
    }
  }
  const shift = (k: keyof MetricSummary) => model[k] - all.model[k]
  const iv = all.intervals
  return {
    ...all,
    model,
    genres: all.genres.map(genre('genres')),
    rare: all.rare.map(genre('rare')),
    intervals: iv && {
      ...iv,
      model: Object.fromEntries(KEYS.map((k) => [k, [Math.max(0, iv.model[k][0] + shift(k)), Math.min(1, iv.model[k][1] + shift(k))]])) as typeof iv.model,
    },
    ensemble: { members, deals, outOfFold: all.model, genreAp: [...all.genres, ...all.rare].map((g) => ({ genre: g.genre, ap: g.ap })) },
  }
}
