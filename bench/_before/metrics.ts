// Frozen copy of src/main/ml/eval/metrics.ts as it was before the queue-speed work (commit d43c189):
// the baseline bench/queue-stages.ts times the current code against, and the reference
// test/ml/groups.test.ts compares the current near-duplicate search with. Not product code.
// Multi-label ranking and thresholded metrics. Scores and labels are row-major
// [n posters × g genres]. Binary accuracy is deliberately absent: on this task "no genre
// everywhere" scores 90%, so only precision-based figures are reported.
import type { GenreMetric, MetricSummary, ModelEvaluation } from '../../src/shared/api'

/**
 * Average precision of one genre, as sklearn computes it: the sum over distinct score
 * thresholds of (recall step) × precision. Returns null when there is no positive.
 */
export function averagePrecision(scores: ArrayLike<number>, labels: ArrayLike<number>): number | null {
  const n = scores.length
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[b] - scores[a])
  let pos = 0
  for (let i = 0; i < n; i++) if (labels[i] > 0) pos++
  if (pos === 0) return null
  let tp = 0
  let ap = 0
  let prevRecall = 0
  for (let i = 0; i < n; ) {
    // Tied scores form one threshold.
    let j = i
    while (j < n && scores[order[j]] === scores[order[i]]) {
      if (labels[order[j]] > 0) tp++
      j++
    }
    const recall = tp / pos
    ap += (recall - prevRecall) * (tp / j)
    prevRecall = recall
    i = j
  }
  return ap
}

export interface ThresholdChoice {
  threshold: number
  f1: number
}

/** The score threshold (predict positive when score >= t) that maximises F1 for one genre. */
export function bestF1Threshold(scores: ArrayLike<number>, labels: ArrayLike<number>): ThresholdChoice {
  const n = scores.length
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[b] - scores[a])
  let pos = 0
  for (let i = 0; i < n; i++) if (labels[i] > 0) pos++
  if (pos === 0) return { threshold: 1, f1: 0 }
  let tp = 0
  let best = { threshold: 1, f1: 0 }
  for (let i = 0; i < n; ) {
    let j = i
    while (j < n && scores[order[j]] === scores[order[i]]) {
      if (labels[order[j]] > 0) tp++
      j++
    }
    const f1 = (2 * tp) / (j + pos)
    if (f1 > best.f1) best = { threshold: scores[order[i]], f1 }
    i = j
  }
  return best
}

export function column(m: ArrayLike<number>, g: number, col: number): Float32Array {
  const n = m.length / g
  const out = new Float32Array(n)
  for (let i = 0; i < n; i++) out[i] = m[i * g + col]
  return out
}

// The figures' shapes are the contract's (ModelEvaluation): computed here, sent as they are.
export type GenreMetrics = GenreMetric
export type Summary = MetricSummary
/** What evaluate() fills in; how the figures were obtained (method, folds, intervals) is the caller's. */
export type Evaluation = Omit<ModelEvaluation, 'method' | 'folds' | 'intervals' | 'excludedTrained'>

/** hit@k: share of posters with at least one genre whose top-k predictions include a true one. */
export function hitAtK(scores: ArrayLike<number>, labels: ArrayLike<number>, g: number, k: number): number {
  const n = scores.length / g
  let hits = 0
  let counted = 0
  for (let i = 0; i < n; i++) {
    let any = false
    for (let c = 0; c < g; c++) if (labels[i * g + c] > 0) any = true
    if (!any) continue
    counted++
    const idx = Array.from({ length: g }, (_, c) => c).sort((a, b) => scores[i * g + b] - scores[i * g + a])
    if (idx.slice(0, k).some((c) => labels[i * g + c] > 0)) hits++
  }
  return counted ? hits / counted : 0
}

