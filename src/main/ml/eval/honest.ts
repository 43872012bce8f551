// Figures from out-of-fold predictions: thresholds for the posters of one fold are tuned on
// the OTHER folds' predictions only, so no reported F1 comes from the predictions its
// thresholds were chosen on; every figure gets a bootstrap 95% interval (posters resampled).
import { mulberry32 } from '../../../shared/random'
import { bestF1Threshold, column, evaluate, type Evaluation, type Summary } from './metrics'

export type Interval = [number, number]
export type SummaryIntervals = Record<keyof Summary, Interval>

export interface HonestEvaluation extends Evaluation {
  method: 'cross-validation'
  folds: number
  /** Bootstrap 95% intervals (percentile method), model and prior. */
  intervals: { model: SummaryIntervals; prior: SummaryIntervals; replicates: number }
}

/** Per fold, per genre: the F1-best threshold on the rows of every OTHER fold. [k][genre] */
export function foldThresholds(scores: Float32Array, labels: Float32Array, g: number, fold: Int32Array, k: number): number[][] {
  const out: number[][] = []
  for (let f = 0; f < k; f++) {
    const rows: number[] = []
    for (let i = 0; i < fold.length; i++) if (fold[i] !== f) rows.push(i)
    out.push(
      Array.from({ length: g }, (_, c) => {
        const s = new Float32Array(rows.length)
        const l = new Float32Array(rows.length)
        rows.forEach((r, i) => {
          s[i] = scores[r * g + c]
          l[i] = labels[r * g + c]
        })
        return bestF1Threshold(s, l).threshold
      }),
    )
  }
  return out
}

/** The thresholds every prediction is made with after training: tuned on all out-of-fold rows. */
export function finalThresholds(scores: Float32Array, labels: Float32Array, g: number): number[] {
  return Array.from({ length: g }, (_, c) => bestF1Threshold(column(scores, g, c), column(labels, g, c)).threshold)
}

/**
 * Precomputed per-poster terms of every figure, so one bootstrap replicate (a weight per
 * poster: how often it was drawn) costs a pass over the rows instead of new sorts.
 */
class WeightedFigures {
  private readonly perGenreOrder: { order: Int32Array; tieEnd: Uint8Array }[]
  private readonly flatOrder: Int32Array
  private readonly flatTieEnd: Uint8Array
  private readonly hit1: Uint8Array
  private readonly hit3: Uint8Array
  private readonly any: Uint8Array

  constructor(
    private readonly scores: ArrayLike<number>,
    private readonly labels: ArrayLike<number>,
    private readonly g: number,
    private readonly cols: number[],
    /** Thresholded decision of (row, genre), row-major. */
    private readonly decided: Uint8Array,
  ) {
    const n = scores.length / g
    const sortDesc = (idx: Int32Array, key: (i: number) => number) => {
      const o = Array.from(idx).sort((a, b) => key(b) - key(a))
      const order = Int32Array.from(o)
      const tieEnd = new Uint8Array(order.length)
      for (let i = 0; i < order.length; i++) tieEnd[i] = i === order.length - 1 || key(order[i + 1]) !== key(order[i]) ? 1 : 0
      return { order, tieEnd }
    }
    const rows = Int32Array.from({ length: n }, (_, i) => i)
    this.perGenreOrder = cols.map((c) => sortDesc(rows, (i) => scores[i * g + c]))
    const flat = Int32Array.from({ length: n * cols.length }, (_, i) => i)
    const flatKey = (i: number) => scores[Math.floor(i / cols.length) * g + cols[i % cols.length]]
    const f = sortDesc(flat, flatKey)
    this.flatOrder = f.order
    this.flatTieEnd = f.tieEnd
    this.hit1 = new Uint8Array(n)
    this.hit3 = new Uint8Array(n)
    this.any = new Uint8Array(n)
    for (let i = 0; i < n; i++) {
      let any = false
      for (let c = 0; c < g; c++) if (labels[i * g + c] > 0) any = true
      if (!any) continue
      this.any[i] = 1
      const top = Array.from({ length: g }, (_, c) => c).sort((a, b) => scores[i * g + b] - scores[i * g + a])
      this.hit1[i] = labels[i * g + top[0]] > 0 ? 1 : 0
      this.hit3[i] = top.slice(0, 3).some((c) => labels[i * g + c] > 0) ? 1 : 0
    }
  }

