// The review queues' ranking: pure functions over probability matrices and label matrices,
// no database, so they are tested on constructed cases. Data access lives in queues.ts.
//
// Suspect labels follow confident learning (Northcutt et al.; cleanlab's multi-label
// find_label_issues) to decide WHICH posters are suspect: each genre is a binary task with two
// per-genre thresholds, the mean out-of-fold probability of the genre over posters labelled
// with it (tPos) and over posters without it (tNeg). A listed genre whose probability is at or
// below tNeg, or a missing genre at or above tPos, is a confident disagreement.
// The ORDER was first each poster's label surprise: the log-likelihood ratio of its label set under
// the out-of-fold probabilities against the genres' frequencies, Σ log(q / prior_q) with
// q = p for a listed genre and 1 − p for a missing one (self-confidence, normalised by what
// the genre's frequency alone predicts). On the shared posters with swapped label sets
// (npm run bench -- review; seeds 7, 11, 23) it ranks 0.19-0.24 of its top k right at 2%
// swapped, 0.31-0.36 at 5% and 0.41-0.44 at 10%, where cleanlab's default, self-confidence
// aggregated by an exponential moving average, ranks 0.20 at 5%: normalising by the prior
// stops common genres (Drama, listed on half the posters) from dominating. Measured on the
// same out-of-fold probabilities and not better (within ±0.02 at every seed and rate): the
// set's log-likelihood against its empirical frequency as a label set, against the model's
// own likeliest set, or as a z-score under the model's own label distribution; per-genre
// Platt or temperature scaling; no confident-learning filter. Averaging three out-of-fold
// runs gains +0.01: the ranking is bounded by the model, not the rule.
// A swapped set is one way labels go wrong; one wrong genre is another, and the set's surprise
// hides it (one term among 24: precision 0.095 / 0.090 at seeds 7 / 11 with one random genre
// added to 5% of the posters, chance 0.050). The score is therefore the likelihood ratio of a
// mixture, evenly weighted, of the two corruptions (suspectScore): swapped sets 0.358 -> 0.361
// (seed 7) and 0.323 -> 0.326 (seed 11), one genre added 0.095 -> 0.206 and 0.090 -> 0.174,
// one genre replaced 0.159 -> 0.239, one dropped 0.097 either way (a missing genre is seldom
// one the model is sure of). When the flip explains the labels better, the suggestion flips
// that one genre: posters with an added genre then come back exactly 48 times in the top k
// instead of 12.

import { DEFAULT_MIN_PROBABILITY } from '../../../shared/acceptance'

export interface Matrix {
  /** Rows (posters) × cols (genres), row-major. */
  n: number
  g: number
  values: ArrayLike<number>
}

export interface Suggestion {
  add: string[]
  remove: string[]
}

export interface RankedItem {
  /** Row index into the input matrices. */
  row: number
  score: number
  suggest: Suggestion
  /** Suspect labels: which corruption explains them better, the whole set (another poster's) or one genre. */
  why?: 'set' | 'genre'
}

export interface ClassThresholds {
  /** Mean probability over rows labelled with the genre (NaN when none is). */
  pos: Float64Array
  /** Mean probability over rows without the genre (NaN when every row has it). */
  neg: Float64Array
}

/** Per-genre confident-learning thresholds from probabilities and 0/1 labels. */
export function classThresholds(probs: Matrix, labels: Matrix): ClassThresholds {
  const { n, g } = probs
  const sumPos = new Float64Array(g)
  const sumNeg = new Float64Array(g)
  const nPos = new Float64Array(g)
  for (let i = 0; i < n; i++)
    for (let c = 0; c < g; c++) {
      const p = probs.values[i * g + c]
      if (labels.values[i * g + c] > 0) {
        sumPos[c] += p
        nPos[c]++
      } else sumNeg[c] += p
    }
  const pos = new Float64Array(g)
  const neg = new Float64Array(g)
  for (let c = 0; c < g; c++) {
    pos[c] = nPos[c] > 0 ? sumPos[c] / nPos[c] : NaN
    neg[c] = n - nPos[c] > 0 ? sumNeg[c] / (n - nPos[c]) : NaN
  }
  return { pos, neg }
}

const clip = (p: number) => Math.min(1 - 1e-3, Math.max(1e-3, p))

/**
 * log of the mean over genres of (1 − q) / q, q the probability of the genre's value as
 * labelled: the likelihood ratio of "one genre of these labels was flipped (added or dropped)
 * at random" against "the labels are right". One wrong genre moves the set's surprise little
 * (one term of many), but makes this large when the model is sure of the other value.
 */
export function flipSurprise(probs: ArrayLike<number>, labels: ArrayLike<number>): number {
  let odds = 0
  for (let c = 0; c < probs.length; c++) odds += wrongOdds(probs[c], labels[c] > 0)
  return Math.log(odds / Math.max(probs.length, 1))
}

