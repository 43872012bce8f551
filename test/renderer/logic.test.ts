// The renderer's pure parts: genre keys, grid geometry, optimistic label edits, dropped paths.
import { describe, expect, it } from 'vitest'
import { assignGenreKeys, COMMAND_KEYS } from '../../src/renderer/src/lib/keymap'
import { cellPosition, defaultGridOptions, gridMetrics, scrollToReveal, visibleRange } from '../../src/renderer/src/lib/grid-layout'
import { applyLabelChange } from '../../src/renderer/src/lib/label-edit'
import { classifyDropped } from '../../src/renderer/src/lib/drop-paths'
import type { PosterSummary } from '../../src/shared/api'

describe('genre keys', () => {
  it('gives digits first, then letters that are not commands, each key once', () => {
    const names = Array.from({ length: 24 }, (_, i) => `G${i}`)
    const { byGenre, byKey } = assignGenreKeys(names)
    expect(names.slice(0, 10).map((n) => byGenre.get(n))).toEqual([...'1234567890'])
    expect(byGenre.get('G10')).toBe('a')
    const keys = [...byGenre.values()]
    expect(new Set(keys).size).toBe(24)
    for (const c of COMMAND_KEYS) expect(byKey.has(c)).toBe(false)
    for (const [g, k] of byGenre) expect(byKey.get(k)).toBe(g)
  })

  it('leaves genres beyond the last key without one', () => {
    const names = Array.from({ length: 40 }, (_, i) => `G${i}`)
    const { byGenre } = assignGenreKeys(names)
    expect(byGenre.size).toBe(10 + 26 - COMMAND_KEYS.length)
    expect(byGenre.has('G39')).toBe(false)
  })
})

describe('grid geometry', () => {
  it('fits as many columns as the width allows and keeps cards about 2:3', () => {
    const m = gridMetrics(1000, 100)
    const o = defaultGridOptions
    expect(m.cols).toBe(Math.floor((1000 - 2 * o.padding + o.gap) / (o.minCardWidth + o.gap)))
    expect(m.cols * m.cardWidth + (m.cols - 1) * o.gap).toBeLessThanOrEqual(1000 - 2 * o.padding)
    expect(m.cardHeight - o.captionHeight).toBe(Math.round(m.cardWidth * 1.5))
    expect(gridMetrics(10, 5).cols).toBe(1)
  })

  it('keeps the full scroll height for 100,000 posters but renders only the viewport', () => {
    const m = gridMetrics(1200, 100_000)
    expect(m.rows).toBe(Math.ceil(100_000 / m.cols))
    expect(m.contentHeight).toBeGreaterThan(m.rows * m.rowHeight - m.rowHeight)
    const mid = visibleRange(m, 100_000, m.contentHeight / 2, 800, 2)
    const rowsShown = (mid.end - mid.start) / m.cols
    expect(rowsShown).toBeLessThanOrEqual(Math.ceil(800 / m.rowHeight) + 1 + 4)
    expect(mid.start % m.cols).toBe(0)
    const end = visibleRange(m, 100_000, m.contentHeight - 800, 800, 2)
    expect(end.end).toBe(100_000)
    expect(visibleRange(m, 0, 0, 800)).toEqual({ start: 0, end: 0 })
  })

  it('scrolls just enough to reveal an item, and not at all when it is visible', () => {
    const m = gridMetrics(800, 1000)
    expect(scrollToReveal(m, 0, 0, 600)).toBeNull()
    const far = 20 * m.cols
    const to = scrollToReveal(m, far, 0, 600)!
    const { y } = cellPosition(m, far)
    expect(to).toBeGreaterThan(0)
    expect(y + m.cardHeight).toBeLessThanOrEqual(to + 600)
    expect(scrollToReveal(m, 0, to, 600)).toBe(0)
  })
})

describe('optimistic label edits', () => {
  const poster: PosterSummary = { id: 'tt1', title: 'A', year: 2000, labelled: false, genres: [], duplicate: false, width: 300, height: 450 }
  const order = ['Action', 'Comedy', 'Drama']

  it('adds and removes genres in vocabulary order and marks the poster labelled', () => {
    const a = applyLabelChange(poster, { add: ['Drama', 'Action'] }, order)
    expect(a).toMatchObject({ labelled: true, genres: ['Action', 'Drama'] })
    const b = applyLabelChange(a, { remove: ['Action'], add: ['Comedy'] }, order)
    expect(b.genres).toEqual(['Comedy', 'Drama'])
    expect(a.genres).toEqual(['Action', 'Drama']) // the input is not mutated
  })

  it('labelled:false returns to unlabelled with no genres; labelled:true with no genres is "no genre"', () => {
    const a = applyLabelChange({ ...poster, labelled: true, genres: ['Drama'] }, { labelled: false }, order)
    expect(a).toMatchObject({ labelled: false, genres: [] })
    const b = applyLabelChange({ ...poster, labelled: true, genres: ['Drama'] }, { remove: ['Drama'], labelled: true }, order)
    expect(b).toMatchObject({ labelled: true, genres: [] })
  })
})

describe('dropped paths', () => {
  it('puts folders and images to import, and recognises the labels and metadata CSVs', () => {
    expect(classifyDropped(['/d/posters', '/d/x.jpg', '/d/movies.csv', '/d/train.csv'])).toEqual({
      paths: ['/d/posters', '/d/x.jpg'],
      labels: '/d/train.csv',
      metadata: '/d/movies.csv',
    })
    expect(classifyDropped(['C:\\data\\labels.csv', 'C:\\data\\other.csv'])).toEqual({
      paths: [],
      labels: 'C:\\data\\labels.csv',
      metadata: 'C:\\data\\other.csv',
    })
  })
})

describe('genres a filter names, after the vocabulary changed', () => {
  it('follows a rename (one name gone, one new in its place) and drops merged or deleted genres', async () => {
    const { followGenres, genreFates } = await import('../../src/renderer/src/lib/genre-renames')
    const renamed = genreFates(['Action', 'Comedy', 'Drama'], ['Action', 'Humour', 'Drama'])
    expect([...renamed]).toEqual([['Comedy', 'Humour']])
    expect(followGenres(['Drama', 'Comedy'], renamed)).toEqual(['Drama', 'Humour'])
    // Merged into another (or deleted): gone from the filter.
    const merged = genreFates(['Action', 'Comedy', 'Drama'], ['Action', 'Drama'])
    expect(followGenres(['Comedy', 'Drama'], merged)).toEqual(['Drama'])
    // One deleted and another added at the end in the same refresh is no rename.
    expect(genreFates(['Action', 'Comedy', 'Drama'], ['Action', 'Drama', 'War']).get('Comedy')).toBeNull()
    // Renamed onto a name the filter already holds: listed once.
    expect(followGenres(['Comedy', 'Humour'], renamed)).toEqual(['Humour'])
    expect(genreFates(['Action'], ['Action']).size).toBe(0)
  })
})

describe('counts with their noun', () => {
  it('says "1 poster" and "0 posters", with digit grouping', async () => {
    const { count, posters } = await import('../../src/renderer/src/lib/count')
    expect(posters(1)).toBe('1 poster')
    expect(posters(0)).toBe('0 posters')
    expect(posters(8052)).toBe((8052).toLocaleString() + ' posters')
    expect(count(1, 'genre')).toBe('1 genre')
    expect(count(2, 'library', 'libraries')).toBe('2 libraries')
  })
})
