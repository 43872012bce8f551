// Frozen copy of src/main/ml/train/groups.ts as it was before the queue-speed work (commit d43c189):
// the baseline bench/queue-stages.ts times the current code against, and the reference
// test/ml/groups.test.ts compares the current near-duplicate search with. Not product code.
// Duplicate groups: posters that must always land on the same side of any split. Byte-identical
// artwork shares a content hash; near-identical artwork (the same poster re-encoded, resized or
// slightly cropped) has nearly the same embedding. Union-find over both relations.
import { mulberry32 } from '../../src/shared/random'

export interface GroupItem {
  id: string
  hash: string
}

/**
 * Cosine similarity (of mean-centred embeddings) at or above which two posters count as the
 * same artwork. Measured with `npm run bench -- near-duplicates` on the shared posters:
 * copies altered with sharp (JPEG q=35, resized 50% / 200%, cropped 4% a side or 8% of the
 * bottom, crop + resize + re-encode) score 0.65-0.95 with their original, 1% of them below
 * 0.71; the nearest DISTINCT poster of a poster scores 0.42 (median), 0.68 at the 99th
 * percentile. 0.7 keeps ~99% of altered copies with their original and joins ~50 pairs of
 * distinct but very similar posters (harmless: they just share a fold).
 */
export const NEAR_DUPLICATE_COSINE = 0.7

class UnionFind {
  readonly parent: Int32Array
  constructor(n: number) {
    this.parent = Int32Array.from({ length: n }, (_, i) => i)
  }
  find(i: number): number {
    while (this.parent[i] !== i) {
      this.parent[i] = this.parent[this.parent[i]]
      i = this.parent[i]
    }
    return i
  }
  union(a: number, b: number): void {
    const ra = this.find(a)
    const rb = this.find(b)
    if (ra !== rb) this.parent[Math.max(ra, rb)] = Math.min(ra, rb)
  }
}

/** Rows centred on their mean and scaled to unit length (a copy). */
function centredUnitRows(x: Float32Array, d: number): Float32Array {
  const n = x.length / d
  const mean = new Float64Array(d)
  for (let r = 0; r < n; r++) for (let k = 0; k < d; k++) mean[k] += x[r * d + k]
  for (let k = 0; k < d; k++) mean[k] /= Math.max(n, 1)
  const out = new Float32Array(x.length)
  for (let r = 0; r < n; r++) {
    let s = 0
    for (let k = 0; k < d; k++) {
      const v = x[r * d + k] - mean[k]
      out[r * d + k] = v
      s += v * v
    }
    const inv = s > 0 ? 1 / Math.sqrt(s) : 0
    for (let k = 0; k < d; k++) out[r * d + k] *= inv
  }
  return out
}

const BITS = 256
const WORDS = BITS / 32

/**
 * 256-bit sign sketches of unit rows (random hyperplanes, SimHash): the Hamming distance of
 * two sketches estimates their angle (E = 256·θ/π), so candidate pairs are found with
 * popcounts instead of 1,952-value dot products. Hyperplanes are sparse ±1 (an eighth of the
 * dims each) to stay cheap.
 */
function sketches(u: Float32Array, d: number): Uint32Array {
  const n = u.length / d
  const rand = mulberry32(0x5eed)
  // For each bit: the dims with +1 and with -1 (each with probability 1/16).
  const planes: { plus: Int32Array; minus: Int32Array }[] = []
  for (let b = 0; b < BITS; b++) {
    const plus: number[] = []
    const minus: number[] = []
    for (let k = 0; k < d; k++) {
      const r = rand()
      if (r < 1 / 16) plus.push(k)
      else if (r < 1 / 8) minus.push(k)
    }
    planes.push({ plus: Int32Array.from(plus), minus: Int32Array.from(minus) })
  }
  const out = new Uint32Array(n * WORDS)
  for (let r = 0; r < n; r++) {
    const o = r * d
    for (let b = 0; b < BITS; b++) {
      let s = 0
      const { plus, minus } = planes[b]
      for (let i = 0; i < plus.length; i++) s += u[o + plus[i]]
      for (let i = 0; i < minus.length; i++) s -= u[o + minus[i]]
      if (s > 0) out[r * WORDS + (b >> 5)] |= 1 << (b & 31)
    }
  }
  return out
}