  /** AP over `order` with weights (ties form one threshold, as in averagePrecision). */
  private ap(order: Int32Array, tieEnd: Uint8Array, w: ArrayLike<number>, rowOf: (i: number) => number, label: (i: number) => number): number {
    let pos = 0
    for (let i = 0; i < order.length; i++) pos += w[rowOf(order[i])] * label(order[i])
    if (pos === 0) return 0
    let tp = 0
    let seen = 0
    let prev = 0
    let ap = 0
    for (let i = 0; i < order.length; i++) {
      const wi = w[rowOf(order[i])]
      tp += wi * label(order[i])
      seen += wi
      if (tieEnd[i] && seen > 0) {
        const recall = tp / pos
        ap += (recall - prev) * (tp / seen)
        prev = recall
      }
    }
    return ap
  }

  summary(w: ArrayLike<number>): Summary {
    const { g, cols, labels, scores: _s } = this
    const aps = cols.map((c, j) => this.ap(this.perGenreOrder[j].order, this.perGenreOrder[j].tieEnd, w, (i) => i, (i) => (labels[i * g + c] > 0 ? 1 : 0)))
    const nc = cols.length
    const microAp = this.ap(this.flatOrder, this.flatTieEnd, w, (i) => Math.floor(i / nc), (i) => (labels[Math.floor(i / nc) * g + cols[i % nc]] > 0 ? 1 : 0))
    let tp = 0
    let fp = 0
    let fn = 0
    let f1Sum = 0
    const n = labels.length / g
    for (const c of cols) {
      let ctp = 0
      let cfp = 0
      let cfn = 0
      for (let i = 0; i < n; i++) {
        if (w[i] === 0) continue
        const y = labels[i * g + c] > 0
        const d = this.decided[i * g + c] === 1
        if (d && y) ctp += w[i]
        else if (d) cfp += w[i]
        else if (y) cfn += w[i]
      }
      f1Sum += ctp ? (2 * ctp) / (2 * ctp + cfp + cfn) : 0
      tp += ctp
      fp += cfp
      fn += cfn
    }
    let h1 = 0
    let h3 = 0
    let counted = 0
    for (let i = 0; i < n; i++) {
      if (!this.any[i]) continue
      counted += w[i]
      h1 += w[i] * this.hit1[i]
      h3 += w[i] * this.hit3[i]
    }
    const mean = (a: number[]) => (a.length ? a.reduce((x, y) => x + y, 0) / a.length : 0)
    return {
      macroAp: mean(aps),
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
  const n = labels.length / g
  const figures = new WeightedFigures(scores, labels, g, cols, decided)
  const reps = opts.replicates ?? 500
  const rand = mulberry32(opts.seed ?? 7)
  const samples: Record<keyof Summary, number[]> = { macroAp: [], microAp: [], macroF1: [], microF1: [], hit1: [], hit3: [] }
  const w = new Float64Array(n)
  for (let r = 0; r < reps; r++) {
    w.fill(0)
    for (let i = 0; i < n; i++) w[Math.floor(rand() * n)]++
    const s = figures.summary(w)
    for (const k of KEYS) samples[k].push(s[k])
  }
  const q = (a: number[], p: number) => {
    const s = [...a].sort((x, y) => x - y)
    return s[Math.min(s.length - 1, Math.max(0, Math.round(p * (s.length - 1))))]
  }
  return Object.fromEntries(KEYS.map((k) => [k, [q(samples[k], 0.025), q(samples[k], 0.975)]])) as SummaryIntervals
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
  const perFold = foldThresholds(oof, labels, g, fold, k)
  const decided = new Uint8Array(n * g)
  for (let i = 0; i < n; i++) for (let c = 0; c < g; c++) decided[i * g + c] = oof[i * g + c] >= perFold[fold[i]][c] ? 1 : 0
  const thresholds = finalThresholds(oof, labels, g)
  // AP, hit@k and per-genre support from the shared evaluator; F1 replaced by the cross-fold one.
  const base = evaluate(oof, labels, genres, prior, { thresholds, minSupport: opts.minSupport })
  const cols = genres.map((gn, c) => (base.genres.some((m) => m.genre === gn) ? c : -1)).filter((c) => c >= 0)
  const figures = new WeightedFigures(oof, labels, g, cols, decided)
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
  const priorScores = new Float32Array(n * g)
  for (let i = 0; i < n; i++) for (let c = 0; c < g; c++) priorScores[i * g + c] = prior[c]
  const priorDecided = new Uint8Array(n * g).fill(1)
  const seed = opts.seed ?? 7
  const replicates = opts.replicates ?? 500
  return {
    evaluation: {
      ...base,
      model: { ...base.model, ...model },
      genres: base.genres.map(withF1),
      rare: base.rare.map(withF1),
      method: 'cross-validation',
      folds: k,
      intervals: {
        model: bootstrapIntervals(oof, labels, g, cols, decided, { replicates, seed }),
        prior: bootstrapIntervals(priorScores, labels, g, cols, priorDecided, { replicates, seed }),
        replicates,
      },
    },
    thresholds,
  }
}
