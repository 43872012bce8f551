// Model weights on disk, under <library>/models/run-<id>/: head.json (shapes, options) and
// weights.bin (float32 arrays in a fixed order).
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { HeadWeights } from '../train/head'

export interface HeadFile {
  format: 'posterity-head-v1'
  dims: number
  genres: number
  hidden: number
  l2: boolean
  members: number
}

const parts = (w: HeadWeights): (Float32Array | null)[] => [w.mean, w.std, w.w1, w.b1, w.w2, w.b2]

/** Saves an ensemble of heads (one member is the common case). */
export function saveHeads(dir: string, heads: HeadWeights[]): void {
  mkdirSync(dir, { recursive: true })
  const h = heads[0]
  const meta: HeadFile = { format: 'posterity-head-v1', dims: h.dims, genres: h.genres, hidden: h.hidden, l2: h.l2, members: heads.length }
  const arrays = heads.flatMap((w) => parts(w).filter((a): a is Float32Array => a !== null))
  const buf = Buffer.concat(arrays.map((a) => Buffer.from(a.buffer, a.byteOffset, a.byteLength)))
  writeFileSync(join(dir, 'weights.bin'), buf)
  writeFileSync(join(dir, 'head.json'), JSON.stringify(meta, null, 2))
}

export function loadHeads(dir: string): HeadWeights[] {
  let meta: HeadFile
  try {
    meta = JSON.parse(readFileSync(join(dir, 'head.json'), 'utf8')) as HeadFile
  } catch (err) {
    throw new Error(`model weights missing or unreadable in ${dir}: ${(err as Error).message}`)
  }
  if (meta.format !== 'posterity-head-v1') throw new Error(`unknown model format ${String(meta.format)} in ${dir}`)
  const raw = readFileSync(join(dir, 'weights.bin'))
  const all = new Float32Array(new Uint8Array(raw).buffer)
  const { dims: d, genres: g, hidden: h } = meta
  const out1 = h || g
  let off = 0
  const take = (n: number) => {
    if (off + n > all.length) throw new Error(`model weights in ${dir} are truncated`)
    const a = all.slice(off, off + n)
    off += n
    return a
  }
  const heads: HeadWeights[] = []
  for (let m = 0; m < meta.members; m++) {
    heads.push({
      dims: d,
      genres: g,
      hidden: h,
      l2: meta.l2,
      mean: take(d),
      std: take(d),
      w1: take(d * out1),
      b1: take(out1),
      w2: h ? take(h * g) : null,
      b2: h ? take(g) : null,
    })
  }
  return heads
}