function popcount(v: number): number {
  v = v - ((v >>> 1) & 0x55555555)
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333)
  return (((v + (v >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24
}

interface PairSearch {
  n: number
  /** Appends the pairs (i, j > i) of rows i in [from, to) to `pairs`. */
  scan(from: number, to: number, pairs: [number, number, number][]): void
}

/** Centres the rows, sketches them, and returns the scan over row ranges. */
function pairSearch(x: Float32Array, d: number, minCosine: number): PairSearch {
  const n = x.length / d
  const u = centredUnitRows(x, d)
  const sk = sketches(u, d)
  // Expected distance at the threshold angle, plus 4 standard deviations of the estimate
  // (sparse planes estimate a little less precisely than dense Gaussian ones).
  const theta = Math.acos(Math.min(1, Math.max(-1, minCosine)))
  const p = theta / Math.PI
  const maxHamming = Math.ceil(BITS * p + 4 * Math.sqrt(BITS * p * (1 - p)) + 1)
  return {
    n,
    scan(from, to, pairs) {
      for (let i = from; i < to; i++) {
        const a = i * WORDS
        for (let j = i + 1; j < n; j++) {
          const b = j * WORDS
          let h = 0
          for (let w = 0; w < WORDS && h <= maxHamming; w++) h += popcount(sk[a + w] ^ sk[b + w])
          if (h > maxHamming) continue
          let dot = 0
          const oi = i * d
          const oj = j * d
          for (let k = 0; k < d; k++) dot += u[oi + k] * u[oj + k]
          if (dot >= minCosine) pairs.push([i, j, dot])
        }
      }
    },
  }
}

/**
 * Pairs (i < j, with their cosine) of rows whose centred cosine is at least `minCosine`:
 * sketch candidates (Hamming distance at most a generous bound for that angle), then the
 * exact cosine.
 */
export function nearDuplicatePairs(x: Float32Array, d: number, minCosine = NEAR_DUPLICATE_COSINE): [number, number, number][] {
  const pairs: [number, number, number][] = []
  if (x.length / d < 2) return pairs
  const search = pairSearch(x, d, minCosine)
  search.scan(0, search.n, pairs)
  return pairs
}

/**
 * The same pairs, scanned a few rows at a time with the event loop let through in between, so
 * a server answering other calls (Explore's duplicates) is not stalled for the whole search.
 */
export async function nearDuplicatePairsAsync(x: Float32Array, d: number, minCosine = NEAR_DUPLICATE_COSINE, signal?: AbortSignal): Promise<[number, number, number][]> {
  const pairs: [number, number, number][] = []
  if (x.length / d < 2) return pairs
  const search = pairSearch(x, d, minCosine)
  // About 2·10⁶ sketch comparisons a slice.
  const rows = Math.max(1, Math.floor(2e6 / search.n))
  for (let i = 0; i < search.n; i += rows) {
    if (signal?.aborted) throw new Error('cancelled')
    search.scan(i, Math.min(search.n, i + rows), pairs)
    await new Promise((r) => setImmediate(r))
  }
  return pairs
}

/**
 * Largest group the embedding test may build. The same artwork rarely appears more than a
 * few times; a bigger cluster is a chain of merely similar posters (a franchise, one studio's
 * template, generated test images that differ by a detail), and one such group holding a
 * large share of a genre would empty that genre from the other folds.
 */
export const MAX_NEAR_DUPLICATE_GROUP = 8

export interface Groups {
  /** Group index of each item (0..count-1). */
  of: Int32Array
  count: number
  /** Each group's key: its smallest poster id (stable when unrelated posters are added). */
  keys: string[]
  /** How many items joined a group through the embedding test alone (not the hash). */
  nearDuplicates: number
}

/**
 * Groups of items that must stay together: same content hash (always), or (with embeddings)
 * centred cosine similarity of at least `minCosine`, closed transitively, most similar pairs
 * first, as long as the group stays within MAX_NEAR_DUPLICATE_GROUP posters.
 */
export function duplicateGroups(items: GroupItem[], embeddings?: { x: Float32Array; dims: number; minCosine?: number; maxGroup?: number }): Groups {
  const n = items.length
  const uf = new UnionFind(n)
  const byHash = new Map<string, number>()
  items.forEach((it, i) => {
    const j = byHash.get(it.hash)
    if (j === undefined) byHash.set(it.hash, i)
    else uf.union(i, j)
  })
  let nearDuplicates = 0
  if (embeddings && n > 1) {
    if (embeddings.x.length !== n * embeddings.dims) throw new Error(`duplicateGroups: ${n} rows of ${embeddings.dims} values expected`)
    const size = new Int32Array(n)
    for (let i = 0; i < n; i++) size[uf.find(i)]++
    const maxGroup = embeddings.maxGroup ?? MAX_NEAR_DUPLICATE_GROUP
    const pairs = nearDuplicatePairs(embeddings.x, embeddings.dims, embeddings.minCosine).sort((a, b) => b[2] - a[2])
    for (const [i, j] of pairs) {
      const [ri, rj] = [uf.find(i), uf.find(j)]
      if (ri === rj || size[ri] + size[rj] > maxGroup) continue
      nearDuplicates++
      uf.union(ri, rj)
      size[uf.find(ri)] = size[ri] + size[rj]
    }
  }
  const index = new Map<number, number>()
  const keys: string[] = []
  const of = new Int32Array(n)
  for (let i = 0; i < n; i++) {
    const root = uf.find(i)
    let g = index.get(root)
    if (g === undefined) {
      g = keys.length
      index.set(root, g)
      keys.push(items[i].id)
    } else if (items[i].id < keys[g]) keys[g] = items[i].id
    of[i] = g
  }
  return { of, count: keys.length, keys, nearDuplicates }
}
