// Pure helpers of the Collection view (tested without a browser).
import type { Film, FilmPlan } from '../../../shared/api'

export type FilmFilter = 'all' | 'changes' | 'accepted' | 'locked' | 'problems' | 'no-poster'

export const isChange = (p: FilmPlan | undefined): boolean => p?.change === 'update' || p?.change === 'create'

export function matchesFilter(f: Film, p: FilmPlan | undefined, filter: FilmFilter, search: string): boolean {
  if (search) {
    const s = search.toLowerCase()
    if (!(f.title ?? '').toLowerCase().includes(s) && !f.key.toLowerCase().includes(s)) return false
  }
  switch (filter) {
    case 'all':
      return true
    case 'changes':
      return isChange(p)
    case 'accepted':
      return f.decision === 'accept'
    case 'locked':
      return f.locked
    case 'problems':
      return !!f.nfoError
    case 'no-poster':
      return !f.posterId
  }
}

/** Genres removed from and added to an NFO by the planned write, for the change column. */
export function genreDelta(f: Film, p: FilmPlan | undefined): { removed: string[]; added: string[]; kept: string[] } {
  if (!isChange(p)) return { removed: [], added: [], kept: f.nfoGenres }
  const next = new Set(p!.genres.map((g) => g.toLowerCase()))
  const old = new Set(f.nfoGenres.map((g) => g.toLowerCase()))
  return {
    removed: f.nfoGenres.filter((g) => !next.has(g.toLowerCase())),
    added: p!.genres.filter((g) => !old.has(g.toLowerCase())),
    kept: p!.genres.filter((g) => old.has(g.toLowerCase())),
  }
}

export const changeLabel: Record<FilmPlan['change'], string> = {
  update: 'will change',
  create: 'new NFO',
  unchanged: 'unchanged',
  locked: 'locked',
  'no-poster': 'no poster',
  'no-proposal': 'nothing proposed',
  error: 'broken NFO',
  skipped: 'skipped',
}
