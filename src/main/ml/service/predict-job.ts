// Predictions of the active model: stored per (run, poster) and streamed as events;
// evaluation on labelled posters; accepting predictions as undoable labels.
import type { z } from 'zod'
import { ApiError, type AcceptRequest, type AcceptResult, type ModelEvaluation } from '../../../shared/api'
import { acceptedGenres, type AcceptanceRule } from '../../../shared/acceptance'
import type { JobContext } from '../../jobs/registry'
import { historyState, recordEdit, type Change } from '../../library/history'
import { readStates, sortGenres } from '../../library/labels'
import { evaluate } from '../eval/metrics'
import { trainingHashes, trainingIds } from '../store/out-of-fold'
import { activeRun, getPredictions, putPredictions, type StoredRun } from '../store/runs'
import { postersFor, trainingLabels } from './data'
import { genreNames } from '../../library/vocabulary'
import type { ModelService } from './model-service'
import { basename, extname } from 'node:path'
import { titleFromName } from '../../importer/naming'

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

/**
 * Evaluates the active model. With ids: on those posters a person labelled (human labels
 * only), leaving out the ones the model was trained on (counted in `excludedTrained`).
 * Without ids: the run's stored evaluation (out-of-fold for cross-validated runs).
 */
export async function evaluateActive(svc: ModelService, ids: string[] | undefined, signal: AbortSignal): Promise<ModelEvaluation> {
  const run = requireActive(svc)
  if (!ids) return run.evaluation
  const { eligible, labels } = trainingLabels(svc.db, false)
  const trained = trainingIds(svc.db, run.id)
  const listed = postersFor(svc.db, { scope: 'labelled', ids }).filter((p) => eligible.has(p.id))
  // A byte-identical copy of a trained poster is no poster the model never saw.
  const trainedHashes = trainingHashes(svc.db, run.id)
  const unseen = listed.filter((p) => !trained.has(p.id))
  const posters = unseen.filter((p) => !trainedHashes.has(p.hash))
  const excludedTrained = listed.length - unseen.length
  const excludedCopies = unseen.length - posters.length
  const notScored = new Set(ids).size - listed.length
  if (listed.length === 0) throw new ApiError('invalid-args', 'none of the listed ids is a poster labelled by a person')
  if (posters.length === 0)
    throw new ApiError('invalid-args', `all ${listed.length} listed labelled posters were in the active model's training data (or copies of posters that were): there is nothing it has not seen to score`)
  const G = run.genres.length
  const index = new Map(run.genres.map((g, i) => [g.toLowerCase(), i]))
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
  return { ...evaluate(scores, y, run.genres, prior, { thresholds: run.thresholds }), method: 'posters', excludedTrained, excludedCopies, notScored }
}

/**
 * Accepts predictions as labels with source "prediction" under the one acceptance rule, as
 * ONE history entry (the same undo mechanism as user edits). A genre the poster already has
 * keeps its source; a poster with nothing to accept is skipped, never made "no genre".
 * With `dryRun` the same summary is computed inside a transaction that writes nothing.
 */
export function acceptPredictions(svc: ModelService, req: z.output<typeof AcceptRequest>): AcceptResult {
  const run = requireActive(svc)
  const db = svc.db
  const rule: AcceptanceRule = { maxGenres: req.maxGenres, minProbability: req.minProbability }
  const ids = req.ids ?? postersFor(db, { scope: 'unlabelled' }).map((p) => p.id)
  const result = db.transaction(() => {
    const probs = getPredictions(db, run.id, ids)
    const before = readStates(db, [...probs.keys()])
    const unpredicted = ids.filter((id) => !probs.has(id))
    // A genre renamed or deleted since training is not brought back by accepting.
    const vocab = new Set(genreNames(db).map((g) => g.toLowerCase()))
    const changes: Change[] = []
    const gains = new Map<string, number>()
    const sample: { id: string; add: string[] }[] = []
    let skipped = 0
    for (const [id, b] of before) {
      // A person looked and said no genre applies: the model does not overrule that.
      if (b.labelled && b.genres.length === 0) {
        skipped++
        continue
      }
      const p = probs.get(id)!
      const scores = run.genres.map((genre, c) => ({ genre, probability: p[c], threshold: run.thresholds[c] })).filter((s) => vocab.has(s.genre.toLowerCase()))
      const have = new Set(b.genres.map(([g]) => g.toLowerCase()))
      // At most K genres on the poster in all: a poster that has K already gains none.
      const add = acceptedGenres(scores, rule)
        .filter((g) => !have.has(g.toLowerCase()))
        .slice(0, Math.max(0, rule.maxGenres - have.size))
      if (add.length === 0) {
        skipped++
        continue
      }
      for (const g of add) gains.set(g, (gains.get(g) ?? 0) + 1)
      if (sample.length < req.sample) sample.push({ id, add })
      changes.push({
        id,
        before: b,
        // Not marked as a person's edit: a labels file imported later still replaces the model's genres.
        after: { labelled: true, edited: b.edited, genres: sortGenres([...b.genres, ...add.map((g) => [g, 'prediction'] as [string, 'prediction'])]) },
      })
    }
    if (changes.length && !req.dryRun) {
      const pct = Math.round(rule.minProbability * 100)
      recordEdit(db, `Accept predicted genres (at most ${rule.maxGenres}, at or above ${pct}% and their thresholds) on ${changes.length} poster${changes.length === 1 ? '' : 's'}`, changes)
    }
    return {
      runId: run.id,
      dryRun: req.dryRun,
      considered: before.size,
      changed: changes.map((c) => c.id),
      skipped,
      unpredicted,
      gains: [...gains].map(([genre, posters]) => ({ genre, posters })).sort((a, b) => b.posters - a.posters || a.genre.localeCompare(b.genre)),
      sample,
      history: historyState(db),
    }
  })()
  if (result.changed.length && !req.dryRun)
    svc.ctx.events.emit('library.changed', { reason: 'labels', ids: result.changed.length <= 500 ? result.changed : undefined })
  return result
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
    const { probs } = await svc.worker.call('predictCnn', { weightsDir: run.weightsPath, paths })
    paths.forEach((path, i) => rows.push({ path, probs: probs.slice(i * G, (i + 1) * G) }))
    return { run, rows, failed }
  }
  const features = svc.runFeatures(run)
  const dims = svc.dimsOf(features)
  const vectors = await svc.embedFiles(paths, undefined, features)
  const ok: string[] = []
  for (const p of paths) {
    const v = vectors.get(p)
    if (v instanceof Float32Array) ok.push(p)
    else failed.push({ path: p, error: v ?? 'not processed' })
  }
  const x = new Float32Array(ok.length * dims)
  ok.forEach((p, i) => x.set(vectors.get(p) as Float32Array, i * dims))
  // Files outside the library: their names are the only title evidence ("Heat (1995).jpg").
  const titles = ok.map((p) => ({ id: p, ...titleFromName(basename(p, extname(p))) }))
  if (ok.length) {
    await svc.predictRows(
      run,
      x,
      undefined,
      (offset, probs) => {
        for (let i = 0; i < probs.length / G; i++) rows.push({ path: ok[offset + i], probs: probs.slice(i * G, (i + 1) * G) })
      },
      titles,
    )
  }
  return { run, rows, failed }
}
