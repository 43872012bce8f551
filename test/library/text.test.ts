// Folding for search and the natural, accent-blind sort key.
import { describe, expect, it } from 'vitest'
import { fold, searchKey, sortKey } from '../../src/main/library/text'

describe('fold', () => {
  it('drops case, accents and extra spaces; splits ligatures', () => {
    expect(fold('  Amélie   Poulain ')).toBe('amelie poulain')
    expect(fold('Straße Œuvre Ærø Łódź')).toBe('strasse oeuvre aero lodz')
    expect(fold('ＡＢＣ')).toBe('abc') // full-width letters (NFKD)
  })
  it('searches title and id, never across them', () => {
    expect(searchKey('Heat', 'TT0113277')).toBe('heat\x1ftt0113277')
    expect(searchKey(null, 'f-abc')).toBe('\x1ff-abc')
  })
})

describe('sortKey', () => {
  const order = (titles: string[]) => [...titles].sort((a, b) => (sortKey(a, a) < sortKey(b, b) ? -1 : 1))
  it('orders numbers by value, ignores leading punctuation and accents', () => {
    expect(order(['Rocky 10', 'Rocky 2', 'Rocky', 'Rocky 1'])).toEqual(['Rocky', 'Rocky 1', 'Rocky 2', 'Rocky 10'])
    expect(order(['Zorro', '...And Justice for All', 'Été', 'Eden'])).toEqual(['...And Justice for All', 'Eden', 'Été', 'Zorro'])
    expect(order(['Alien: Resurrection', 'Aliens', 'Alien'])).toEqual(['Alien', 'Alien: Resurrection', 'Aliens'])
    expect(sortKey('007', 'x')).toBe(sortKey('7', 'x'))
  })
  it('falls back to the id when there is no title', () => {
    expect(sortKey(null, 'tt0000002') < sortKey(null, 'tt0000010')).toBe(true)
    expect(sortKey('  ', 'b')).toBe('b')
  })
})