function summarise(scores: ArrayLike<number>, labels: ArrayLike<number>, g: number, cols: number[], thresholds: number[]): Summary {
  const aps: number[] = []
  const f1s: number[] = []
  let tp = 0
  let fp = 0
  let fn = 0
  const flatS: number[] = []
  const flatL: number[] = []
  for (const c of cols) {
    const s = column(scores, g, c)
    const l = column(labels, g, c)
    aps.push(averagePrecision(s, l) ?? 0)
    let ctp = 0
    let cfp = 0
    let cfn = 0
    for (let i = 0; i < s.length; i++) {
      const p = s[i] >= thresholds[c]
      if (p && l[i] > 0) ctp++
      else if (p) cfp++
      else if (l[i] > 0) cfn++
      flatS.push(s[i])
      flatL.push(l[i])
    }
    f1s.push(ctp ? (2 * ctp) / (2 * ctp + cfp + cfn) : 0)
    tp += ctp
    fp += cfp
    fn += cfn
  }
  const mean = (a: number[]) => (a.length ? a.reduce((x, y) => x + y, 0) / a.length : 0)
  return {
    macroAp: mean(aps),
    microAp: averagePrecision(flatS, flatL) ?? 0,
    macroF1: mean(f1s),
    microF1: tp ? (2 * tp) / (2 * tp + fp + fn) : 0,
    hit1: hitAtK(scores, labels, g, 1),
    hit3: hitAtK(scores, labels, g, 3),
  }
}

/**
 * Full evaluation beside the frequency-prior baseline (every poster scored with the
 * training frequency of each genre). `thresholds` default to the F1-best on these posters.
 */
export function evaluate(
  scores: ArrayLike<number>,
  labels: ArrayLike<number>,
  genres: string[],
  priorFreq: number[],
  opts: { thresholds?: number[]; minSupport?: number } = {},
): Evaluation {
  const g = genres.length
  const n = scores.length / g
  const minSupport = opts.minSupport ?? 5
  // The prior: a constant score per genre, tiny per-poster noise-free; ties handled by AP.
  const prior = new Float32Array(n * g)
  for (let i = 0; i < n; i++) for (let c = 0; c < g; c++) prior[i * g + c] = priorFreq[c]
  const per: GenreMetrics[] = genres.map((genre, c) => {
    const s = column(scores, g, c)
    const l = column(labels, g, c)
    const support = l.reduce((a, b) => a + (b > 0 ? 1 : 0), 0)
    const tuned = bestF1Threshold(s, l)
    const threshold = opts.thresholds?.[c] ?? tuned.threshold
    let tp = 0
    let fp = 0
    let fn = 0
    for (let i = 0; i < n; i++) {
      const p = s[i] >= threshold
      if (p && l[i] > 0) tp++
      else if (p) fp++
      else if (l[i] > 0) fn++
    }
    const pc = column(prior, g, c)
    return {
      genre,
      support,
      ap: averagePrecision(s, l),
      f1: tp ? (2 * tp) / (2 * tp + fp + fn) : 0,
      threshold,
      priorAp: averagePrecision(pc, l),
      priorF1: bestF1Threshold(pc, l).f1,
    }
  })
  const cols = per.map((m, c) => (m.support >= minSupport ? c : -1)).filter((c) => c >= 0)
  const thresholds = per.map((m) => m.threshold)
  // A constant score's best F1 calls every poster positive. The threshold must not be the
  // frequency itself: the scores are float32 and may round just below it.
  const priorThresholds = priorFreq.map(() => -Infinity)
  return {
    posters: n,
    model: summarise(scores, labels, g, cols, thresholds),
    prior: summarise(prior, labels, g, cols, priorThresholds),
    genres: per.filter((m) => m.support >= minSupport),
    rare: per.filter((m) => m.support < minSupport),
    minSupport,
  }
}

/**
 * Binary accuracy over every (poster, genre) cell at the given thresholds, beside the score
 * of predicting no genre at all. With ~2.3 genres of 25 a poster the latter is about 0.91:
 * the figure the original projects reported says next to nothing on this task.
 */
export function binaryAccuracy(scores: ArrayLike<number>, labels: ArrayLike<number>, thresholds: number[]): { model: number; allNegative: number } {
  const g = thresholds.length
  let right = 0
  let negatives = 0
  for (let i = 0; i < scores.length; i++) {
    const positive = labels[i] > 0
    if (!positive) negatives++
    if (scores[i] >= thresholds[i % g] === positive) right++
  }
  const n = Math.max(1, scores.length)
  return { model: right / n, allNegative: negatives / n }
}
