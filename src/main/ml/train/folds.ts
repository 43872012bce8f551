// Grouped k-fold cross-validation of the head: every poster gets a probability from a model
// that never saw it nor any duplicate of it (out-of-fold predictions). Those predictions
// carry the reported figures, tune the thresholds and feed the review queues; the model
// that is kept is refit on everything for the epoch count the folds chose together.
import type { HeadEngineFactory } from './engine'
import { macroAp, type EpochReport, type HeadConfig, type HeadWeights } from './head'
import { inThreadRunner, type HeadRunner } from './head-pool'
import { seededUnit } from './split'
import type { Groups } from './groups'

export const DEFAULT_FOLDS = 5

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

export interface OutOfFoldInput {
  x: Float32Array
  y: Float32Array
  dims: number
  genres: number
  groups: Groups
  /**
   * The row each poster trains as, when it differs from the row it is scored on: title dropout
   * appends blanked copies of some posters after the posters and trains on those copies, while
   * the out-of-fold predictions still read every poster as it is. Default: itself.
   */
  trainRow?: Int32Array
}

export interface OutOfFoldResult {
  /** Each deal's own out-of-fold probabilities (`oof` is their mean): one model a poster. */
  dealOof: Float32Array[]
  /** Probabilities [rows × genres]: the mean, over the deals, of the model of the fold that held the row out. */
  oof: Float32Array
  /** Each row's fold in the first deal (per-fold thresholds are tuned across these). */
  fold: Int32Array
  k: number
  /** The epoch every fold's predictions are taken at: the best pooled out-of-fold macro-AP. */
  epoch: number
  /** Each fold's own best epoch on its held-out rows (shown, not used). */
  bestEpochs: number[]
  /** Per-fold curves (validation = the fold's held-out rows). */
  curves: EpochReport[][]
}

export interface CrossValidation extends OutOfFoldResult {
  /**
   * The refit members, trained on every row for `epoch` epochs: still training when the
   * out-of-fold results are returned, so the figures can be computed beside them.
   */
  refits: Promise<HeadWeights[]>
  /** Each fold's model at its own best epoch (the fold ensemble averages them with the refit). */
  foldWeights: HeadWeights[]
}

export interface FoldHooks {
  /** An epoch of fold task `member` (0..repeats·k-1: fold member % k of repeat ⌊member / k⌋) or of refit member `member - repeats·k`. */
  onEpoch?: (member: number, r: EpochReport) => void | Promise<void>
  /** Scores pooled out-of-fold probabilities (default: macro-AP against `y`, every row). */
  score?: (oof: Float32Array) => number
}

/** Runs tasks with at most `slots` at once, in order (a refit queued last never blocks a fold). */
function limited(slots: number): <T>(fn: () => Promise<T>) => Promise<T> {
  let running = 0
  const queue: (() => void)[] = []
  return async (fn) => {
    if (running >= slots) await new Promise<void>((r) => queue.push(r))
    running++
    try {
      return await fn()
    } finally {
      running--
      queue.shift()?.()
    }
  }
}

/**
 * Grouped k-fold cross-validation and the refit, as one schedule on `runner`'s slots. Each
 * fold trains on the other folds (no rows set aside: 80% of the posters at k = 5, not 72%) and
 * reports its held-out probabilities after every epoch, until its held-out macro-AP has not
 * improved for `patience` epochs. The reported epoch is the one whose pooled out-of-fold
 * predictions score best: a single number chosen for all folds, as the refit needs one, and
 * the refit members (`members`, 0 for none) train on every row for that many epochs. They may
 * start while the last folds still run: they keep each epoch's weights until the epoch is known.
 * With `repeats` > 1 the folds are dealt again with other seeds; those folds train for the
 * chosen epoch as the refit does (their held-out probabilities at that epoch are averaged into
 * the out-of-fold ones) and are queued after the refit, so a thread never waits idle for it.
 */
