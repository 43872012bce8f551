// Nearest posters by embedding, fast at 100,000 posters. Exact cosine over 1,952-value rows
// would be ~200M multiply-adds a query (hundreds of ms in JS), so the index keeps only a
// 256-value sparse random projection of every mean-centred row in memory (102 MB at 100k),
// ranks all posters by it, and re-ranks the best few hundred with the exact cosine of their
// full rows read back from the embedding cache. bench/explore.ts measures the latency and the
// recall of the top 10 against exact search.
import type { Db } from '../../library/db'
import { readEmbeddings, type FeatureKey } from '../store/embeddings'
import { project, sparseProjection, type Projection } from './projection'

export const PROJECTED_DIMS = 256
/**
 * Above this many posters a first pass ranks everyone by the first COARSE_DIMS projected values
 * (renormalised; a prefix of a random projection is one too) and keeps COARSE_KEEP for the
 * 256-value pass: a quarter of the scan, the true neighbours far inside the kept share.
 */
export const COARSE_FROM = 20_000
export const COARSE_DIMS = 64
export const COARSE_KEEP = 3000
/** Candidates re-ranked exactly (at least; a query for more neighbours takes 4 × k). */
export const RERANK = 200

export interface Hit {
  row: number
  id: string
  similarity: number
}

/** A copy of `v` minus `mean`, scaled to unit length. */
export function centredUnit(v: Float32Array, mean: Float32Array): Float32Array {
  const out = new Float32Array(v.length)
  let s = 0
  for (let k = 0; k < v.length; k++) {
    const x = v[k] - mean[k]
    out[k] = x
    s += x * x
  }
  const inv = s > 0 ? 1 / Math.sqrt(s) : 0
  for (let k = 0; k < v.length; k++) out[k] *= inv
  return out
}

export function dot(a: Float32Array, b: Float32Array): number {
  let s = 0
  for (let k = 0; k < a.length; k++) s += a[k] * b[k]
  return s
}

/** Indices of the `c` largest scores (alive rows only), in no particular order. */
export function topIndices(scores: Float32Array, alive: Uint8Array, n: number, c: number): number[] {
  // A binary min-heap of size c over (score, index).
  const hs = new Float32Array(c)
  const hi = new Int32Array(c)
  let size = 0
  const siftDown = (i: number) => {
    for (;;) {
      const l = 2 * i + 1
      const r = l + 1
      let m = i
      if (l < size && hs[l] < hs[m]) m = l
      if (r < size && hs[r] < hs[m]) m = r
      if (m === i) return
      const ts = hs[i], ti = hi[i]
      hs[i] = hs[m]; hi[i] = hi[m]
      hs[m] = ts; hi[m] = ti
      i = m
    }
  }
  for (let i = 0; i < n; i++) {
    if (!alive[i]) continue
    const s = scores[i]
    if (size < c) {
      let j = size++
      hs[j] = s; hi[j] = i
      while (j > 0) {
        const p = (j - 1) >> 1
        if (hs[p] <= hs[j]) break
        const ts = hs[p], ti = hi[p]
        hs[p] = hs[j]; hi[p] = hi[j]
        hs[j] = ts; hi[j] = ti
        j = p
      }
    } else if (s > hs[0]) {
      hs[0] = s; hi[0] = i
      siftDown(0)
    }
  }
  return Array.from(hi.subarray(0, size))
}

interface Snapshot {
  stamp: string
  posters: number
}

export class SimilarityIndex {
  readonly proj: Projection
  ids: string[] = []
  hashes: string[] = []
  private rowOf = new Map<string, number>()
  private rows = new Float32Array(0)
  private coarse = new Float32Array(0)
  private alive = new Uint8Array(0)
  private live = 0
  /** The mean of the rows at the last full build (new rows are centred on it too). */
  mean: Float32Array
  private meanProj: Float32Array
  private builtWith = 0
  private snapshot: Snapshot | null = null
  private quick = ''

  constructor(
    readonly key: FeatureKey,
    readonly dims: number,
    readonly projected = PROJECTED_DIMS,
  ) {
    this.proj = sparseProjection(dims, projected)
    this.mean = new Float32Array(dims)
    this.meanProj = new Float32Array(projected)
  }

  get size(): number {
    return this.live
  }

  /** Posters in the library at the last refresh (embedded or not). */
  get posters(): number {
    return this.snapshot?.posters ?? 0
  }

  /** Changes whenever a poster or an embedding is added, replaced or removed. */
  private stampOf(db: Db): Snapshot {
    const e = db.prepare('SELECT MAX(rowid) FROM embeddings').pluck().get() as number | null
    const p = db.prepare('SELECT COUNT(*) AS n, MAX(rowid) AS m FROM posters').get() as { n: number; m: number | null }
    return { stamp: `${e}:${p.n}:${p.m}`, posters: p.n }
  }

