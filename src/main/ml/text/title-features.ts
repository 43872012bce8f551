// Title evidence for the genre model: a poster's title and year as a fixed-width hashed bag of
// words, word pairs and character trigrams (plus a 5-year bucket), concatenated to the image
// features. Hashing needs no vocabulary, so a run's weights stay valid for titles it never saw.
// A poster without a usable title (none, or only its id, as file names of ids give) gets the
// all-zero vector with its "has title" flag off; training blanks a share of titles the same way
// so the model keeps working from the image alone.
import { seededUnit } from '../train/split'

/** Width of the title block: hashed buckets, then the "has a title" flag. */
export const TITLE_BUCKETS = 1024
export const TITLE_DIMS = TITLE_BUCKETS + 1

/** Fewer posters with a usable title than this and a run learns from the images alone. */
export const MIN_TITLED_POSTERS = 50

/** Share of training posters whose title is blanked (title dropout). */
export const TITLE_DROPOUT = 0.3

/** Whether title dropout blanks this poster's title in a training seeded `seed` (fixed per poster). */
export function titleDropped(seed: number, id: string): boolean {
  return seededUnit(seed + 6, id) < TITLE_DROPOUT
}

export interface TitledPoster {
  id: string
  title: string | null
  year: number | null
}

/** FNV-1a, 32 bits. */
function fnv1a(s: string): number {
  let h = 0x811c9dc5
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i)
    h = Math.imul(h, 0x01000193)
  }
  return h >>> 0
}

/** Lower-case words with accents folded; "Amélie" and "AMELIE" give the same tokens. */
export function titleWords(title: string): string[] {
  return (
    title
      .normalize('NFKD')
      .replace(/[\u0300-\u036f]/g, '')
      .toLowerCase()
      .match(/[\p{L}\p{N}]+/gu) ?? []
  )
}

/** Whether a title says something: not empty and not merely the poster's id or an IMDb-like id. */
export function usableTitle(p: TitledPoster): boolean {
  const t = p.title?.trim()
  if (!t) return false
  if (t === p.id) return false
  return !/^(tt|nm)\d+$/i.test(t)
}

/** The tokens a title and year contribute (exported for tests). */
export function titleTokens(title: string, year: number | null): string[] {
  const words = titleWords(title)
  const out: string[] = []
  words.forEach((w, i) => {
    out.push(`w:${w}`)
    if (i > 0) out.push(`b:${words[i - 1]} ${w}`)
    const padded = `<${w}>`
    for (let k = 0; k + 3 <= padded.length; k++) out.push(`c:${padded.slice(k, k + 3)}`)
  })
  if (year !== null && Number.isFinite(year)) out.push(`y:${Math.floor(year / 5) * 5}`)
  return out
}

/**
 * Writes a poster's title block into `out` at `offset` (TITLE_DIMS values): each token adds ±1
 * to its bucket (the sign from another hash bit halves collision bias), the block is scaled to
 * unit length, and the last value says a title was there. Blank: all zeros.
 */
export function writeTitleFeatures(p: TitledPoster, out: Float32Array, offset: number, blank = false): void {
  out.fill(0, offset, offset + TITLE_DIMS)
  if (blank || !usableTitle(p)) return
  const tokens = titleTokens(p.title!, p.year)
  if (tokens.length === 0) return
  for (const t of tokens) {
    const h = fnv1a(t)
    out[offset + (h % TITLE_BUCKETS)] += h & 0x80000000 ? -1 : 1
  }
  let s = 0
  for (let k = 0; k < TITLE_BUCKETS; k++) s += out[offset + k] ** 2
  const inv = s > 0 ? 1 / Math.sqrt(s) : 0
  for (let k = 0; k < TITLE_BUCKETS; k++) out[offset + k] *= inv
  out[offset + TITLE_BUCKETS] = 1
}

/**
 * The image rows with each poster's title block appended: [posters × (dims + TITLE_DIMS)];
 * `blank(i)` blanks row i (dropout, or scoring without titles). Written into the first rows of
 * `out` when given (it may hold more rows after them).
 */
export function appendTitles(
  x: Float32Array,
  dims: number,
  posters: TitledPoster[],
  blank: (i: number) => boolean = () => false,
  out: Float32Array = new Float32Array(posters.length * (dims + TITLE_DIMS)),
): Float32Array {
  const w = dims + TITLE_DIMS
  posters.forEach((p, i) => {
    out.set(x.subarray(i * dims, (i + 1) * dims), i * w)
    writeTitleFeatures(p, out, i * w + dims, blank(i))
  })
  return out
}

export interface TitledTrainingRows {
  /** The posters' rows (titles kept), then a title-blanked copy of each dropped-out poster. */
  x: Float32Array
  y: Float32Array
  dims: number
  /** The row each poster trains as (its blanked copy when dropped out): cross-validation's trainRow. */
  trainRow: Int32Array
}

/**
 * Training rows with title dropout: the posters `dropped(i)` picks train on a copy without
 * their title, so the model learns to predict from the image alone too, while every poster is
 * still scored (out of fold) with its title as it will be at prediction time.
 */
export function titledTrainingRows(x: Float32Array, dims: number, y: Float32Array, genres: number, posters: TitledPoster[], dropped: (i: number) => boolean): TitledTrainingRows {
  const n = posters.length
  const copies = posters.flatMap((p, i) => (dropped(i) && usableTitle(p) ? [i] : []))
  const w = dims + TITLE_DIMS
  // Shared memory: the training threads read these rows as they are (head-pool.ts), not a copy.
  const out = appendTitles(x, dims, posters, undefined, new Float32Array(new SharedArrayBuffer((n + copies.length) * w * 4)))
  const yy = new Float32Array((n + copies.length) * genres)
  yy.set(y.subarray(0, n * genres))
  const trainRow = Int32Array.from({ length: n }, (_, i) => i)
  copies.forEach((i, k) => {
    const r = n + k
    out.set(x.subarray(i * dims, (i + 1) * dims), r * w)
    writeTitleFeatures(posters[i], out, r * w + dims, true)
    yy.set(y.subarray(i * genres, (i + 1) * genres), r * genres)
    trainRow[i] = r
  })
  return { x: out, y: yy, dims: w, trainRow }
}

const NO_TITLE: TitledPoster = { id: '', title: null, year: null }

/**
 * What a run's heads take for image rows of `imageDims`: the rows themselves, or, when the run
 * learnt from titles (heads TITLE_DIMS wider), the rows with each poster's title block (blank
 * where `titles` gives none: files outside the library, sources without titles).
 */
export function headInput(headDims: number, x: Float32Array, imageDims: number, titles?: readonly (TitledPoster | null | undefined)[]): Float32Array {
  if (headDims === imageDims) return x
  if (headDims !== imageDims + TITLE_DIMS) throw new Error(`the run's model takes ${headDims} features a poster, these rows have ${imageDims}`)
  const n = x.length / imageDims
  return appendTitles(x, imageDims, Array.from({ length: n }, (_, i) => titles?.[i] ?? NO_TITLE))
}
