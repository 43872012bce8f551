// labels.edit: computes each poster's new state, records the edit only when something changed.
import { ApiError, type LabelSource } from '../../shared/api'
import type { Db } from './db'
import { genreByName, ensureGenre } from './vocabulary'
import { readStates, sameLabels, sortGenres, type LabelState } from './labels'
import { recordEdit, type Change } from './history'

export interface EditArgs {
  ids: string[]
  add: string[]
  remove: string[]
  labelled?: boolean
}

function describe(a: EditArgs, n: number): string {
  const posters = `${n} poster${n === 1 ? '' : 's'}`
  if (a.labelled === false) return `Mark ${posters} unlabelled`
  const bits: string[] = []
  if (a.add.length) bits.push(`add ${a.add.join(', ')}`)
  if (a.remove.length) bits.push(`remove ${a.remove.join(', ')}`)
  if (!bits.length) return `Mark ${posters} labelled`
  const text = bits.join(', ')
  return `${text[0].toUpperCase()}${text.slice(1)} on ${posters}`
}

/** Returns the ids whose labels changed (nothing is recorded when none did). */
export function editLabels(db: Db, args: EditArgs): string[] {
  if (args.labelled === false && args.add.length > 0) {
    throw new ApiError('invalid-args', 'labelled: false clears the genres; it cannot be combined with add')
  }
  return db.transaction(() => {
    // Adding a genre the vocabulary lacks creates it (a typo shows up in the genre manager).
    const add = args.add.map((n) => ensureGenre(db, n).name)
    const remove = new Set(
      args.remove
        .map((n) => genreByName(db, n)?.name.toLowerCase())
        .filter((n): n is string => n !== undefined),
    )
    const ids = [...new Set(args.ids)]
    const before = readStates(db, ids)
    if (before.size === 0) throw new ApiError('not-found', `no such poster${ids.length > 1 ? 's' : ''}: ${ids.slice(0, 5).join(', ')}`)
    const changes: Change[] = []
    for (const [id, b] of before) {
      let after: LabelState
      if (args.labelled === false) {
        after = { labelled: false, edited: true, genres: [] }
      } else {
        const kept = new Map<string, [string, LabelSource]>()
        for (const g of b.genres) if (!remove.has(g[0].toLowerCase())) kept.set(g[0].toLowerCase(), g)
        for (const name of add) {
          const old = kept.get(name.toLowerCase())
          // Adding a predicted genre confirms it; an imported or user label stays as it is.
          if (!old || old[1] === 'prediction') kept.set(name.toLowerCase(), [name, 'user'])
        }
        after = { labelled: true, edited: true, genres: sortGenres([...kept.values()]) }
      }
      if (!sameLabels(b, after)) changes.push({ id, before: b, after })
    }
    if (changes.length === 0) return []
    recordEdit(db, describe({ ...args, add }, changes.length), changes)
    return changes.map((c) => c.id)
  })()
}