  /** Brings the index up to date with the library; cheap when nothing changed. */
  refresh(db: Db): void {
    // O(1) first: nothing was written by this connection (total_changes) or another
    // (data_version) since the last look, so the counts below need not be taken again.
    const quick = `${db.pragma('data_version', { simple: true })}:${db.prepare('SELECT total_changes()').pluck().get()}`
    if (quick === this.quick) return
    this.quick = quick
    const snap = this.stampOf(db)
    if (this.snapshot?.stamp === snap.stamp) return
    const present = db
      .prepare('SELECT p.id, p.hash FROM posters p WHERE EXISTS (SELECT 1 FROM embeddings e WHERE e.hash = p.hash AND e.backbone = ? AND e.features = ?)')
      .all(this.key.backbone, this.key.features) as { id: string; hash: string }[]
    const added = present.filter((p) => {
      const r = this.rowOf.get(p.id)
      return r === undefined || this.hashes[r] !== p.hash || !this.alive[r]
    })
    // Many new rows move the mean: rebuild from scratch, else centre the new ones on the old mean.
    if (this.builtWith === 0 || added.length > 0.25 * this.builtWith) this.build(db, present)
    else {
      const keep = new Set(present.map((p) => p.id))
      for (const [id, r] of this.rowOf) if (!keep.has(id) && this.alive[r]) this.kill(r)
      for (const p of added) {
        const r = this.rowOf.get(p.id)
        if (r !== undefined && this.alive[r]) this.kill(r)
      }
      this.append(db, added, false)
    }
    this.snapshot = snap
  }

  private kill(r: number): void {
    this.alive[r] = 0
    this.live--
  }

  private build(db: Db, present: { id: string; hash: string }[]): void {
    this.ids = []
    this.hashes = []
    this.rowOf = new Map()
    this.rows = new Float32Array(0)
    this.coarse = new Float32Array(0)
    this.alive = new Uint8Array(0)
    this.live = 0
    this.mean = new Float32Array(this.dims)
    this.meanProj = new Float32Array(this.projected)
    this.append(db, present, true)
    this.builtWith = this.live
  }

  private grow(n: number): void {
    if (n * this.projected <= this.rows.length) return
    const cap = Math.max(n, Math.ceil(this.alive.length * 1.5), 1024)
    const rows = new Float32Array(cap * this.projected)
    rows.set(this.rows)
    this.rows = rows
    const coarse = new Float32Array(cap * COARSE_DIMS)
    coarse.set(this.coarse)
    this.coarse = coarse
    const alive = new Uint8Array(cap)
    alive.set(this.alive)
    this.alive = alive
  }

  /**
   * Projects the raw rows of `posters`; on a full build the mean is accumulated on the way and
   * subtracted afterwards (a projection is linear: P(x − m) = P(x) − P(m)).
   */
  private append(db: Db, posters: { id: string; hash: string }[], computeMean: boolean): void {
    const P = this.projected
    const start = this.ids.length
    this.grow(start + posters.length)
    const sum = computeMean ? new Float64Array(this.dims) : null
    const CHUNK = 1000
    let placed = 0
    for (let s = 0; s < posters.length; s += CHUNK) {
      const part = posters.slice(s, s + CHUNK)
      const vecs = readEmbeddings(db, this.key, part.map((p) => p.hash))
      for (const p of part) {
        const v = vecs.get(p.hash)
        if (!v || v.length !== this.dims) continue
        const r = start + placed++
        this.ids.push(p.id)
        this.hashes.push(p.hash)
        this.rowOf.set(p.id, r)
        this.alive[r] = 1
        this.live++
        if (sum) for (let k = 0; k < this.dims; k++) sum[k] += v[k]
        project(this.proj, v, 0, this.rows, r * P)
      }
    }
    if (sum && placed > 0) {
      for (let k = 0; k < this.dims; k++) this.mean[k] = sum[k] / placed
      project(this.proj, this.mean, 0, this.meanProj, 0)
    }
    for (let r = start; r < start + placed; r++) {
      let n2 = 0
      for (let o = 0; o < P; o++) {
        const x = this.rows[r * P + o] - this.meanProj[o]
        this.rows[r * P + o] = x
        n2 += x * x
      }
      const inv = n2 > 0 ? 1 / Math.sqrt(n2) : 0
      for (let o = 0; o < P; o++) this.rows[r * P + o] *= inv
      let c2 = 0
      for (let o = 0; o < COARSE_DIMS; o++) c2 += this.rows[r * P + o] ** 2
      const cinv = c2 > 0 ? 1 / Math.sqrt(c2) : 0
      for (let o = 0; o < COARSE_DIMS; o++) this.coarse[r * COARSE_DIMS + o] = this.rows[r * P + o] * cinv
    }
  }

  has(id: string): boolean {
    const r = this.rowOf.get(id)
    return r !== undefined && this.alive[r] === 1
  }

