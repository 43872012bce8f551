// Predictions of the active model: stored per (run, poster) and streamed as events;
// evaluation on labelled posters; accepting predictions as undoable labels.
import { ApiError, type HistoryState, type ModelEvaluation } from '../../../shared/api'
import type { JobContext } from '../../jobs/registry'
import { historyState, recordEdit, type Change } from '../../library/history'
import { readStates, sortGenres, type LabelState } from '../../library/labels'
import { evaluate } from '../eval/metrics'
import { validationMask } from '../train/split'
import { activeRun, getPredictions, putPredictions, type StoredRun } from '../store/runs'
import { labelsOf, postersFor } from './data'
import { genreNames } from '../../library/vocabulary'
import type { ModelService } from './model-service'

export function requireActive(svc: ModelService): StoredRun {
  const run = activeRun(svc.db)
  if (!run) throw new ApiError('conflict', 'no model is active yet: train one first')
  return run
}

export async function runPrediction(
  svc: ModelService,
  scope: 'all' | 'unlabelled' | 'selection',
  ids: string[] | undefined,
  job: JobContext,
): Promise<{ runId: number; count: number; failed: { id: string; error: string }[] }> {
  const run = requireActive(svc)
  const posters = postersFor(svc.db, { scope: scope === 'unlabelled' ? 'unlabelled' : 'all', ids: scope === 'selection' ? ids : undefined })
  let count = 0
  job.progress(0, posters.length, 'predicting')
  const { failed } = await svc.predictPosters(
    run,
    posters,
    job.signal,
    (rows) => {
      putPredictions(svc.db, run.id, rows.map((r) => ({ id: r.poster.id, probs: r.probs })))
      count += rows.length
      job.progress(count, posters.length, 'predicting')
      svc.ctx.events.emit('predict.progress', {
        jobId: job.jobId,
        runId: run.id,
        done: count,
        total: posters.length,
        genres: run.genres,
        items: rows.map((r) => ({ id: r.poster.id, probs: Array.from(r.probs, (p) => Math.round(p * 1e4) / 1e4) })),
      })
    },
    (done, total, nfailed) => svc.ctx.events.emit('embed.progress', { jobId: job.jobId, done, total, failed: nfailed, provider: svc.provider }),
  )
  return { runId: run.id, count, failed }
}

/** Evaluates the active model on labelled posters: these ids, or its own validation split. */
export async function evaluateActive(svc: ModelService, ids: string[] | undefined, signal: AbortSignal): Promise<ModelEvaluation> {
  const run = requireActive(svc)
  let posters = postersFor(svc.db, { scope: 'labelled', ids })
  if (!ids) {
    const seed = Number(run.config.splitSeed ?? 42)
    const frac = Number(run.config.valFraction ?? 0.2)
    const mask = validationMask(posters, seed, frac)
    posters = posters.filter((_, i) => mask[i])
  }
  if (posters.length === 0) throw new ApiError('invalid-args', ids ? 'none of the listed ids is a labelled poster' : 'no labelled posters to evaluate on')
  const G = run.genres.length
  const index = new Map(run.genres.map((g, i) => [g.toLowerCase(), i]))
  const labels = labelsOf(svc.db)
  const rows: { id: string; probs: Float32Array }[] = []
  await svc.predictPosters(run, posters, signal, (chunk) => rows.push(...chunk.map((r) => ({ id: r.poster.id, probs: r.probs }))))
  const scores = new Float32Array(rows.length * G)
  const y = new Float32Array(rows.length * G)
  rows.forEach((r, i) => {
    scores.set(r.probs, i * G)
    for (const g of labels.get(r.id) ?? []) {
      const c = index.get(g.toLowerCase())
      if (c !== undefined) y[i * G + c] = 1
    }
  })
  const prior = (run.config.prior as number[] | undefined) ?? run.genres.map(() => 0)
  return evaluate(scores, y, run.genres, prior, { thresholds: run.thresholds })
}

/**
 * Accepts predictions as labels with source "prediction", as ONE history entry (the same
 * undo mechanism as user edits). A genre the poster already has keeps its source.
 */
export function acceptPredictions(svc: ModelService, ids: string[], minProbability?: number): { changed: string[]; history: HistoryState } {
  const run = requireActive(svc)
  const db = svc.db
  const changed = db.transaction(() => {
    const probs = getPredictions(db, run.id, ids)
    if (probs.size === 0) throw new ApiError('conflict', 'these posters have no predictions from the active model yet: run a prediction first')
    const before = readStates(db, [...probs.keys()])
    // A genre renamed or deleted since training is not brought back by accepting.
    const vocab = new Set(genreNames(db).map((g) => g.toLowerCase()))
    const changes: Change[] = []
    for (const [id, b] of before) {
      const p = probs.get(id)!
      const have = new Set(b.genres.map(([g]) => g.toLowerCase()))
      const add = run.genres.filter((g, c) => vocab.has(g.toLowerCase()) && p[c] >= (minProbability ?? run.thresholds[c]) && !have.has(g.toLowerCase()))
      if (add.length === 0 && b.labelled) continue
      const after: LabelState = {
        labelled: true,
        edited: true,
        genres: sortGenres([...b.genres, ...add.map((g) => [g, 'prediction'] as [string, 'prediction'])]),
      }
      changes.push({ id, before: b, after })
    }
    if (changes.length === 0) return []
    const what = minProbability !== undefined ? `at or above ${Math.round(minProbability * 100)}%` : 'above their thresholds'
    recordEdit(db, `Accept predicted genres ${what} on ${changes.length} poster${changes.length === 1 ? '' : 's'}`, changes)
    return changes.map((c) => c.id)
  })()
  if (changed.length) svc.ctx.events.emit('library.changed', { reason: 'labels', ids: changed.length <= 500 ? changed : undefined })
  return { changed, history: historyState(db) }
}

/** Probabilities for image files outside the library (nothing is imported or cached). */
export async function predictFiles(
  svc: ModelService,
  paths: string[],
): Promise<{ run: StoredRun; rows: { path: string; probs: Float32Array }[]; failed: { path: string; error: string }[] }> {
  const run = requireActive(svc)
  const G = run.genres.length
  const rows: { path: string; probs: Float32Array }[] = []
  const failed: { path: string; error: string }[] = []
  if (run.kind === 'cnn') {
    const { probs } = await svc.worker.call<{ probs: Float32Array }>('predictCnn', { weightsDir: run.weightsPath, paths })
    paths.forEach((path, i) => rows.push({ path, probs: probs.slice(i * G, (i + 1) * G) }))
    return { run, rows, failed }
  }
  svc.checkRunFeatures(run)
  const vectors = await svc.embedFiles(paths)
  const ok: string[] = []
  for (const p of paths) {
    const v = vectors.get(p)
    if (v instanceof Float32Array) ok.push(p)
    else failed.push({ path: p, error: v ?? 'not processed' })
  }
  const x = new Float32Array(ok.length * svc.dims)
  ok.forEach((p, i) => x.set(vectors.get(p) as Float32Array, i * svc.dims))
  if (ok.length) {
    await svc.predictRows(run, x, undefined, (offset, probs) => {
      for (let i = 0; i < probs.length / G; i++) rows.push({ path: ok[offset + i], probs: probs.slice(i * G, (i + 1) * G) })
    })
  }
  return { run, rows, failed }
}
