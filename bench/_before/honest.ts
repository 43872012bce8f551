// Frozen copy of src/main/ml/eval/honest.ts as it was before the queue-speed work (commit d43c189):
// the baseline bench/queue-stages.ts times the current code against, and the reference
// test/ml/groups.test.ts compares the current near-duplicate search with. Not product code.
// Figures from out-of-fold predictions: thresholds for the posters of one fold are tuned on
// the OTHER folds' predictions only, so no reported F1 comes from the predictions its
// thresholds were chosen on; every figure gets a bootstrap 95% interval (posters resampled).
import { mulberry32 } from '../../src/shared/random'
import type { ModelEvaluation, SummaryIntervals } from '../../src/shared/api'
import { bestF1Threshold, column, evaluate, type Evaluation, type Summary } from './metrics'

export interface HonestEvaluation extends Evaluation {
  method: 'cross-validation'
  folds: number
  /** Bootstrap 95% intervals (percentile method), model and prior. */
  intervals: NonNullable<ModelEvaluation['intervals']>
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
 * poster: how often it was drawn) costs a few passes over flat arrays instead of new sorts.
 */
class WeightedFigures {
  /** Per averaged genre, rows in descending score order, their labels and tie ends. */
  private readonly ranked: { rows: Int32Array; labels: Uint8Array; tieEnd: Uint8Array }[]
  /** All (row, averaged genre) cells in descending score order. */
  private readonly flat: { rows: Int32Array; labels: Uint8Array; tieEnd: Uint8Array }
  /** Per averaged genre: 0 true negative, 1 true positive, 2 false positive, 3 false negative. */
  private readonly outcome: Uint8Array[]
  private readonly hit1: Uint8Array
  private readonly hit3: Uint8Array
  private readonly any: Uint8Array
  private readonly n: number

  constructor(scores: ArrayLike<number>, labels: ArrayLike<number>, g: number, cols: number[], decided: Uint8Array) {
    const n = scores.length / g
    this.n = n
    const rank = (cells: number[], score: (cell: number) => number, row: (cell: number) => number, label: (cell: number) => number) => {
      cells.sort((a, b) => score(b) - score(a))
      const tieEnd = new Uint8Array(cells.length)
      for (let i = 0; i < cells.length; i++) tieEnd[i] = i === cells.length - 1 || score(cells[i + 1]) !== score(cells[i]) ? 1 : 0
      return { rows: Int32Array.from(cells, row), labels: Uint8Array.from(cells, label), tieEnd }
    }
    this.ranked = cols.map((c) =>
      rank(
        Array.from({ length: n }, (_, i) => i),
        (i) => scores[i * g + c],
        (i) => i,
        (i) => (labels[i * g + c] > 0 ? 1 : 0),
      ),
    )
    const nc = cols.length
    this.flat = rank(
      Array.from({ length: n * nc }, (_, i) => i),
      (i) => scores[Math.floor(i / nc) * g + cols[i % nc]],
      (i) => Math.floor(i / nc),
      (i) => (labels[Math.floor(i / nc) * g + cols[i % nc]] > 0 ? 1 : 0),
    )
    this.outcome = cols.map((c) =>
      Uint8Array.from({ length: n }, (_, i) => {
        const y = labels[i * g + c] > 0
        const d = decided[i * g + c] === 1
        return d && y ? 1 : d ? 2 : y ? 3 : 0
      }),
    )
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

  /** AP of ranked cells with weights per row (ties form one threshold, as in averagePrecision). */
  private static ap(r: { rows: Int32Array; labels: Uint8Array; tieEnd: Uint8Array }, w: Float64Array): number {
    const { rows, labels, tieEnd } = r
    let pos = 0
    for (let i = 0; i < rows.length; i++) if (labels[i]) pos += w[rows[i]]
    if (pos === 0) return 0
    let tp = 0
    let seen = 0
    let prev = 0
    let ap = 0
    for (let i = 0; i < rows.length; i++) {
      const wi = w[rows[i]]
      if (labels[i]) tp += wi
      seen += wi
      if (tieEnd[i] && seen > 0) {
        const recall = tp / pos
        ap += (recall - prev) * (tp / seen)
        prev = recall
      }
    }
    return ap
  }

  summary(w: Float64Array): Summary {
    const nc = this.ranked.length
    let apSum = 0
    for (const r of this.ranked) apSum += WeightedFigures.ap(r, w)
    const microAp = WeightedFigures.ap(this.flat, w)
    let tp = 0
    let fp = 0
    let fn = 0
    let f1Sum = 0
    const t = new Float64Array(4)
    for (const o of this.outcome) {
      t.fill(0)
      for (let i = 0; i < this.n; i++) t[o[i]] += w[i]
      f1Sum += t[1] ? (2 * t[1]) / (2 * t[1] + t[2] + t[3]) : 0
      tp += t[1]
      fp += t[2]
      fn += t[3]
    }
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