/** The odds that a genre's value as labelled is wrong: (1 − q) / q, q the probability of that value. */
function wrongOdds(p: number, listed: boolean): number {
  const q = listed ? clip(p) : 1 - clip(p)
  return (1 - q) / q
}

/** log((e^a + e^b) / 2), without overflow: an even mixture of two likelihood ratios given as logs. */
function evenMixture(a: number, b: number): number {
  const hi = Math.max(a, b)
  return hi + Math.log((Math.exp(a - hi) + Math.exp(b - hi)) / 2)
}

/**
 * How suspect a poster's labels are, in nats: the log-likelihood ratio of its labels having
 * been corrupted, as a mixture, evenly weighted, of two ways a label set goes wrong: replaced
 * by another poster's set (labelSurprise: the whole set unrelated to the poster) or one genre
 * flipped (flipSurprise). Above 0, corruption explains the labels better than the model does.
 */
export function suspectScore(probs: ArrayLike<number>, labels: ArrayLike<number>, prior: ArrayLike<number>): number {
  return evenMixture(labelSurprise(probs, labels, prior), flipSurprise(probs, labels))
}

/** Σ over genres of log(q / prior_q): how much less likely the labels are than by frequency alone. */
export function labelSurprise(probs: ArrayLike<number>, labels: ArrayLike<number>, prior: ArrayLike<number>): number {
  let s = 0
  for (let c = 0; c < probs.length; c++) {
    const p = clip(probs[c])
    const f = clip(prior[c])
    s -= labels[c] > 0 ? Math.log(p / f) : Math.log((1 - p) / (1 - f))
  }
  return s
}

export interface SuspectOptions {
  /** At most this many genres suggested to add (highest probability first). */
  maxAdd?: number
  /**
   * A flagged missing genre is suggested only at or above this probability too: rare genres
   * have tPos near 0.1, which is enough to doubt a label but not to propose one.
   */
  minAdd?: number
}

/** The genre whose value as labelled the model most doubts (the highest odds of being wrong), among genres with thresholds; -1 if none. */
function likeliestFlip(probs: ArrayLike<number>, labels: ArrayLike<number>, t: ClassThresholds): number {
  let best = -1
  let bestOdds = -Infinity
  for (let c = 0; c < probs.length; c++) {
    if (Number.isNaN(t.pos[c]) || Number.isNaN(t.neg[c])) continue
    const odds = wrongOdds(probs[c], labels[c] > 0)
    if (odds > bestOdds) {
      bestOdds = odds
      best = c
    }
  }
  return best
}

/**
 * Rows whose labels confidently disagree with out-of-fold probabilities, most suspect
 * first (score = suspectScore, in nats; rows scoring 0 or less are left out). Genres whose
 * thresholds are undefined (no positive or no negative row) never raise an issue. When one
 * flipped genre explains the labels better than a replaced set, the suggestion flips that
 * genre alone. Otherwise it removes the listed genres whose probability lies nearer tNeg than
 * tPos and adds the flagged missing ones at or above `minAdd`; when that would leave no genre,
 * it adds the model's likeliest other genre.
 */
