// The grid's page cache: fetches only what is asked, never twice at once, drops answers
// of an outdated list, keeps old pages on screen during a refresh, and stays bounded.
import { describe, expect, it } from 'vitest'
import { PageCache } from '../../src/renderer/src/lib/page-cache'

interface Item {
  id: number
  v: number
}

/** A fake list of `total` items served with controllable answers. */
function source(total: number) {
  let version = 0
  const calls: number[] = []
  const waiting: (() => void)[] = []
  let hold = false
  const fetcher = (offset: number, limit: number) => {
    calls.push(offset)
    const v = version
    const answer = () => ({
      total,
      items: Array.from({ length: Math.max(0, Math.min(limit, total - offset)) }, (_, i) => ({ id: offset + i, v })),
    })
    if (!hold) return Promise.resolve(answer())
    return new Promise<{ total: number; items: Item[] }>((resolve) => waiting.push(() => resolve(answer())))
  }
  return {
    fetcher,
    calls,
    setVersion: (v: number) => (version = v),
    hold: (h: boolean) => (hold = h),
    release: () => waiting.splice(0).forEach((f) => f()),
  }
}

describe('PageCache', () => {
  it('fetches the first page before it knows the total, then only the pages of a range', async () => {
    const s = source(10_000)
    const cache = new PageCache<Item>(s.fetcher, () => {}, undefined, { pageSize: 100 })
    await cache.ensure(0, 500)
    expect(s.calls).toEqual([0])
    expect(cache.total).toBe(10_000)
    await cache.ensure(5_050, 5_250)
    expect(s.calls).toEqual([0, 5_000, 5_100, 5_200])
    expect(cache.get(5_123)).toEqual({ id: 5_123, v: 0 })
    expect(cache.get(3_000)).toBeUndefined()
    await cache.ensure(5_050, 5_250)
    expect(s.calls).toHaveLength(4)
  })

  it('asks for a page once while it is in flight', async () => {
    const s = source(1_000)
    const cache = new PageCache<Item>(s.fetcher, () => {}, undefined, { pageSize: 100 })
    await cache.ensure(0, 1)
    s.hold(true)
    const a = cache.ensure(300, 350)
    const b = cache.ensure(320, 340)
    s.release()
    await Promise.all([a, b])
    expect(s.calls.filter((c) => c === 300)).toHaveLength(1)
  })

  it('ignores answers for a list that was replaced, and starts over', async () => {
    const s = source(1_000)
    const cache = new PageCache<Item>(s.fetcher, () => {}, undefined, { pageSize: 100 })
    s.hold(true)
    const late = cache.ensure(0, 100)
    cache.invalidate(false)
    s.release()
    await late
    expect(cache.total).toBeNull()
    expect(cache.get(0)).toBeUndefined()
  })

  it('keeps showing old pages during a refresh and swaps them when the new ones land', async () => {
    const s = source(1_000)
    const cache = new PageCache<Item>(s.fetcher, () => {}, undefined, { pageSize: 100 })
    await cache.ensure(0, 1)
    await cache.ensure(0, 200)
    s.setVersion(1)
    s.hold(true)
    cache.invalidate(true)
    const refresh = cache.refresh()
    expect(cache.get(150)).toEqual({ id: 150, v: 0 })
    s.release()
    await refresh
    expect(cache.get(150)).toEqual({ id: 150, v: 1 })
  })

  it('patches loaded items and reports changes', async () => {
    const s = source(300)
    let changes = 0
    const cache = new PageCache<Item>(s.fetcher, () => changes++, undefined, { pageSize: 100 })
    await cache.ensure(0, 1)
    await cache.ensure(0, 300)
    const before = changes
    expect(cache.update((i) => i.id % 100 === 7, (i) => ({ ...i, v: 9 }))).toBe(3)
    expect(cache.get(207)).toEqual({ id: 207, v: 9 })
    expect(changes).toBe(before + 1)
    expect(cache.indexOf((i) => i.id === 250)).toBe(250)
  })

  it('keeps at most maxPages, dropping those far from the viewport', async () => {
    const s = source(100_000)
    const cache = new PageCache<Item>(s.fetcher, () => {}, undefined, { pageSize: 100, maxPages: 5 })
    await cache.ensure(0, 1)
    for (let p = 0; p < 30; p++) await cache.ensure(p * 100, p * 100 + 100)
    expect(cache.loadedPages).toBeLessThanOrEqual(5)
    expect(cache.get(2_950)).toBeDefined()
    expect(cache.get(50)).toBeUndefined()
  })

  it('reports a failed page once per list and can retry it', async () => {
    let fail = true
    const errors: unknown[] = []
    const cache = new PageCache<Item>(
      async (offset) => {
        if (fail) throw new Error('boom')
        return { total: 10, items: [{ id: offset, v: 0 }] }
      },
      () => {},
      (e) => errors.push(e),
      { pageSize: 100 },
    )
    await cache.ensure(0, 1)
    expect(errors).toHaveLength(1)
    fail = false
    await cache.ensure(0, 1)
    expect(cache.get(0)).toEqual({ id: 0, v: 0 })
  })
})