export async function crossValidate(
  runner: HeadRunner,
  input: OutOfFoldInput,
  cfg: HeadConfig,
  k: number,
  seed: number,
  members: number,
  hooks: FoldHooks = {},
  repeats = 1,
): Promise<CrossValidation> {
  const n = input.trainRow?.length ?? input.x.length / input.dims
  const g = input.genres
  const as = input.trainRow ?? Int32Array.from({ length: n }, (_, i) => i)
  // Deal r uses seed + r·7919: the first keeps `seed`, and its folds are the ones returned.
  const foldsOf = Array.from({ length: repeats }, (_, r) => assignFolds(input.groups, k, seed + r * 7919))
  const fold = foldsOf[0]
  // Task t = r * k + f: fold f of repeat r.
  const held: number[][] = foldsOf.flatMap((of) => {
    const rows: number[][] = Array.from({ length: k }, () => [])
    for (let i = 0; i < n; i++) rows[of[i]].push(i)
    return rows
  })
  const probs: Float32Array[][] = held.map(() => [])
  let chose!: (epoch: number) => void
  let fail!: (err: Error) => void
  const target = new Promise<number>((res, rej) => {
    chose = res
    fail = rej
  })
  target.catch(() => undefined)
  const slot = limited(runner.slots)
  const all = Array.from({ length: n }, (_, i) => i)
  // The first deal's folds early-stop on their held-out rows and choose the epoch; the refit
  // and the other deals' folds train to it. Queued in that order (the slots run FIFO).
  const foldTask = (t: number) =>
    held[t].length === 0
      ? null
      : slot(() =>
          runner.run(
            {
              train: all.filter((i) => foldsOf[Math.floor(t / k)][i] !== t % k).map((i) => as[i]),
              earlyStop: held[t],
              cfg: t < k ? cfg : { ...cfg, seed: cfg.seed + t * 101 },
              target: t < k ? undefined : target,
            },
            { onEpoch: (r) => hooks.onEpoch?.(t, r), onEarlyStopProbs: (e, p) => (probs[t][e - 1] = p) },
          ),
        )
  const first = held.slice(0, k).map((_, t) => foldTask(t))
  const refits = Array.from({ length: members }, (_, m) =>
    slot(() => runner.run({ train: all.map((i) => as[i]), earlyStop: [], cfg: { ...cfg, seed: cfg.seed + m * 1000 }, target }, { onEpoch: (r) => hooks.onEpoch?.(repeats * k + m, r) })),
  )
  const later = held.slice(k).map((_, j) => foldTask(k + j))
  let results
  try {
    results = await Promise.all(first)
  } catch (err) {
    fail(err as Error)
    await Promise.allSettled([...refits, ...later])
    throw err
  }
  // Each poster's probabilities averaged over the deals given: every model averaged never saw it.
  const oofAt = (epoch: number, tasks: number[], deals: number): Float32Array => {
    const oof = new Float32Array(n * g)
    for (const t of tasks) {
      const p = probs[t][Math.min(epoch, probs[t].length) - 1]
      held[t].forEach((row, i) => {
        for (let c = 0; c < g; c++) oof[row * g + c] += p[i * g + c] / deals
      })
    }
    return oof
  }
  const usedFirst = first.flatMap((f, t) => (f ? [t] : []))
  const score = hooks.score ?? ((oof: Float32Array) => macroAp(oof, input.y.subarray(0, n * g), g))
  const maxEpoch = Math.max(...usedFirst.map((t) => probs[t].length))
  let best = { epoch: 1, score: -Infinity }
  for (let e = 1; e <= maxEpoch; e++) {
    const s = score(oofAt(e, usedFirst, 1))
    if (s > best.score) best = { epoch: e, score: s }
  }
  chose(best.epoch)
  let more
  try {
    more = await Promise.all(later)
  } catch (err) {
    await Promise.allSettled(refits)
    throw err
  }
  results = [...results, ...more]
  const used = results.flatMap((r, t) => (r ? [t] : []))
  const dealOof = Array.from({ length: repeats }, (_, r) => oofAt(best.epoch, used.filter((t) => Math.floor(t / k) === r), 1))
  // Each poster's probabilities: the mean of its deals'.
  let oof = dealOof[0]
  if (repeats > 1) {
    oof = new Float32Array(n * g)
    for (const d of dealOof) for (let i = 0; i < oof.length; i++) oof[i] += d[i]
    for (let i = 0; i < oof.length; i++) oof[i] /= repeats
  }
  return {
    dealOof,
    oof,
    fold,
    k,
    epoch: best.epoch,
    bestEpochs: results.flatMap((r) => (r ? [r.bestEpoch] : [])),
    curves: results.flatMap((r) => (r ? [r.epochs] : [])),
    refits: Promise.all(refits).then((list) => list.map((r) => r.weights)),
    foldWeights: results.flatMap((r) => (r ? [r.weights] : [])),
  }
}

/** Cross-validation alone, in this thread (tests, benchmarks). */
export async function outOfFold(engines: HeadEngineFactory, input: OutOfFoldInput, cfg: HeadConfig, k: number, seed: number, hooks: FoldHooks = {}, repeats = 1): Promise<OutOfFoldResult> {
  return crossValidate(inThreadRunner(engines, input), input, cfg, k, seed, 0, hooks, repeats)
}
