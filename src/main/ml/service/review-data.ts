// What the Train view reads to point at fixes: one genre's out-of-fold errors, and how many
// posters a person corrected since the active model was trained (the retrain offer).
import { ApiError } from '../../../shared/api'
import type { Db } from '../../library/db'
import { readOutOfFold } from '../store/out-of-fold'
import { activeRun, getRun } from '../store/runs'
import { trainingLabels } from './data'
import { deltaIds, isDelta } from '../../library/delta'

/** Accepting predictions is not a correction; every other label edit is. */
const NOT_A_CORRECTION = 'Accept predicted%'

/**
 * Distinct posters whose labels a person edited (entries not undone) since `since` (ms): label
 * edits only (a title edit, a deletion or a genre merge corrects no label), accepted
 * predictions left out, and a poster edited ten times counted once.
 */
export function correctionsSince(db: Db, since: number | null): number {
  if (since === null) return 0
  const rows = db
    .prepare(`SELECT changes FROM history WHERE at > ? AND undone = 0 AND kind = 'labels' AND description NOT LIKE ?`)
    .pluck()
    .all(since, NOT_A_CORRECTION) as string[]
  const ids = new Set<string>()
  for (const r of rows) {
    const d = JSON.parse(r) as unknown
    if (isDelta(d)) for (const id of deltaIds(d)) ids.add(id)
    else if (Array.isArray(d)) for (const c of d as { id?: string }[]) if (typeof c?.id === 'string') ids.add(c.id)
  }
  return ids.size
}

/** When the latest model run was trained (activated or not): the offer to retrain counts from there. */
export function lastTrainedAt(db: Db): number | null {
  return (db.prepare('SELECT MAX(created_at) FROM model_runs').pluck().get() as number | null) ?? null
}

interface Errors {
  runId: number
  genre: string
  threshold: number
  falsePositives: { id: string; probability: number }[]
  falseNegatives: { id: string; probability: number }[]
  totalFalsePositives: number
  totalFalseNegatives: number
}

/**
 * One genre's errors among a run's out-of-fold predictions against today's human labels, at
 * the run's threshold: false positives highest probability first, false negatives lowest first.
 */
export function genreErrors(db: Db, runId: number | undefined, genre: string, limit: number): Errors {
  const run = runId === undefined ? activeRun(db) : getRun(db, runId)
  if (!run) throw new ApiError(runId === undefined ? 'conflict' : 'not-found', runId === undefined ? 'no model is active yet: train one first' : `no model run ${runId}`)
  const c = run.genres.findIndex((g) => g.toLowerCase() === genre.toLowerCase())
  if (c < 0) throw new ApiError('invalid-args', `run ${run.id} has no genre "${genre}" (it knows ${run.genres.join(', ')})`)
  const oof = readOutOfFold(db, run.id)
  if (!oof || oof.rows.size === 0)
    throw new ApiError(
      'conflict',
      run.config.quick === true
        ? `run ${run.id} is a quick first model: its errors on posters it never saw come with the cross-validated run that follows it (Train view)`
        : `run ${run.id} has no out-of-fold predictions (it was not cross-validated): retrain to see its errors`,
    )
  const { labels } = trainingLabels(db, false)
  const name = run.genres[c].toLowerCase()
  const threshold = run.thresholds[c]
  const fp: { id: string; probability: number }[] = []
  const fn: { id: string; probability: number }[] = []
  for (const [id, r] of oof.rows) {
    const have = labels.get(id)
    // Posters no longer labelled by a person are no evidence either way.
    if (!have) continue
    const positive = have.some((g) => g.toLowerCase() === name)
    const p = r.probs[c]
    const predicted = p >= threshold
    if (predicted && !positive) fp.push({ id, probability: p })
    else if (!predicted && positive) fn.push({ id, probability: p })
  }
  fp.sort((a, b) => b.probability - a.probability || a.id.localeCompare(b.id))
  fn.sort((a, b) => a.probability - b.probability || a.id.localeCompare(b.id))
  return {
    runId: run.id,
    genre: run.genres[c],
    threshold,
    falsePositives: fp.slice(0, limit),
    falseNegatives: fn.slice(0, limit),
    totalFalsePositives: fp.length,
    totalFalseNegatives: fn.length,
  }
}
