// Duplicate groups: posters that must always land on the same side of any split. Byte-identical
// artwork shares a content hash; near-identical artwork (the same poster re-encoded, resized or
// slightly cropped) has nearly the same embedding. Union-find over both relations.
import { mulberry32 } from '../../../shared/random'

export interface GroupItem {
  id: string
  hash: string
}

/**
 * Cosine similarity (of mean-centred embeddings) above which two posters count as the same
 * artwork. Measured on the shared posters against altered copies made with sharp (JPEG
 * re-encoding, resizing, 4% crops, see bench/near-duplicates.ts): altered copies score
 * >= 0.93 with their original, while the nearest DISTINCT poster of 99.5% of posters scores
 * below 0.85.
 */
export const NEAR_DUPLICATE_COSINE = 0.9

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

const BITS = 64

/**
 * 64-bit sign sketches of unit rows (random hyperplanes, SimHash): the Hamming distance of two
 * sketches estimates their angle (E = 64·θ/π), so candidate pairs are found with popcounts
 * instead of 1,952-value dot products. Hyperplanes are sparse ±1 (Achlioptas) to stay cheap.
 */
function sketches(u: Float32Array, d: number): Uint32Array {
  const n = u.length / d
  const rand = mulberry32(0x5eed)
  // For each bit: the dims with +1 and with -1 (each with probability 1/6).
  const planes: { plus: number[]; minus: number[] }[] = []
  for (let b = 0; b < BITS; b++) {
    const plus: number[] = []
    const minus: number[] = []
    for (let k = 0; k < d; k++) {
      const r = rand()
      if (r < 1 / 6) plus.push(k)
      else if (r < 1 / 3) minus.push(k)
    }
    planes.push({ plus, minus })
  }
  const out = new Uint32Array(n * 2)
  for (let r = 0; r < n; r++) {
    const o = r * d
    for (let b = 0; b < BITS; b++) {
      let s = 0
      for (const k of planes[b].plus) s += u[o + k]
      for (const k of planes[b].minus) s -= u[o + k]
      if (s > 0) out[r * 2 + (b >> 5)] |= 1 << (b & 31)
    }
  }
  return out
}

function popcount(v: number): number {
  v = v - ((v >>> 1) & 0x55555555)
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333)
  return (((v + (v >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24
}

/**
 * Pairs (i < j) of rows whose centred cosine is at least `minCosine`: sketch candidates
 * (Hamming distance at most a generous bound for that angle), then the exact cosine.
 */
export function nearDuplicatePairs(x: Float32Array, d: number, minCosine = NEAR_DUPLICATE_COSINE): [number, number][] {
  const n = x.length / d
  if (n < 2) return []
  const u = centredUnitRows(x, d)
  const sk = sketches(u, d)
  // Expected distance at the threshold angle, plus ~4 standard deviations of the estimate.
  const theta = Math.acos(Math.min(1, Math.max(-1, minCosine)))
  const p = theta / Math.PI
  const maxHamming = Math.ceil(BITS * p + 4 * Math.sqrt(BITS * p * (1 - p)) + 1)
  const pairs: [number, number][] = []
  for (let i = 0; i < n; i++) {
    const a0 = sk[i * 2]
    const a1 = sk[i * 2 + 1]
    for (let j = i + 1; j < n; j++) {
      if (popcount(a0 ^ sk[j * 2]) + popcount(a1 ^ sk[j * 2 + 1]) > maxHamming) continue
      let dot = 0
      const oi = i * d
      const oj = j * d
      for (let k = 0; k < d; k++) dot += u[oi + k] * u[oj + k]
      if (dot >= minCosine) pairs.push([i, j])
    }
  }
  return pairs
}

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
 * Groups of items that must stay together: same content hash, or (with embeddings) centred
 * cosine similarity of at least `minCosine`, closed transitively.
 */
export function duplicateGroups(items: GroupItem[], embeddings?: { x: Float32Array; dims: number; minCosine?: number }): Groups {
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
    for (const [i, j] of nearDuplicatePairs(embeddings.x, embeddings.dims, embeddings.minCosine)) {
      if (uf.find(i) !== uf.find(j)) nearDuplicates++
      uf.union(i, j)
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
