// Pure checks of the Train view and the Explore panels, kept out of the components to be tested.
import type { DuplicateCluster } from '../../../shared/api'

type DuplicateMember = DuplicateCluster['members'][number]

/**
 * Why the acceptance rule as typed cannot be used, or null. The fields are bound with
 * `v-model.number`, so a cleared field arrives as '' (not 0) and a half-typed one as a string.
 */
export function acceptRuleProblem(minPct: unknown, maxGenres: unknown): string | null {
  const empty = (v: unknown) => v === '' || v === null || v === undefined
  if (empty(minPct)) return 'Enter the minimum probability, a percentage from 0 to 100.'
  if (typeof minPct !== 'number' || !Number.isFinite(minPct) || minPct < 0 || minPct > 100) return 'The minimum is a percentage from 0 to 100.'
  if (empty(maxGenres)) return 'Enter how many genres a poster may gain at most (1-50).'
  if (typeof maxGenres !== 'number' || !Number.isInteger(maxGenres) || maxGenres < 1 || maxGenres > 50) return 'At most 1-50 genres a poster (a whole number).'
  return null
}

/** A person gave the member's labels (any source but an accepted prediction), or marked it "no genre". */
const humanLabelled = (m: DuplicateMember) => m.labels.some((l) => l.source !== 'prediction') || (m.labelled && !m.labels.length)
/** Ids of the `f-` form come from a file name alone; others name the film (an IMDb id, a name from the import). */
const identified = (m: DuplicateMember) => !m.id.startsWith('f-')

/**
 * The member a duplicate cluster keeps by default: the one with a person's labels, then the
 * one with a title and a year, then one named by the import rather than by its file, then the
 * largest image, then the smallest id. (The members carry no import time; byte-identical
 * copies tie on the image, so the labels and facts decide, not which copy came last.)
 */
export function defaultKeep(members: readonly DuplicateMember[]): string {
  const rank = (m: DuplicateMember) => [humanLabelled(m) ? 0 : 1, m.title && m.year !== null ? 0 : 1, identified(m) ? 0 : 1, -(m.width * m.height), -m.size]
  return [...members].sort((a, b) => {
    const ra = rank(a)
    const rb = rank(b)
    for (let i = 0; i < ra.length; i++) if (ra[i] !== rb[i]) return ra[i] - rb[i]
    return a.id < b.id ? -1 : a.id > b.id ? 1 : 0
  })[0].id
}
