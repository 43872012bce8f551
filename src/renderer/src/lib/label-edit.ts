// The optimistic side of a label edit: what a poster looks like once the edit lands.
// It mirrors the semantics of `labels.edit` in the contract.
import type { LabelSource, PosterSummary } from '../../../shared/api'

export interface LabelChange {
  add?: string[]
  remove?: string[]
  /** false: back to unlabelled (genres cleared); true or absent with add/remove: labelled. */
  labelled?: boolean
}

export function applyLabelChange<P extends PosterSummary>(poster: P, change: LabelChange, genreOrder: readonly string[] = []): P {
  if (change.labelled === false) return { ...poster, labelled: false, genres: [], ...(poster.sources ? { sources: [] } : {}) }
  // Sources stay aligned with genres: a genre added by hand is the user's (an accepted
  // prediction added again is confirmed: the user's too), the others keep theirs.
  const had = new Map<string, LabelSource>(poster.genres.map((g, i) => [g, poster.sources?.[i] ?? 'imported']))
  for (const g of change.add ?? []) if (!had.has(g) || had.get(g) === 'prediction') had.set(g, 'user')
  const set = new Set(poster.genres)
  for (const g of change.remove ?? []) set.delete(g)
  for (const g of change.add ?? []) set.add(g)
  const rank = (g: string) => {
    const i = genreOrder.indexOf(g)
    return i === -1 ? Number.MAX_SAFE_INTEGER : i
  }
  const genres = [...set].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b))
  return { ...poster, labelled: true, genres, ...(poster.sources ? { sources: genres.map((g) => had.get(g) ?? 'user') } : {}) }
}
