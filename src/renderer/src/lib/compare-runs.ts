// Which figures two runs are compared on. A cross-validated run reports its figures carried to
// the size of the ensemble it keeps (evaluation.ensemble); older runs, and runs of one deal,
// report them as measured out of fold. Beside each other they compare like for like only on
// one basis: as measured (the default when the two kinds meet), or both carried.
import type { MetricSummary, RunDetail } from '../../../shared/api'

export type FigureBasis = 'carried' | 'measured'

/** How many of the runs report carried figures. */
export const carriedCount = (runs: readonly RunDetail[]) => runs.filter((r) => r.evaluation.ensemble).length

/** 'measured' when carried and measured runs are compared, else 'carried' (the runs' own figures). */
export function defaultBasis(runs: readonly RunDetail[]): FigureBasis {
  const n = carriedCount(runs)
  return n > 0 && n < runs.length ? 'measured' : 'carried'
}

/** A summary figure of the run on that basis. */
export function runFigure(r: RunDetail, k: keyof MetricSummary, basis: FigureBasis): number | null {
  return basis === 'measured' && r.evaluation.ensemble ? r.evaluation.ensemble.outOfFold[k] : r.model[k]
}

/** A genre's AP on that basis; null where the run has none (runs made before the measured per-genre figures were kept). */
export function runGenreAp(r: RunDetail, genre: string, basis: FigureBasis): number | null {
  const e = r.evaluation.ensemble
  if (basis === 'measured' && e) return e.genreAp?.find((x) => x.genre === genre)?.ap ?? null
  return r.evaluation.genres.find((x) => x.genre === genre)?.ap ?? null
}
