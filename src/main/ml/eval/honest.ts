// Figures from out-of-fold predictions: thresholds for the posters of one fold are tuned on
// the OTHER folds' predictions only, so no reported F1 comes from the predictions its
// thresholds were chosen on; every figure gets a bootstrap 95% interval (posters resampled).
import { mulberry32 } from '../../../shared/random'
import type { ModelEvaluation, SummaryIntervals } from '../../../shared/api'
import { bestF1Threshold, column, evaluate, hitsAt, type Evaluation, type Summary } from './metrics'
import { apWalk, rank, rankColumns, weightedBestF1, type ApWalk, type Ranked } from './ranked'

export interface HonestEvaluation extends Evaluation {
  method: 'cross-validation'
  folds: number
  /** Bootstrap 95% intervals (percentile method), model and prior; none with 0 replicates. */
  intervals?: ModelEvaluation['intervals']
}

function foldThresholdsOf(ranked: Ranked[], fold: Int32Array, k: number): number[][] {
  const counts = new Uint8Array(fold.length)
  return Array.from({ length: k }, (_, f) => {
    for (let i = 0; i < fold.length; i++) counts[i] = fold[i] !== f ? 1 : 0
    return ranked.map((r) => weightedBestF1(r, counts))
  })
}

/**
 * Per fold, per genre: the F1-best threshold on the rows of every OTHER fold. [k][genre]
 * Each genre is sorted once; a fold is a weight per row (0 for its own rows).
 */
export function foldThresholds(scores: Float32Array, labels: Float32Array, g: number, fold: Int32Array, k: number): number[][] {
  return foldThresholdsOf(
    rankColumns(
      scores,
      labels,
      g,
      Array.from({ length: g }, (_, c) => c),
    ),
    fold,
    k,
  )
}

/** The thresholds every prediction is made with after training: tuned on all out-of-fold rows. */
export function finalThresholds(scores: Float32Array, labels: Float32Array, g: number): number[] {
  return Array.from({ length: g }, (_, c) => bestF1Threshold(column(scores, g, c), column(labels, g, c)).threshold)
}

/** The rows of each outcome, per averaged genre (true negatives count in no figure). */
interface Outcomes {
  tp: Int32Array
  fp: Int32Array
  fn: Int32Array
}

const weightOf = (rows: Int32Array, w: Float64Array) => {
  let s = 0
  for (let i = 0; i < rows.length; i++) s += w[rows[i]]
  return s
}

/**
 * Precomputed per-poster terms of every figure, so one bootstrap replicate (a weight per
 * poster: how often it was drawn) costs a few passes over flat arrays instead of new sorts.
 * Weights are whole counts, so every sum of them is exact whatever its order.
 */
export class WeightedFigures {
  /** Per averaged genre, its rows in descending score order (ties together). */
  private readonly ranked: ApWalk[]
  /** All (row, averaged genre) cells in descending score order. */
  private readonly flat: ApWalk
  private readonly outcomes: Outcomes[]
  private readonly hit1: Uint8Array
  private readonly hit3: Uint8Array
  private readonly any: Uint8Array
  private readonly n: number

  /** `ranked`: the averaged genres' columns already ranked (rankColumns of the same scores and cols). */
  constructor(scores: ArrayLike<number>, labels: ArrayLike<number>, g: number, cols: number[], decided: Uint8Array, ranked?: Ranked[]) {
    const n = scores.length / g
    this.n = n
    this.ranked = (ranked ?? rankColumns(scores, labels, g, cols)).map(apWalk)
    const nc = cols.length
    const flat = new Float64Array(n * nc)
    for (let i = 0; i < n; i++) for (let j = 0; j < nc; j++) flat[i * nc + j] = scores[i * g + cols[j]]
    this.flat = apWalk(
      rank(
        flat,
        (cell) => Math.floor(cell / nc),
        (cell) => labels[Math.floor(cell / nc) * g + cols[cell % nc]],
      ),
    )
    this.outcomes = cols.map((c) => {
      const tp: number[] = []
      const fp: number[] = []
      const fn: number[] = []
      for (let i = 0; i < n; i++) {
        const y = labels[i * g + c] > 0
        const d = decided[i * g + c] === 1
        if (d && y) tp.push(i)
        else if (d) fp.push(i)
        else if (y) fn.push(i)
      }
      return { tp: Int32Array.from(tp), fp: Int32Array.from(fp), fn: Int32Array.from(fn) }
    })
    this.hit1 = new Uint8Array(n)
    this.hit3 = new Uint8Array(n)
    this.any = new Uint8Array(n)
    const top = new Int32Array(3)
    for (let i = 0; i < n; i++) {
      let any = false
      for (let c = 0; c < g; c++) if (labels[i * g + c] > 0) any = true
      if (!any) continue
      this.any[i] = 1
      this.hit1[i] = hitsAt(scores, labels, g, i, 1, top) ? 1 : 0
      this.hit3[i] = hitsAt(scores, labels, g, i, 3, top) ? 1 : 0
    }
  }

