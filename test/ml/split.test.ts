import { describe, expect, it } from 'vitest'
import { validationMask } from '../../src/main/ml/train/split'

describe('validation split', () => {
  const items = Array.from({ length: 2000 }, (_, i) => ({ id: `tt${String(i).padStart(7, '0')}`, hash: `h${i}` }))

  it('is deterministic for a seed and near the asked fraction', () => {
    const a = validationMask(items, 42)
    expect(validationMask(items, 42)).toEqual(a)
    const frac = a.filter(Boolean).length / items.length
    expect(frac).toBeGreaterThan(0.16)
    expect(frac).toBeLessThan(0.24)
    expect(validationMask(items, 7)).not.toEqual(a)
  })

  it('keeps identical content (same hash) on the same side', () => {
    // Ten groups of three posters sharing artwork, spread among the others.
    const withDups = items.map((it, i) => (i % 100 < 3 ? { ...it, hash: `dup${Math.floor(i / 100)}` } : it))
    for (const seed of [1, 2, 3, 42]) {
      const mask = validationMask(withDups, seed)
      const side = new Map<string, boolean>()
      withDups.forEach((it, i) => {
        if (!it.hash.startsWith('dup')) return
        if (side.has(it.hash)) expect(mask[i]).toBe(side.get(it.hash))
        else side.set(it.hash, mask[i])
      })
    }
  })

  it('does not move a poster when unrelated posters are added', () => {
    const a = validationMask(items.slice(0, 1000), 42)
    const b = validationMask(items, 42).slice(0, 1000)
    expect(b).toEqual(a)
  })
})