export function rankSuspects(probs: Matrix, labels: Matrix, genres: readonly string[], t: ClassThresholds = classThresholds(probs, labels), opts: SuspectOptions = {}): RankedItem[] {
  const { n, g } = probs
  const maxAdd = opts.maxAdd ?? 3
  const minAdd = opts.minAdd ?? DEFAULT_MIN_PROBABILITY
  const out: RankedItem[] = []
  const prior = new Float64Array(g)
  for (let i = 0; i < n; i++) for (let c = 0; c < g; c++) if (labels.values[i * g + c] > 0) prior[c] += 1 / n
  const row = new Float64Array(g)
  const yrow = new Float64Array(g)
  for (let i = 0; i < n; i++) {
    const add: { c: number; p: number }[] = []
    const remove: number[] = []
    const listed: { c: number; p: number }[] = []
    for (let c = 0; c < g; c++) {
      const p = probs.values[i * g + c]
      const has = labels.values[i * g + c] > 0
      row[c] = p
      yrow[c] = has ? 1 : 0
      if (has) listed.push({ c, p })
      if (Number.isNaN(t.pos[c]) || Number.isNaN(t.neg[c])) continue
      if (has && p <= t.neg[c]) remove.push(c)
      else if (!has && p >= t.pos[c]) add.push({ c, p })
    }
    if (add.length === 0 && remove.length === 0) continue
    // The poster is suspect: its fix also drops listed genres the model puts nearer the
    // genre's negatives than its positives (not only those at the confident tNeg bar).
    for (const l of listed)
      if (!remove.includes(l.c) && !Number.isNaN(t.pos[l.c]) && !Number.isNaN(t.neg[l.c]) && l.p < (t.pos[l.c] + t.neg[l.c]) / 2) remove.push(l.c)
    remove.sort((a, b) => a - b)
    add.sort((a, b) => b.p - a.p)
    const adds = add.filter((a) => a.p >= minAdd).slice(0, maxAdd).map((a) => a.c)
    if (adds.length === 0 && remove.length === listed.length && listed.length > 0) {
      // Removing every listed genre with nothing to add would leave "no genre": propose the
      // model's likeliest other genre instead (or, with none, keep the likeliest listed one).
      let best = -1
      for (let c = 0; c < g; c++) if (labels.values[i * g + c] <= 0 && (best < 0 || probs.values[i * g + c] > probs.values[i * g + best])) best = c
      if (best >= 0) adds.push(best)
      else remove.splice(remove.indexOf(listed.reduce((a, b) => (b.p > a.p ? b : a)).c), 1)
      if (remove.length === 0) continue
    }
    // Labels the model explains better than either corruption does are not worth a look.
    const swapped = labelSurprise(row, yrow, prior)
    const flipped = flipSurprise(row, yrow)
    const score = evenMixture(swapped, flipped)
    if (score <= 0) continue
    // When one flipped genre explains the labels better than a replaced set, the fix is that
    // one genre (the likeliest flip), not the set's: the other genres are then believed right.
    const flip = flipped > swapped ? likeliestFlip(row, yrow, t) : -1
    const single = flip < 0 ? null : yrow[flip] > 0 ? (listed.length > 1 ? { add: [], remove: [flip] } : null) : row[flip] >= minAdd ? { add: [flip], remove: [] } : null
    const fix = single ?? { add: adds, remove }
    out.push({
      row: i,
      score,
      suggest: { add: fix.add.map((c) => genres[c]), remove: fix.remove.map((c) => genres[c]) },
      why: flipped > swapped ? 'genre' : 'set',
    })
  }
  return out.sort((a, b) => b.score - a.score || a.row - b.row)
}

/**
 * How undecided the model is about one genre: 1 when the probability sits on the genre's
 * decision threshold, falling linearly to 0 at 0 and at 1. Measuring from the threshold, not
 * from 0.5, matters for rare genres whose thresholds lie near 0.01.
 */
export function genreUncertainty(p: number, threshold: number): number {
  const t = Math.min(Math.max(threshold, 1e-6), 1 - 1e-6)
  return p >= t ? 1 - (p - t) / (1 - t) : 1 - (t - p) / t
}

/**
 * Unlabelled rows, most uncertain first: the mean over genres of genreUncertainty (every genre
 * decision counts, so a poster the model hesitates on for many genres teaches it most). The
 * suggestion adds the genres at or above their thresholds and at or above `minAdd` (Accept's
 * rule: a rare genre's threshold near 0 made "+ Reality-TV 0%" a suggestion), at most
 * `maxAdd`, highest first; or the single likeliest genre when none is.
 */
export function rankUncertain(probs: Matrix, thresholds: ArrayLike<number>, genres: readonly string[], maxAdd = 3, minAdd = DEFAULT_MIN_PROBABILITY): RankedItem[] {
  const { n, g } = probs
  const out: RankedItem[] = []
  for (let i = 0; i < n; i++) {
    let sum = 0
    const above: { c: number; p: number }[] = []
    let best = 0
    for (let c = 0; c < g; c++) {
      const p = probs.values[i * g + c]
      sum += genreUncertainty(p, thresholds[c])
      if (p >= thresholds[c] && p >= minAdd) above.push({ c, p })
      if (p > probs.values[i * g + best]) best = c
    }
    above.sort((a, b) => b.p - a.p)
    const add = above.length ? above.slice(0, maxAdd).map((a) => genres[a.c]) : g > 0 ? [genres[best]] : []
    out.push({ row: i, score: g ? sum / g : 0, suggest: { add, remove: [] } })
  }
  return out.sort((a, b) => b.score - a.score || a.row - b.row)
}

/**
 * Posters carrying accepted predictions, least certain first: the score is 1 − the lowest
 * probability among the poster's prediction-sourced genres (1 when the active model has no
 * probability for one). Confirming keeps them all; the suggestion removes the ones below
 * their threshold now.
 */
export function rankAccepted(
  items: readonly { predicted: readonly string[]; probs: ReadonlyMap<string, { p: number; threshold: number }> | null }[],
): RankedItem[] {
  return items
    .map((it, row) => {
      let low = 1
      const remove: string[] = []
      for (const genre of it.predicted) {
        const s = it.probs?.get(genre.toLowerCase())
        const p = s ? s.p : 0
        low = Math.min(low, p)
        if (s && s.p < s.threshold) remove.push(genre)
      }
      return { row, score: 1 - low, suggest: { add: [], remove } }
    })
    .sort((a, b) => b.score - a.score || a.row - b.row)
}
