// library.query / ids / get / stats over a real SQLite file, through dispatch.
import { describe, expect, it } from 'vitest'
import { call, seed, useLibrary } from './helpers'

const t = useLibrary({
  seed: [
    { id: 'tt01', title: 'Alien', year: 1979, genres: ['Horror', 'Sci-Fi'] },
    { id: 'tt02', title: 'brazil', year: 1985, genres: ['Comedy', 'Sci-Fi', 'Drama'] },
    { id: 'tt03', title: 'Casablanca', year: 1942, genres: ['Drama', 'Romance'] },
    { id: 'tt04', title: 'Dune', year: null, genres: null },
    { id: 'tt05', title: null, year: 2001, genres: [], hash: 'same' },
    { id: 'tt06', title: 'Eraserhead', year: 1977, genres: null, hash: 'same' },
    { id: 'tt07', title: '100% Drama_x', year: 1999, genres: ['Drama'] },
  ],
})

const ids = async (args: Record<string, unknown>) => (await call(t.core, 'library.query', args)).items.map((p: { id: string }) => p.id)

describe('library.query', () => {
  it('sorts by title case-insensitively, untitled posters by id among the titles, and descending', async () => {
    expect(await ids({})).toEqual(['tt07', 'tt01', 'tt02', 'tt03', 'tt04', 'tt06', 'tt05'])
    expect(await ids({ desc: true })).toEqual(['tt05', 'tt06', 'tt04', 'tt03', 'tt02', 'tt01', 'tt07'])
  })

  it('sorts by year with unknown years last both ways, by id and by added', async () => {
    expect(await ids({ sort: 'year' })).toEqual(['tt03', 'tt06', 'tt01', 'tt02', 'tt07', 'tt05', 'tt04'])
    expect(await ids({ sort: 'year', desc: true })).toEqual(['tt05', 'tt07', 'tt02', 'tt01', 'tt06', 'tt03', 'tt04'])
    expect(await ids({ sort: 'id', desc: true })).toEqual(['tt07', 'tt06', 'tt05', 'tt04', 'tt03', 'tt02', 'tt01'])
    expect(await ids({ sort: 'added' })).toEqual(['tt01', 'tt02', 'tt03', 'tt04', 'tt05', 'tt06', 'tt07'])
  })

  it('filters by genres any / all / none, case-insensitively', async () => {
    expect((await ids({ genres: ['sci-fi', 'Romance'], sort: 'id' })).sort()).toEqual(['tt01', 'tt02', 'tt03'])
    expect(await ids({ genres: ['Drama', 'Sci-Fi'], match: 'all' })).toEqual(['tt02'])
    expect(await ids({ genres: ['Drama'], match: 'none', sort: 'id' })).toEqual(['tt01', 'tt04', 'tt05', 'tt06'])
    // Unknown genres: nothing has them.
    expect(await ids({ genres: ['Western'] })).toEqual([])
    expect(await ids({ genres: ['Drama', 'Western'], match: 'all' })).toEqual([])
    expect((await ids({ genres: ['Western'], match: 'none' })).length).toBe(7)
  })

  it('filters labelled / unlabelled: labelled with no genre is not unlabelled', async () => {
    expect(await ids({ labelled: 'unlabelled', sort: 'id' })).toEqual(['tt04', 'tt06'])
    expect(await ids({ labelled: 'labelled', sort: 'id' })).toEqual(['tt01', 'tt02', 'tt03', 'tt05', 'tt07'])
  })

  it('searches titles and ids, treating % and _ literally', async () => {
    expect(await ids({ search: 'CASA' })).toEqual(['tt03'])
    expect(await ids({ search: 'tt05' })).toEqual(['tt05'])
    expect(await ids({ search: '100%' })).toEqual(['tt07'])
    expect(await ids({ search: '_x' })).toEqual(['tt07'])
    expect(await ids({ search: 'a_i' })).toEqual([])
  })

  it('flags duplicates and filters them; pages with offset and limit and a stable total', async () => {
    const dup = await call(t.core, 'library.query', { duplicatesOnly: true, sort: 'id' })
    expect(dup.items.map((p: { id: string }) => p.id)).toEqual(['tt05', 'tt06'])
    expect(dup.items.every((p: { duplicate: boolean }) => p.duplicate)).toBe(true)
    const page = await call(t.core, 'library.query', { sort: 'id', offset: 2, limit: 3 })
    expect(page.total).toBe(7)
    expect(page.offset).toBe(2)
    expect(page.items.map((p: { id: string }) => p.id)).toEqual(['tt03', 'tt04', 'tt05'])
    const item = page.items[0]
    expect(item).toMatchObject({ title: 'Casablanca', year: 1942, labelled: true, genres: ['Drama', 'Romance'], width: 300, height: 450 })
  })

  it('combines filters and returns every matching id in order for select-all', async () => {
    const r = await call(t.core, 'library.ids', { genres: ['Drama'], labelled: 'labelled', search: 'a', sort: 'title', desc: true })
    expect(r.ids).toEqual(['tt03', 'tt02', 'tt07'])
  })

  it('rejects bad arguments at the boundary', async () => {
    await expect(call(t.core, 'library.query', { limit: 0 })).rejects.toMatchObject({ code: 'invalid-args' })
    await expect(call(t.core, 'library.query', { genres: ['N/A'] })).rejects.toMatchObject({ code: 'invalid-args' })
    await expect(call(t.core, 'library.query', { bogus: 1 })).rejects.toMatchObject({ code: 'invalid-args' })
  })
})