  /**
   * AP of ranked cells with weights per row, `pos` the positives' total weight, as
   * averagePrecision computes it on the resampled rows: a sum over runs of tied scores of
   * (recall step) × precision. A run whose positives all weigh 0 steps recall by 0 and adds
   * 0, so only the others are summed: the same terms in the same order.
   */
  private static ap(r: ApWalk, w: Float64Array, pos: number): number {
    if (pos === 0) return 0
    const { rows, ends, positives, from } = r
    let i = 0
    let seen = 0
    let tp = 0
    let prev = 0
    let ap = 0
    for (let q = 0; q < ends.length; q++) {
      const end = ends[q]
      for (; i <= end; i++) seen += w[rows[i]]
      let add = 0
      for (let p = from[q]; p < from[q + 1]; p++) add += w[positives[p]]
      if (add === 0) continue
      tp += add
      const recall = tp / pos
      ap += (recall - prev) * (tp / seen)
      prev = recall
    }
    return ap
  }

  summary(w: Float64Array): Summary {
    const nc = this.ranked.length
    let tp = 0
    let fp = 0
    let fn = 0
    let f1Sum = 0
    let apSum = 0
    for (let j = 0; j < nc; j++) {
      const o = this.outcomes[j]
      const t1 = weightOf(o.tp, w)
      const t2 = weightOf(o.fp, w)
      const t3 = weightOf(o.fn, w)
      f1Sum += t1 ? (2 * t1) / (2 * t1 + t2 + t3) : 0
      tp += t1
      fp += t2
      fn += t3
      // The genre's positives: its true positives and false negatives.
      apSum += WeightedFigures.ap(this.ranked[j], w, t1 + t3)
    }
    const microAp = WeightedFigures.ap(this.flat, w, tp + fn)
    let h1 = 0
    let h3 = 0
    let counted = 0
    for (let i = 0; i < this.n; i++) {
      if (!this.any[i]) continue
      counted += w[i]
      h1 += w[i] * this.hit1[i]
      h3 += w[i] * this.hit3[i]
    }
    return {
      macroAp: nc ? apSum / nc : 0,
      microAp,
      macroF1: nc ? f1Sum / nc : 0,
      microF1: tp ? (2 * tp) / (2 * tp + fp + fn) : 0,
      hit1: counted ? h1 / counted : 0,
      hit3: counted ? h3 / counted : 0,
    }
  }
}

const KEYS: (keyof Summary)[] = ['macroAp', 'microAp', 'macroF1', 'microF1', 'hit1', 'hit3']

/**
 * Percentile bootstrap 95% intervals of every summary figure of each of `figures` (the same
 * posters): `replicates` resamples of the posters (with replacement), figures recomputed with
 * the same thresholded decisions. Every figure set sees the same resamples.
 */
function intervalsOf(figures: WeightedFigures[], n: number, opts: { replicates?: number; seed?: number }): SummaryIntervals[] {
  const reps = opts.replicates ?? 500
  const rand = mulberry32(opts.seed ?? 7)
  const samples = figures.map((): Record<keyof Summary, number[]> => ({ macroAp: [], microAp: [], macroF1: [], microF1: [], hit1: [], hit3: [] }))
  const w = new Float64Array(n)
  for (let r = 0; r < reps; r++) {
    w.fill(0)
    for (let i = 0; i < n; i++) w[Math.floor(rand() * n)]++
    figures.forEach((f, j) => {
      const s = f.summary(w)
      for (const k of KEYS) samples[j][k].push(s[k])
    })
  }
  const q = (a: number[], p: number) => {
    const s = [...a].sort((x, y) => x - y)
    return s[Math.min(s.length - 1, Math.max(0, Math.round(p * (s.length - 1))))]
  }
  return samples.map((sm) => Object.fromEntries(KEYS.map((k) => [k, [q(sm[k], 0.025), q(sm[k], 0.975)]])) as SummaryIntervals)
}

