// Scores ranked per genre once, for figures recomputed many times on the same predictions:
// fold thresholds (a fold is a weight per row) and bootstrap replicates (a weight per poster)
// walk these rankings instead of sorting again.

/** Cells in descending score order, their rows and labels, and where each run of tied scores ends. */
export interface Ranked {
  rows: Int32Array
  labels: Uint8Array
  tieEnd: Uint8Array
  /** The score of each position (the threshold a run of ties stands for). */
  scores: Float64Array
}

/**
 * Cells ranked by descending score, ties kept together (their order within a run does not
 * matter: a run is one threshold). A native sort of the scores finds the distinct values;
 * each cell then finds its value by binary search and a counting pass places it.
 */
export function rank(score: Float64Array, row: (cell: number) => number, label: (cell: number) => number): Ranked {
  const m = score.length
  const sorted = score.slice().sort()
  // Distinct values, descending; NaN (sorted last) would be one run of its own, first.
  const distinct: number[] = []
  let nanRun = false
  for (let i = m - 1; i >= 0; i--) {
    const v = sorted[i]
    if (v !== v) nanRun = true
    else if (distinct.length === 0 || distinct[distinct.length - 1] !== v) distinct.push(v)
  }
  const runs = distinct.length + (nanRun ? 1 : 0)
  const of = new Int32Array(m)
  const count = new Int32Array(runs + 1)
  const first = nanRun ? 1 : 0
  for (let i = 0; i < m; i++) {
    const v = score[i]
    let r = 0
    if (v === v) {
      // distinct is descending: the run whose value equals v (-0 and 0 compare equal).
      let lo = 0
      let hi = distinct.length - 1
      while (lo < hi) {
        const mid = (lo + hi) >> 1
        if (distinct[mid] > v) lo = mid + 1
        else hi = mid
      }
      r = lo + first
    }
    of[i] = r
    count[r + 1]++
  }
  for (let r = 0; r < runs; r++) count[r + 1] += count[r]
  const rows = new Int32Array(m)
  const labels = new Uint8Array(m)
  const scores = new Float64Array(m)
  const tieEnd = new Uint8Array(m)
  const at = count.slice(0, runs)
  for (let i = 0; i < m; i++) {
    const p = at[of[i]]++
    rows[p] = row(i)
    labels[p] = label(i) > 0 ? 1 : 0
    scores[p] = score[i]
  }
  for (let r = 0; r < runs; r++) if (count[r + 1] > count[r]) tieEnd[count[r + 1] - 1] = 1
  return { rows, labels, tieEnd, scores }
}

/** Each genre's rows ranked by score. */
export function rankColumns(scores: ArrayLike<number>, labels: ArrayLike<number>, g: number, cols: number[]): Ranked[] {
  const n = scores.length / g
  return cols.map((c) => {
    const s = new Float64Array(n)
    for (let i = 0; i < n; i++) s[i] = scores[i * g + c]
    return rank(
      s,
      (i) => i,
      (i) => labels[i * g + c],
    )
  })
}

/**
 * The F1-best threshold of ranked cells counting only rows with weight 1, as bestF1Threshold
 * computes it on those rows alone: a run of ties none of whose rows count repeats the F1
 * before it, which never beats it.
 */
export function weightedBestF1(r: Ranked, counts: Uint8Array): number {
  const { rows, labels, tieEnd, scores } = r
  let pos = 0
  for (let i = 0; i < rows.length; i++) if (labels[i] && counts[rows[i]]) pos++
  if (pos === 0) return 1
  let tp = 0
  let seen = 0
  let best = { threshold: 1, f1: 0 }
  for (let i = 0; i < rows.length; i++) {
    if (counts[rows[i]]) {
      seen++
      if (labels[i]) tp++
    }
    if (tieEnd[i]) {
      const f1 = (2 * tp) / (seen + pos)
      if (f1 > best.f1) best = { threshold: scores[i], f1 }
    }
  }
  return best.threshold
}

/**
 * A ranking as a replicate's AP needs it: only runs of ties that hold a positive can move the
 * sum, so the walk keeps a running total of weights up to each such run's end and adds that
 * run's positives' weights there.
 */
export interface ApWalk {
  rows: Int32Array
  /** Ends (inclusive positions) of the runs that hold a positive, in rank order. */
  ends: Int32Array
  /** The positive rows of run q: positives[from[q] .. from[q + 1]). */
  positives: Int32Array
  from: Int32Array
}

export function apWalk(r: Ranked): ApWalk {
  const ends: number[] = []
  const positives: number[] = []
  const from: number[] = [0]
  let held = false
  for (let i = 0; i < r.rows.length; i++) {
    if (r.labels[i]) {
      positives.push(r.rows[i])
      held = true
    }
    if (r.tieEnd[i] && held) {
      ends.push(i)
      from.push(positives.length)
      held = false
    }
  }
  return { rows: r.rows, ends: Int32Array.from(ends), positives: Int32Array.from(positives), from: Int32Array.from(from) }
}
