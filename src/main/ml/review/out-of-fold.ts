// Out-of-fold probabilities for the suspect queue: every human-labelled poster scored by a
// head that never saw it (grouped k-fold over cached embeddings, byte-identical artwork kept
// in one fold). The queue reads them only through `outOfFold`, so where they come from can
// change without touching the ranking.
import { mkdtempSync, rmSync, mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { ApiError } from '../../../shared/api'
import { seededUnit } from '../train/split'
import type { TrainDone } from '../worker/methods'
import { DEFAULT_HEAD, type HeadConfig } from '../train/head'
import { featureMatrix, postersFor, type PosterRow } from '../service/data'
import type { ModelService } from '../service/model-service'
import { activeRun, type StoredRun } from '../store/runs'
import { humanLabels } from './labels'

export interface OutOfFold {
  /** The active run the probabilities belong to (its genres and features). */
  runId: number
  genres: string[]
  ids: string[]
  /** ids.length × genres.length, row-major. */
  probs: Float32Array
  seconds: number
}

export const DEFAULT_FOLDS = 5

/** Fold of each item: groups (same content hash) share a fold, decided by the group's smallest id. */
export function groupedFolds(items: { id: string; hash: string }[], k: number, seed: number): number[] {
  const key = new Map<string, string>()
  for (const it of items) {
    const g = key.get(it.hash)
    if (g === undefined || it.id < g) key.set(it.hash, it.id)
  }
  return items.map((it) => Math.min(k - 1, Math.floor(seededUnit(seed, `fold:${key.get(it.hash)}`) * k)))
}

const cache = new WeakMap<object, { key: string; value: Promise<OutOfFold> }>()

/**
 * Out-of-fold probabilities (FOLD_HEAD heads) over the human-labelled posters with
 * cached embeddings, computed once per active run and kept in memory: corrections made while
 * reviewing are read fresh by the ranking, so they do not retrain the folds.
 */
export function outOfFold(svc: ModelService, signal: AbortSignal, opts: { folds?: number; seed?: number } = {}): Promise<OutOfFold> {
  const run = activeRun(svc.db)
  if (!run) throw new ApiError('conflict', 'no model is active yet: train one first')
  if (run.kind !== 'head') throw new ApiError('conflict', 'the suspect queue needs a head model on cached embeddings (the active run is a CNN)')
  svc.checkRunFeatures(run)
  const key = `${run.id}|${opts.folds ?? DEFAULT_FOLDS}|${opts.seed ?? 1}`
  const hit = cache.get(svc)
  if (hit?.key === key) return hit.value
  const value = computeOutOfFold(svc, run, humanLabels(svc.db), signal, opts)
  cache.set(svc, { key, value })
  value.catch(() => {
    if (cache.get(svc)?.value === value) cache.delete(svc)
  })
  return value
}

/** The active run's out-of-fold probabilities when they are computed already, else null. */
export async function peekOutOfFold(svc: ModelService): Promise<OutOfFold | null> {
  const run = activeRun(svc.db)
  const hit = cache.get(svc)
  if (!run || !hit || !hit.key.startsWith(`${run.id}|`)) return null
  const settled = await Promise.race([hit.value.then((v) => v, () => null), new Promise<undefined>((r) => setImmediate(() => r(undefined)))])
  return settled ?? null
}

async function computeOutOfFold(
  svc: ModelService,
  run: StoredRun,
  labels: Map<string, string[]>,
  signal: AbortSignal,
  opts: { folds?: number; seed?: number },
): Promise<OutOfFold> {
  const t0 = performance.now()
  const k = opts.folds ?? DEFAULT_FOLDS
  const seed = opts.seed ?? 1
  const G = run.genres.length
  const index = new Map(run.genres.map((g, i) => [g.toLowerCase(), i]))
  // Human-labelled posters whose embedding is cached (the queue never embeds: that is training's job).
  const all = postersFor(svc.db, { scope: 'labelled' }).filter((p) => labels.has(p.id))
  const cached = new Set(
    (svc.db.prepare('SELECT hash FROM embeddings WHERE backbone = ? AND features = ?').pluck().all(svc.key.backbone, svc.key.features) as string[]),
  )
  const posters: PosterRow[] = all.filter((p) => cached.has(p.hash))
  if (posters.length < k * 2) throw new ApiError('conflict', `the suspect queue needs at least ${k * 2} human-labelled posters with embeddings; train first`)
  const y = new Float32Array(posters.length * G)
  posters.forEach((p, i) => {
    for (const g of labels.get(p.id) ?? []) {
      const c = index.get(g.toLowerCase())
      if (c !== undefined) y[i * G + c] = 1
    }
  })
  const x = await featureMatrix(svc.db, svc.key, posters, svc.dims)
  const fold = groupedFolds(posters, k, seed)
  const probs = new Float32Array(posters.length * G)
  mkdirSync(join(svc.ctx.dir, 'models'), { recursive: true })
  const dir = mkdtempSync(join(svc.ctx.dir, 'models', '.oof-'))
  try {
    for (let f = 0; f < k; f++) {
      if (signal.aborted) throw new ApiError('conflict', 'cancelled')
      const held: number[] = []
      const train: number[] = []
      const stop: number[] = []
      posters.forEach((p, i) => {
        if (fold[i] === f) held.push(i)
        // A tenth of the training folds decides early stopping, as in a normal run.
        else if (seededUnit(seed + 1, p.id) < 0.1) stop.push(i)
        else train.push(i)
      })
      if (held.length === 0) continue
      const weightsDir = join(dir, `fold-${f}`)
      await svc.worker.call<TrainDone>(
        'train',
        { genres: run.genres, dims: svc.dims, y, train, stop, val: stop, head: { ...foldHead(train.length), seed }, ensemble: 1, prior: run.genres.map(() => 0), weightsDir },
        { signal, upload: x },
      )
      const hx = new Float32Array(held.length * svc.dims)
      held.forEach((r, i) => hx.set(x.subarray(r * svc.dims, (r + 1) * svc.dims), i * svc.dims))
      await svc.predictRows({ ...run, weightsPath: weightsDir }, hx, signal, (offset, p) => {
        for (let i = 0; i < p.length / G; i++) probs.set(p.subarray(i * G, (i + 1) * G), held[offset + i] * G)
      })
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
  return { runId: run.id, genres: run.genres, ids: posters.map((p) => p.id), probs, seconds: (performance.now() - t0) / 1000 }
}

/**
 * The fold heads: linear, at most 15 epochs. On the shared posters their out-of-fold ranking
 * finds 0.32 of the swapped labels in its top k, the default 128-unit head 0.34 (within noise)
 * at four times the time (about 60 s for 5 folds on 2 cores instead of 14 s).
 */
export const FOLD_HEAD: Partial<HeadConfig> = { hidden: 0, epochs: 15, patience: 3 }

/** Small libraries get more epochs, so every fold head takes at least ~400 optimiser steps. */
export function foldHead(trainRows: number): Partial<HeadConfig> {
  const batches = Math.max(1, Math.ceil(trainRows / DEFAULT_HEAD.batchSize))
  const epochs = Math.min(400, Math.max(FOLD_HEAD.epochs!, Math.ceil(400 / batches)))
  return { ...FOLD_HEAD, epochs, patience: Math.max(FOLD_HEAD.patience!, Math.round(epochs / 5)) }
}