/**
 * Percentile bootstrap 95% intervals of every summary figure: `replicates` resamples of the
 * posters (with replacement), figures recomputed with the same thresholded decisions.
 */
export function bootstrapIntervals(
  scores: ArrayLike<number>,
  labels: ArrayLike<number>,
  g: number,
  cols: number[],
  decided: Uint8Array,
  opts: { replicates?: number; seed?: number } = {},
): SummaryIntervals {
  return intervalsOf([new WeightedFigures(scores, labels, g, cols, decided)], labels.length / g, opts)[0]
}

/**
 * The reported evaluation of a cross-validated run: AP and hit@k of the out-of-fold
 * probabilities; F1 with each fold's thresholds tuned on the other folds; per-genre
 * thresholds listed are the final ones (all out-of-fold rows); intervals by bootstrap.
 */
export function honestEvaluation(
  oof: Float32Array,
  labels: Float32Array,
  genres: string[],
  fold: Int32Array,
  k: number,
  prior: number[],
  opts: { replicates?: number; seed?: number; minSupport?: number } = {},
): { evaluation: HonestEvaluation; thresholds: number[] } {
  const g = genres.length
  const n = oof.length / g
  // Each genre's out-of-fold scores sorted once: the fold thresholds and the figures walk them.
  const ranked = rankColumns(
    oof,
    labels,
    g,
    Array.from({ length: g }, (_, c) => c),
  )
  const perFold = foldThresholdsOf(ranked, fold, k)
  const decided = new Uint8Array(n * g)
  for (let i = 0; i < n; i++) for (let c = 0; c < g; c++) decided[i * g + c] = oof[i * g + c] >= perFold[fold[i]][c] ? 1 : 0
  const thresholds = finalThresholds(oof, labels, g)
  // AP, hit@k and per-genre support from the shared evaluator; F1 replaced by the cross-fold one.
  const base = evaluate(oof, labels, genres, prior, { thresholds, minSupport: opts.minSupport })
  const cols = genres.map((gn, c) => (base.genres.some((m) => m.genre === gn) ? c : -1)).filter((c) => c >= 0)
  const figures = new WeightedFigures(
    oof,
    labels,
    g,
    cols,
    decided,
    cols.map((c) => ranked[c]),
  )
  const ones = new Float64Array(n).fill(1)
  const model = figures.summary(ones)
  const f1Of = (c: number) => {
    let tp = 0
    let fp = 0
    let fn = 0
    for (let i = 0; i < n; i++) {
      const y = labels[i * g + c] > 0
      const d = decided[i * g + c] === 1
      if (d && y) tp++
      else if (d) fp++
      else if (y) fn++
    }
    return tp ? (2 * tp) / (2 * tp + fp + fn) : 0
  }
  const withF1 = (m: (typeof base.genres)[number]) => ({ ...m, f1: f1Of(genres.indexOf(m.genre)) })
  // The prior: a constant score per genre; its best F1 calls every poster positive.
  const priorFigures = () => {
    const priorScores = new Float32Array(n * g)
    for (let i = 0; i < n; i++) for (let c = 0; c < g; c++) priorScores[i * g + c] = prior[c]
    return new WeightedFigures(priorScores, labels, g, cols, new Uint8Array(n * g).fill(1))
  }
  const seed = opts.seed ?? 7
  const replicates = opts.replicates ?? 500
  const [modelIntervals, priorIntervals] = replicates > 0 ? intervalsOf([figures, priorFigures()], n, { replicates, seed }) : []
  return {
    evaluation: {
      ...base,
      model: { ...base.model, ...model },
      genres: base.genres.map(withF1),
      rare: base.rare.map(withF1),
      method: 'cross-validation',
      folds: k,
      intervals: replicates > 0 ? { model: modelIntervals, prior: priorIntervals, replicates } : undefined,
    },
    thresholds,
  }
}
