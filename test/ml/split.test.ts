import { describe, expect, it } from 'vitest'
import { seededUnit, validationMask } from '../../src/main/ml/train/split'

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

  it('gives each side a group when a small library draws them all on one side', () => {
    // Twelve posters (two sharing their artwork) and the first seeds that put none in validation.
    const small = Array.from({ length: 12 }, (_, i) => ({ id: `f-${i}`, hash: i === 11 ? 'h-10' : `h-${i}` }))
    const unit = (seed: number, id: string) => seededUnit(seed, id)
    const groups = small.filter((it) => it.id !== 'f-11').map((it) => it.id)
    const seeds = Array.from({ length: 400 }, (_, s) => s).filter((s) => groups.every((id) => unit(s, id) >= 0.2))
    expect(seeds.length).toBeGreaterThan(5)
    for (const seed of seeds.slice(0, 5)) {
      const mask = validationMask(small, seed)
      // One group crosses: the one drawn nearest the line; the shared artwork stays together.
      const nearest = groups.reduce((a, b) => (unit(seed, b) < unit(seed, a) ? b : a))
      expect(small.filter((_, i) => mask[i]).map((it) => it.id)).toEqual(nearest === 'f-10' ? ['f-10', 'f-11'] : [nearest])
      expect(validationMask(small, seed)).toEqual(mask)
    }
    // And the other way: a large fraction that draws every group for validation leaves one to train on.
    const three = small.slice(0, 3)
    const all = Array.from({ length: 400 }, (_, s) => s).find((s) => three.every((it) => unit(s, it.id) < 0.9))!
    expect(validationMask(three, all, 0.9).filter(Boolean)).toHaveLength(2)
    // One group alone cannot be split.
    expect(validationMask(small.slice(0, 1), seeds[0])).toEqual([false])
  })
})
