// When a finished run replaces the active one: only when it scores at least as well on the
// same evaluation, i.e. the macro-AP of both runs' out-of-fold probabilities on the posters
// both were cross-validated on, scored against today's human labels, over the genres both know.
import type { Db } from '../../library/db'
import { readOutOfFold, type OutOfFold } from '../store/out-of-fold'
import { averagePrecision } from '../eval/metrics'
import type { StoredRun } from '../store/runs'
import { trainingLabels } from './data'

export interface Verdict {
  activate: boolean
  note: string
  /** The two scores compared, when they could be. */
  scores?: { candidate: number; active: number; posters: number; genres: number }
}

const MIN_SUPPORT = 5

/** Macro-AP of both runs on their common posters and genres (genres with >= 5 positives). */
export function compareOutOfFold(db: Db, a: OutOfFold, b: OutOfFold): { a: number; b: number; posters: number; genres: number } | null {
  const { labels, eligible } = trainingLabels(db, false)
  const ids = [...a.rows.keys()].filter((id) => b.rows.has(id) && eligible.has(id))
  const bIndex = new Map(b.genres.map((g, i) => [g.toLowerCase(), i]))
  const common = a.genres.map((g, i) => [i, bIndex.get(g.toLowerCase())] as const).filter((p): p is readonly [number, number] => p[1] !== undefined)
  const apsA: number[] = []
  const apsB: number[] = []
  for (const [ia, ib] of common) {
    const name = a.genres[ia].toLowerCase()
    const y = ids.map((id) => ((labels.get(id) ?? []).some((g) => g.toLowerCase() === name) ? 1 : 0))
    if (y.reduce((s: number, v) => s + v, 0) < MIN_SUPPORT) continue
    apsA.push(averagePrecision(ids.map((id) => a.rows.get(id)!.probs[ia]), y) ?? 0)
    apsB.push(averagePrecision(ids.map((id) => b.rows.get(id)!.probs[ib]), y) ?? 0)
  }
  if (apsA.length === 0) return null
  const mean = (v: number[]) => v.reduce((s, x) => s + x, 0) / v.length
  return { a: mean(apsA), b: mean(apsB), posters: ids.length, genres: apsA.length }
}

/** Two scores with 3 decimals, or as many more (up to 6) as it takes to show they differ: 0.3039 < 0.3042, not 0.304 < 0.304. */
export function distinctFixed(a: number, b: number): [string, string] {
  let digits = 3
  while (digits < 6 && a !== b && a.toFixed(digits) === b.toFixed(digits)) digits++
  return [a.toFixed(digits), b.toFixed(digits)]
}

export function activationVerdict(db: Db, candidate: StoredRun, active: StoredRun | null): Verdict {
  if (!active) return { activate: true, note: 'activated: no model was active' }
  const mine = readOutOfFold(db, candidate.id)
  const theirs = readOutOfFold(db, active.id)
  if (!mine || mine.rows.size === 0)
    return {
      activate: false,
      note: `not activated: run ${candidate.id} was not cross-validated, so it cannot be compared with the active run ${active.id} on the same posters; activate it by hand to use it`,
    }
  if (!theirs || theirs.rows.size === 0)
    // The active run predates cross-validation (or is a CNN): its figures came from a split
    // whose thresholds were tuned on the scored posters, so no comparison is fair to it; the
    // cross-validated run replaces it and says so.
    return { activate: true, note: `activated: the active run ${active.id} has no out-of-fold predictions to compare with (not cross-validated)` }
  const c = compareOutOfFold(db, mine, theirs)
  if (!c) return { activate: false, note: `not activated: run ${candidate.id} and the active run ${active.id} share no evaluable posters and genres; activate it by hand to use it` }
  const [fa, fb] = distinctFixed(c.a, c.b)
  const on = `on the ${c.posters.toLocaleString('en-US')} posters and ${c.genres} genres both were cross-validated on`
  const scores = { candidate: c.a, active: c.b, posters: c.posters, genres: c.genres }
  if (c.a >= c.b) return { activate: true, note: `activated: out-of-fold macro-AP ${fa} ≥ ${fb} of run ${active.id} ${on}`, scores }
  return { activate: false, note: `not activated: out-of-fold macro-AP ${fa} < ${fb} of the active run ${active.id} ${on}; activate it by hand to use it anyway`, scores }
}
