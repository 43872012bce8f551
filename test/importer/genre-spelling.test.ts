// A labels file whose genre is one letter off (or spaced, or hyphenated otherwise) from one the
// library has is named in the import's warnings beside that genre; real genres never are.
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { nearGenres } from '../../src/main/importer/genre-spelling'
import { startImport } from '../../src/main/importer/handlers'
import { jpeg, useLibrary } from '../library/helpers'

/** The shared posters' genres (the Kaggle layout's columns). */
const IMDB = 'Action Adventure Animation Biography Comedy Crime Documentary Drama Family Fantasy History Horror Music Musical Mystery News Reality-TV Romance Sci-Fi Short Sport Thriller War Western'.split(' ')

describe('nearGenres', () => {
  it('pairs a misspelt, respaced or recased-and-hyphenated genre with the one the library has', () => {
    expect(nearGenres(IMDB, ['Drmaa', 'Sci Fi', 'SciFi', 'romance', 'Thriler', 'Documentry', 'Film-Noir'])).toEqual([
      ['Drmaa', 'Drama'],
      ['Sci Fi', 'Sci-Fi'],
      ['SciFi', 'Sci-Fi'],
      ['Thriler', 'Thriller'],
      ['Documentry', 'Documentary'],
    ])
  })

  it('never pairs two of the real genres (Music and Musical, Short and Sport, History and Mystery)', () => {
    for (const g of IMDB) expect(nearGenres(IMDB.filter((h) => h !== g), [g]), g).toEqual([])
  })
})

describe('an import that brings a near genre', () => {
  let src: string
  const t = useLibrary({ sub: 'lib', before: (dir) => mkdirSync((src = join(dir, 'posters'))) })

  it('warns naming both, and still imports it (a person may mean it)', async () => {
    for (let i = 1; i <= 2; i++) await jpeg(join(src, `tt000000${i}.jpg`), { seed: i, width: 40, height: 60 })
    const first = join(t.dir, 'first.csv')
    writeFileSync(first, 'Id,Genre,Drama,Sci-Fi\ntt0000001,x,1,0\n')
    await (await startImport(t.core, { paths: [join(src, 'tt0000001.jpg')], labels: first })).promise
    const second = join(t.dir, 'MovieGenre.csv')
    writeFileSync(second, 'imdbId,Title,Genre\n2,Two,Drmaa|SciFi|Comedy\n')
    const r = await (await startImport(t.core, { paths: [join(src, 'tt0000002.jpg')], labels: second })).promise
    expect(r!.warnings.filter((w) => /close to one it has/.test(w))).toEqual([
      'MovieGenre.csv: 2 genres new to the library are close to one it has (a misspelling? merge them in the Genres view): "Drmaa" beside "Drama", "SciFi" beside "Sci-Fi"',
    ])
    const names = t.core.db.prepare('SELECT name FROM genres ORDER BY name').pluck().all()
    expect(names).toEqual(['Comedy', 'Drama', 'Drmaa', 'Sci-Fi', 'SciFi'])
  })
})
