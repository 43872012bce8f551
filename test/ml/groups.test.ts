// The near-duplicate search finds the same pairs, with the same cosines in the same order, and
// so the same groups, as the search it replaced (bench/_before/groups.ts: one row's sketch and
// one candidate's dot product at a time), on constructed copies and on random rows.
import { describe, expect, it } from 'vitest'
import { duplicateGroups, nearDuplicatePairs, nearDuplicatePairsAsync } from '../../src/main/ml/train/groups'
import * as before from '../../bench/_before/groups'
import { mulberry32 } from '../../src/shared/random'

function gaussian(seed: number) {
  const rand = mulberry32(seed)
  return () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand())
}

/** `bases` random rows, each followed by `copies` noisy copies; odd row counts exercise the tails. */
function withCopies(bases: number, copies: number, d: number, noise: number, seed: number) {
  const g = gaussian(seed)
  const n = bases * (1 + copies)
  const x = new Float32Array(n * d)
  for (let b = 0; b < bases; b++) {
    const base = Array.from({ length: d }, () => g())
    for (let c = 0; c <= copies; c++) for (let k = 0; k < d; k++) x[(b * (1 + copies) + c) * d + k] = base[k] + (c ? noise * (1 + b / bases) * g() : 0)
  }
  const items = Array.from({ length: n }, (_, i) => ({ id: `tt${String(i).padStart(7, '0')}`, hash: `h${i % 97 === 5 ? 5 : i}` }))
  return { x, items }
}

describe('near-duplicate search', () => {
  it.each([
    [201, 1, 64, 0.6, 0.7],
    [67, 3, 40, 0.9, 0.7],
    [150, 2, 96, 0.4, 0.9],
    [33, 7, 24, 1.2, 0.5],
  ])('constructed copies (%i bases x %i copies, %i dims, noise %s, cosine %s): same pairs and groups as before', (bases, copies, d, noise, bound) => {
    const { x, items } = withCopies(bases, copies, d, noise, bases + d)
    const pairs = nearDuplicatePairs(x, d, bound)
    // Copies whose cosine straddles the bound: some pairs found, some copies left out.
    expect(pairs.length).toBeGreaterThan(10)
    expect(pairs.length).toBeLessThan((bases * copies * (copies + 1)) / 2)
    expect(pairs).toEqual(before.nearDuplicatePairs(x, d, bound))
    expect(duplicateGroups(items, { x, dims: d, minCosine: bound })).toEqual(before.duplicateGroups(items, { x, dims: d, minCosine: bound }))
  })

  it('random rows, with and without a shared direction: same pairs and groups as before', async () => {
    const rand = mulberry32(5)
    let found = 0
    for (let t = 0; t < 12; t++) {
      const n = 2 + Math.floor(rand() * 300)
      const d = 4 + Math.floor(rand() * 60)
      const g = gaussian(t + 1)
      // A common component makes many pairs similar (after centring, some stay so).
      const shared = Array.from({ length: d }, () => g())
      const mix = rand() * 2
      const x = new Float32Array(n * d)
      for (let i = 0; i < n; i++) {
        const w = rand() * mix
        for (let k = 0; k < d; k++) x[i * d + k] = g() + w * shared[k]
      }
      const items = Array.from({ length: n }, (_, i) => ({ id: `p${i}`, hash: `h${i}` }))
      const bound = 0.2 + rand() * 0.6
      const pairs = nearDuplicatePairs(x, d, bound)
      found += pairs.length
      expect(pairs).toEqual(before.nearDuplicatePairs(x, d, bound))
      expect(await nearDuplicatePairsAsync(x, d, bound)).toEqual(pairs)
      expect(duplicateGroups(items, { x, dims: d, minCosine: bound })).toEqual(before.duplicateGroups(items, { x, dims: d, minCosine: bound }))
    }
    expect(found).toBeGreaterThan(50)
  })
})
