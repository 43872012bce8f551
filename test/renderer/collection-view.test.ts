import { describe, expect, it } from 'vitest'
import { genreDelta, matchesFilter } from '../../src/renderer/src/lib/collection-view'
import type { Film, FilmPlan } from '../../src/shared/api'

const film = (over: Partial<Film> = {}): Film => ({
  id: 1, key: 'Heat (1995)/Heat.mkv', folder: '/m/Heat (1995)', video: 'Heat.mkv', nfoPath: '/m/Heat (1995)/Heat.nfo', nfoExists: true,
  nfoError: null, posterPath: '/m/Heat (1995)/poster.jpg', posterId: 'tt0113277', title: 'Heat', year: 1995, imdb: 'tt0113277', tmdb: null,
  locked: false, nfoGenres: ['Crime', 'Drama'], decision: 'pending', ...over,
})
const plan = (over: Partial<FilmPlan> = {}): FilmPlan => ({ id: 1, key: 'k', proposed: [], genres: ['Crime', 'Thriller'], change: 'update', diff: [], reason: null, ...over })

describe('collection view helpers', () => {
  it('shows what a write would remove and add', () => {
    expect(genreDelta(film(), plan())).toEqual({ removed: ['Drama'], added: ['Thriller'], kept: ['Crime'] })
    expect(genreDelta(film(), plan({ change: 'unchanged' }))).toEqual({ removed: [], added: [], kept: ['Crime', 'Drama'] })
  })
  it('filters films by change, lock, problem, poster and search', () => {
    expect(matchesFilter(film(), plan(), 'changes', '')).toBe(true)
    expect(matchesFilter(film(), plan({ change: 'locked' }), 'changes', '')).toBe(false)
    expect(matchesFilter(film({ locked: true }), undefined, 'locked', '')).toBe(true)
    expect(matchesFilter(film({ nfoError: 'bad' }), undefined, 'problems', '')).toBe(true)
    expect(matchesFilter(film({ posterId: null }), undefined, 'no-poster', '')).toBe(true)
    expect(matchesFilter(film(), undefined, 'all', 'hea')).toBe(true)
    expect(matchesFilter(film(), undefined, 'all', 'alien')).toBe(false)
  })
})