describe('library.get and stats', () => {
  it('returns the detail of a poster with label sources and its duplicates', async () => {
    const d = await call(t.core, 'library.get', { id: 'tt05' })
    expect(d).toMatchObject({ id: 'tt05', labelled: true, genres: [], duplicate: true, duplicates: ['tt06'], hash: 'same' })
    const a = await call(t.core, 'library.get', { id: 'tt01' })
    expect(a.labels).toEqual([
      { genre: 'Horror', source: 'imported' },
      { genre: 'Sci-Fi', source: 'imported' },
    ])
    await expect(call(t.core, 'library.get', { id: 'nope' })).rejects.toMatchObject({ code: 'not-found' })
  })

  it('counts posters, labelled posters, duplicates and posters per genre', async () => {
    const s = await call(t.core, 'library.stats')
    expect(s).toMatchObject({ posters: 7, labelled: 5, duplicates: 2, path: t.dir })
    expect(s.genres).toEqual({ Horror: 1, 'Sci-Fi': 2, Comedy: 1, Drama: 3, Romance: 1 })
  })
})

describe('more than 63 genres', () => {
  it('filters genres beyond the mask bits through the labels table', async () => {
    const many = Array.from({ length: 70 }, (_, i) => `G${i}`)
    seed(t.core, [
      { id: 'x1', title: 'x1', genres: ['G68', 'G1'] },
      { id: 'x2', title: 'x2', genres: ['G68', 'G69'] },
      { id: 'x3', title: 'x3', genres: many },
    ])
    const slotless = t.core.db.prepare('SELECT COUNT(*) FROM genres WHERE slot IS NULL').pluck().get() as number
    expect(slotless).toBeGreaterThan(0)
    expect(await ids({ genres: ['G68'], sort: 'id' })).toEqual(['x1', 'x2', 'x3'])
    expect(await ids({ genres: ['G68', 'G69'], match: 'all', sort: 'id' })).toEqual(['x2', 'x3'])
    expect(await ids({ genres: ['G68', 'G1'], match: 'all', sort: 'id' })).toEqual(['x1', 'x3'])
    expect((await ids({ genres: ['G69'], match: 'none' })).includes('x2')).toBe(false)
  })
})
