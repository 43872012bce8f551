import { describe, expect, it } from 'vitest'
import { acceptedGenres } from '../../src/shared/acceptance'

const s = (genre: string, probability: number, threshold = 0.2) => ({ genre, probability, threshold })

describe('acceptedGenres', () => {
  it('keeps at most K genres, highest first, each above its threshold and the minimum', () => {
    const scores = [s('Drama', 0.9), s('Romance', 0.6), s('War', 0.55, 0.01), s('Comedy', 0.7), s('Horror', 0.4)]
    expect(acceptedGenres(scores)).toEqual(['Drama', 'Comedy', 'Romance'])
    expect(acceptedGenres(scores, { maxGenres: 1, minProbability: 0.5 })).toEqual(['Drama'])
  })

  it('refuses a genre under its own threshold even when above the minimum', () => {
    expect(acceptedGenres([s('Drama', 0.6, 0.7), s('Action', 0.65, 0.3)])).toEqual(['Action'])
  })

  it('proposes nothing for a poster the model is unsure of (never "no genre")', () => {
    expect(acceptedGenres([s('Drama', 0.45), s('Western', 0.3, 0.01)])).toEqual([])
  })

  it('ignores non-finite probabilities', () => {
    expect(acceptedGenres([s('Drama', Number.NaN, 0)], { maxGenres: 3, minProbability: 0 })).toEqual([])
  })
})
