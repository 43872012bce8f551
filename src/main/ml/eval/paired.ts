// Paired bootstrap of a macro-AP difference: two models scored on the SAME posters, posters
// resampled with replacement, both models' macro-AP recomputed on each resample. The
// interval of the difference is much tighter than comparing two separate intervals, because
// the posters that are hard for one model are mostly hard for the other.
import { mulberry32 } from '../../../shared/random'

/** One genre's rows in descending score order, labels, and where each run of tied scores ends. */
interface Ranked {
  rows: Int32Array
  labels: Uint8Array
  tieEnd: Uint8Array
}

function rank(scores: ArrayLike<number>, labels: ArrayLike<number>, g: number, c: number): Ranked {
  const n = scores.length / g
  const rows = Int32Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[b * g + c] - scores[a * g + c])
  const lab = Uint8Array.from(rows, (r) => (labels[r * g + c] > 0 ? 1 : 0))
  const tieEnd = Uint8Array.from(rows, (r, i) => (i === n - 1 || scores[rows[i + 1] * g + c] !== scores[r * g + c] ? 1 : 0))
  return { rows, labels: lab, tieEnd }
}

/** Average precision with a weight (draw count) per poster; null without a weighted positive. */
function weightedAp(r: Ranked, w: Float64Array): number | null {
  let pos = 0
  for (let i = 0; i < r.rows.length; i++) if (r.labels[i]) pos += w[r.rows[i]]
  if (pos === 0) return null
  let tp = 0
  let seen = 0
  let ap = 0
  let prev = 0
  for (let i = 0; i < r.rows.length; i++) {
    const wi = w[r.rows[i]]
    seen += wi
    if (r.labels[i]) tp += wi
    if (r.tieEnd[i] && seen > 0) {
      const recall = tp / pos
      ap += (recall - prev) * (tp / seen)
      prev = recall
    }
  }
  return ap
}

function macro(ranked: Ranked[], w: Float64Array): number {
  let s = 0
  let k = 0
  for (const r of ranked) {
    const ap = weightedAp(r, w)
    if (ap !== null) {
      s += ap
      k++
    }
  }
  return k ? s / k : 0
}

export interface PairedDifference {
  /** macro-AP of B minus macro-AP of A on all posters. */
  diff: number
  a: number
  b: number
  /** Percentile 95% interval of the difference. */
  interval: [number, number]
  /** Share of resamples where B scored below A (a one-sided bootstrap p-value for "B is better"). */
  pWorse: number
  replicates: number
}

/**
 * macro-AP(B) − macro-AP(A) on the same posters, with a paired bootstrap interval. Genres are
 * the columns with at least `minSupport` positives on the full set (as `evaluate` averages).
 */
export function pairedMacroApDifference(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  labels: ArrayLike<number>,
  g: number,
  opts: { replicates?: number; seed?: number; minSupport?: number } = {},
): PairedDifference {
  if (a.length !== b.length || a.length !== labels.length) throw new Error(`paired bootstrap: score and label matrices differ in size (${a.length}, ${b.length}, ${labels.length})`)
  const n = labels.length / g
  const replicates = opts.replicates ?? 1000
  const minSupport = opts.minSupport ?? 5
  const cols: number[] = []
  for (let c = 0; c < g; c++) {
    let support = 0
    for (let i = 0; i < n; i++) if (labels[i * g + c] > 0) support++
    if (support >= minSupport) cols.push(c)
  }
  const ra = cols.map((c) => rank(a, labels, g, c))
  const rb = cols.map((c) => rank(b, labels, g, c))
  const ones = new Float64Array(n).fill(1)
  const fa = macro(ra, ones)
  const fb = macro(rb, ones)
  const rand = mulberry32(opts.seed ?? 7)
  const diffs: number[] = []
  const w = new Float64Array(n)
  for (let r = 0; r < replicates; r++) {
    w.fill(0)
    for (let i = 0; i < n; i++) w[Math.floor(rand() * n)]++
    diffs.push(macro(rb, w) - macro(ra, w))
  }
  diffs.sort((x, y) => x - y)
  const at = (q: number) => diffs[Math.min(diffs.length - 1, Math.max(0, Math.floor(q * diffs.length)))]
  return {
    diff: fb - fa,
    a: fa,
    b: fb,
    interval: replicates ? [at(0.025), at(0.975)] : [NaN, NaN],
    pWorse: replicates ? diffs.filter((d) => d < 0).length / replicates : NaN,
    replicates,
  }
}