  /**
   * The `k` nearest posters to a raw embedding, by exact centred cosine among the best
   * `rerank` by projected cosine (all of them when the library is that small).
   */
  query(db: Db, vector: Float32Array, k: number, opts: { exclude?: Set<string>; rerank?: number } = {}): Hit[] {
    const P = this.projected
    const n = this.ids.length
    const q = centredUnit(vector, this.mean)
    const qp = new Float32Array(P)
    project(this.proj, q, 0, qp, 0)
    const excluded = opts.exclude?.size ?? 0
    const c = Math.min(this.live, Math.max(opts.rerank ?? RERANK, 4 * k) + excluded)
    // The rows the 256-value pass scores: everyone, or the coarse pass's best.
    let pool: Int32Array | null = null
    if (this.live > COARSE_FROM && COARSE_KEEP > c) {
      const qc = qp.slice(0, COARSE_DIMS)
      const cs = new Float32Array(n)
      const coarse = this.coarse
      for (let r = 0; r < n; r++) {
        let s = 0
        const o = r * COARSE_DIMS
        for (let j = 0; j < COARSE_DIMS; j++) s += coarse[o + j] * qc[j]
        cs[r] = s
      }
      pool = Int32Array.from(topIndices(cs, this.alive, n, COARSE_KEEP))
    }
    const m = pool ? pool.length : n
    const scores = new Float32Array(m)
    const rows = this.rows
    for (let i = 0; i < m; i++) {
      const r = pool ? pool[i] : i
      let s = 0
      const o = r * P
      for (let j = 0; j < P; j++) s += rows[o + j] * qp[j]
      scores[i] = s
    }
    const top = topIndices(scores, pool ? new Uint8Array(m).fill(1) : this.alive, m, c)
    const chosen = pool
    const cand = (chosen ? top.map((i) => chosen[i]) : top).filter((r) => !opts.exclude?.has(this.ids[r]))
    const vecs = readEmbeddings(db, this.key, cand.map((r) => this.hashes[r]))
    const hits: Hit[] = []
    const qm = dot(q, this.mean)
    const mm = dot(this.mean, this.mean)
    for (const r of cand) {
      const v = vecs.get(this.hashes[r])
      if (v) hits.push({ row: r, id: this.ids[r], similarity: this.centredCosine(q, qm, mm, v) })
    }
    hits.sort((a, b) => b.similarity - a.similarity || (a.id < b.id ? -1 : 1))
    return hits.slice(0, k)
  }

  /**
   * cos(q, v − m) for a centred unit `q`, in one pass over v without a copy:
   * q·(v − m) = q·v − q·m and |v − m|² = v·v − 2 v·m + m·m.
   */
  private centredCosine(q: Float32Array, qm: number, mm: number, v: Float32Array): number {
    const m = this.mean
    let qv = 0, vv = 0, vm = 0
    for (let k = 0; k < v.length; k++) {
      const x = v[k]
      qv += q[k] * x
      vv += x * x
      vm += x * m[k]
    }
    const n2 = vv - 2 * vm + mm
    return n2 > 0 ? (qv - qm) / Math.sqrt(n2) : 0
  }

  /** Exact search over every row (the baseline the benchmark compares with). */
  exact(db: Db, vector: Float32Array, k: number, exclude?: Set<string>): Hit[] {
    const q = centredUnit(vector, this.mean)
    const hits: Hit[] = []
    const CHUNK = 1000
    for (let s = 0; s < this.ids.length; s += CHUNK) {
      const rows = Array.from({ length: Math.min(CHUNK, this.ids.length - s) }, (_, i) => s + i).filter((r) => this.alive[r] && !exclude?.has(this.ids[r]))
      const vecs = readEmbeddings(db, this.key, rows.map((r) => this.hashes[r]))
      for (const r of rows) {
        const v = vecs.get(this.hashes[r])
        if (v) hits.push({ row: r, id: this.ids[r], similarity: dot(q, centredUnit(v, this.mean)) })
      }
    }
    hits.sort((a, b) => b.similarity - a.similarity || (a.id < b.id ? -1 : 1))
    return hits.slice(0, k)
  }

  /** The projected unit rows of the live posters (the map's input), with their ids. */
  projectedRows(): { ids: string[]; rows: Float32Array } {
    const P = this.projected
    const ids: string[] = []
    const out = new Float32Array(this.live * P)
    let i = 0
    for (let r = 0; r < this.ids.length; r++) {
      if (!this.alive[r]) continue
      ids.push(this.ids[r])
      out.set(this.rows.subarray(r * P, (r + 1) * P), i++ * P)
    }
    return { ids, rows: out }
  }
}

const indexes = new WeakMap<Db, SimilarityIndex>()

/** The library's index for this feature key, brought up to date. */
export function similarityIndex(db: Db, key: FeatureKey, dims: number): SimilarityIndex {
  let idx = indexes.get(db)
  if (!idx || idx.key.backbone !== key.backbone || idx.key.features !== key.features || idx.dims !== dims) {
    idx = new SimilarityIndex(key, dims)
    indexes.set(db, idx)
  }
  idx.refresh(db)
  return idx
}
