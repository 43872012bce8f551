// The embeddings map's 2-D layout: UMAP (umap-js) on a sample of the projected rows, the
// other posters placed at the similarity-weighted mean of their nearest sampled posters.
// UMAP's neighbour search and epochs grow faster than linearly, so fitting every poster of a
// 100,000-poster library would take many minutes; placing against a sample takes seconds.
import { UMAP } from 'umap-js'
import { mulberry32 } from '../../shared/random'

/** Posters UMAP itself lays out; the rest are placed against them. */
export const FIT_SAMPLE = 4000
/** Values of a row used to find a placed poster's neighbours (a random projection's prefix is one too). */
const PLACE_DIMS = 32

export interface LayoutOptions {
  seed?: number
  nEpochs?: number
  nNeighbors?: number
  /** Called with (done, total) as epochs and placements progress; return true to stop. */
  onProgress?: (done: number, total: number) => boolean | void
}

/** UMAP coordinates (x, y interleaved) of the n rows of `x` (row width d). */
export function umapLayout(x: Float32Array, d: number, opts: LayoutOptions = {}): Float32Array {
  const n = x.length / d
  if (n === 0) return new Float32Array(0)
  if (n < 4) {
    // Too few points for a neighbour graph: a line.
    return Float32Array.from({ length: 2 * n }, (_, i) => (i % 2 === 0 ? i / 2 : 0))
  }
  const rows: number[][] = Array.from({ length: n }, (_, r) => Array.from(x.subarray(r * d, (r + 1) * d)))
  const umap = new UMAP({
    nComponents: 2,
    nNeighbors: Math.min(opts.nNeighbors ?? 15, n - 1),
    nEpochs: opts.nEpochs ?? (n > 2000 ? 200 : 400),
    minDist: 0.1,
    random: mulberry32(opts.seed ?? 7),
  })
  const epochs = umap.initializeFit(rows)
  for (let e = 0; e < epochs; e++) {
    umap.step()
    if (opts.onProgress?.(e + 1, epochs)) throw new Error('cancelled')
  }
  const emb = umap.getEmbedding()
  const out = new Float32Array(2 * n)
  emb.forEach((p, i) => {
    out[2 * i] = p[0]
    out[2 * i + 1] = p[1]
  })
  return out
}

/**
 * Places the rows of `rest` among already placed `anchors` (unit rows, width d, with their
 * coordinates `anchorXY`): each at the mean of its k most similar anchors, weighted by similarity.
 */
export function placeAmong(anchors: Float32Array, anchorXY: Float32Array, rest: Float32Array, d: number, k = 5, onProgress?: (done: number, total: number) => boolean | void): Float32Array {
  const m = anchors.length / d
  const n = rest.length / d
  const pd = Math.min(PLACE_DIMS, d)
  const out = new Float32Array(2 * n)
  const bestS = new Float32Array(k)
  const bestI = new Int32Array(k)
  for (let r = 0; r < n; r++) {
    bestS.fill(-Infinity)
    bestI.fill(-1)
    const o = r * d
    for (let a = 0; a < m; a++) {
      let s = 0
      const ao = a * d
      for (let j = 0; j < pd; j++) s += rest[o + j] * anchors[ao + j]
      if (s <= bestS[k - 1]) continue
      let p = k - 1
      while (p > 0 && bestS[p - 1] < s) {
        bestS[p] = bestS[p - 1]
        bestI[p] = bestI[p - 1]
        p--
      }
      bestS[p] = s
      bestI[p] = a
    }
    let wx = 0, wy = 0, w = 0
    for (let j = 0; j < k; j++) {
      if (bestI[j] < 0) continue
      const wt = Math.max(bestS[j], 0) + 1e-3
      wx += wt * anchorXY[2 * bestI[j]]
      wy += wt * anchorXY[2 * bestI[j] + 1]
      w += wt
    }
    out[2 * r] = w ? wx / w : 0
    out[2 * r + 1] = w ? wy / w : 0
    if (r % 500 === 499 && onProgress?.(r + 1, n)) throw new Error('cancelled')
  }
  return out
}

/** Evenly spaced sample of `n` indices, at most `max` of them (deterministic). */
export function sampleIndices(n: number, max: number): number[] {
  if (n <= max) return Array.from({ length: n }, (_, i) => i)
  return Array.from({ length: max }, (_, i) => Math.floor((i * n) / max))
}
