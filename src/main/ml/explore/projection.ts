// A very sparse random projection (Li, Hastie & Church 2006): each of P output values sums
// about d/16 input values with random signs, so projecting a 1,952-value embedding costs
// ~P·122 additions instead of P·1,952 multiply-adds, and dot products of projected rows
// approximate those of the originals (Johnson-Lindenstrauss). Seeded: the same every run.
import { mulberry32 } from '../../../shared/random'

export interface Projection {
  dims: number
  out: number
  /** Per output value: input indices with sign +1, then -1. */
  plus: Int32Array[]
  minus: Int32Array[]
}

export function sparseProjection(dims: number, out: number, seed = 0x51a1, density = 1 / 16): Projection {
  const rand = mulberry32(seed)
  const plus: Int32Array[] = []
  const minus: Int32Array[] = []
  for (let o = 0; o < out; o++) {
    const p: number[] = []
    const m: number[] = []
    for (let k = 0; k < dims; k++) {
      const r = rand()
      if (r < density / 2) p.push(k)
      else if (r < density) m.push(k)
    }
    plus.push(Int32Array.from(p))
    minus.push(Int32Array.from(m))
  }
  return { dims, out, plus, minus }
}

/** Projects `row` (starting at `offset` of `src`) into `dst` at `dstOffset`. */
export function project(p: Projection, src: Float32Array, offset: number, dst: Float32Array, dstOffset: number): void {
  for (let o = 0; o < p.out; o++) {
    let s = 0
    const pl = p.plus[o]
    const mi = p.minus[o]
    for (let i = 0; i < pl.length; i++) s += src[offset + pl[i]]
    for (let i = 0; i < mi.length; i++) s -= src[offset + mi[i]]
    dst[dstOffset + o] = s
  }
}
