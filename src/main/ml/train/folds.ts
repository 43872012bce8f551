// Grouped k-fold cross-validation of the head: every poster gets a probability from a model
// that never saw it nor any duplicate of it (out-of-fold predictions). Those predictions
// carry the reported figures, tune the thresholds and feed the review queues; the model
// that is kept is refit on everything with the folds' early-stopping length.
import type { Tf } from './tf-backend'
import { trainHead, predictHead, type EpochReport, type HeadConfig, type HeadWeights, type TrainHooks } from './head'
import { seededUnit } from './split'
import type { Groups } from './groups'
import { gatherRows } from './rows'

export const DEFAULT_FOLDS = 5
/** Share of a fold's training side (whole groups) that decides early stopping. */
export const STOP_FRACTION = 0.1

/**
 * The fold (0..k-1) of each item. Whole groups move together; groups are dealt in a seeded
 * order, largest first, each to the fold with the fewest items, so folds stay balanced.
 */
export function assignFolds(groups: Groups, k: number, seed: number): Int32Array {
  if (k < 2) throw new Error(`cross-validation needs at least 2 folds, got ${k}`)
  const size = new Int32Array(groups.count)
  for (const g of groups.of) size[g]++
  const order = Array.from({ length: groups.count }, (_, g) => g)
  const rank = order.map((g) => seededUnit(seed, groups.keys[g]))
  order.sort((a, b) => size[b] - size[a] || rank[a] - rank[b])
  const foldOfGroup = new Int32Array(groups.count)
  const load = new Array<number>(k).fill(0)
  for (const g of order) {
    let f = 0
    for (let i = 1; i < k; i++) if (load[i] < load[f]) f = i
    foldOfGroup[g] = f
    load[f] += size[g]
  }
  return Int32Array.from(groups.of, (g) => foldOfGroup[g])
}

/** Splits training rows into (train, earlyStop) by whole groups: the same grouping as the folds. */
export function earlyStopSplit(rows: number[], groups: Groups, seed: number, fraction = STOP_FRACTION): { train: number[]; earlyStop: number[] } {
  const train: number[] = []
  const earlyStop: number[] = []
  for (const r of rows) (seededUnit(seed + 1, groups.keys[groups.of[r]]) < fraction ? earlyStop : train).push(r)
  // A tiny set may put every group on one side: then no early stopping (the last epoch is kept).
  if (train.length === 0) return { train: earlyStop, earlyStop: [] }
  return { train, earlyStop }
}

export interface OutOfFoldInput {
  x: Float32Array
  y: Float32Array
  dims: number
  genres: number
  groups: Groups
}

export interface OutOfFoldResult {
  /** Probabilities [rows × genres], each from the model of the fold that held the row out. */
  oof: Float32Array
  fold: Int32Array
  k: number
  /** The early-stopping epoch of each fold. */
  bestEpochs: number[]
  /** Per-fold curves (validation = the held-out fold for the first, the stopping set for the others). */
  curves: EpochReport[][]
  /** Each fold's head (fold order): averaged at prediction time, they make the fold ensemble. */
  heads: HeadWeights[]
}

export interface FoldHooks extends TrainHooks {
  onFold?: (fold: number, k: number) => void
}

/** Trains one head per fold on the other folds and predicts the held-out fold. */
export async function outOfFold(tf: Tf, input: OutOfFoldInput, cfg: HeadConfig, k: number, seed: number, hooks: FoldHooks = {}): Promise<OutOfFoldResult> {
  const n = input.x.length / input.dims
  const fold = assignFolds(input.groups, k, seed)
  const oof = new Float32Array(n * input.genres)
  const bestEpochs: number[] = []
  const curves: EpochReport[][] = []
  const heads: HeadWeights[] = []
  for (let f = 0; f < k; f++) {
    hooks.onFold?.(f, k)
    const held: number[] = []
    const rest: number[] = []
    for (let i = 0; i < n; i++) (fold[i] === f ? held : rest).push(i)
    if (held.length === 0) continue
    const { train, earlyStop } = earlyStopSplit(rest, input.groups, seed + f)
    // Only the first fold scores its held-out posters every epoch (the curves shown); the
    // others skip that work: their held-out posters are predicted once, at the end.
    const r = await trainHead(tf, { x: input.x, y: input.y, dims: input.dims, genres: input.genres, train, earlyStop, val: f === 0 ? held : [] }, cfg, hooks)
    const p = predictHead(tf, r.weights, gatherRows(input.x, input.dims, held))
    held.forEach((row, i) => oof.set(p.subarray(i * input.genres, (i + 1) * input.genres), row * input.genres))
    bestEpochs.push(r.bestEpoch)
    curves.push(r.epochs)
    heads.push(r.weights)
  }
  return { oof, fold, k, bestEpochs, curves, heads }
}

/**
 * Epochs for the refit on all rows: the folds' mean early-stopping epoch (each epoch then
 * takes proportionally more steps on the larger set, as in the folds).
 */
export function refitEpochs(bestEpochs: number[]): number {
  if (bestEpochs.length === 0) return 1
  return Math.max(1, Math.round(bestEpochs.reduce((a, b) => a + b, 0) / bestEpochs.length))
}

/** The final head: trained on every row for a fixed number of epochs (no held-out rows left). */
export async function refit(tf: Tf, input: OutOfFoldInput, cfg: HeadConfig, epochs: number, hooks: TrainHooks = {}): Promise<{ weights: HeadWeights; epochs: EpochReport[] }> {
  const all = Array.from({ length: input.x.length / input.dims }, (_, i) => i)
  const r = await trainHead(tf, { x: input.x, y: input.y, dims: input.dims, genres: input.genres, train: all, earlyStop: [], val: [] }, { ...cfg, epochs, patience: epochs + 1 }, hooks)
  return { weights: r.weights, epochs: r.epochs }
}
