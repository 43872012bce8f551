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

export function describeEdit(a: EditArgs, n: number): string {
  const posters = `${n} poster${n === 1 ? '' : 's'}`
  if (a.labelled === false) return `Mark ${posters} unlabelled`
  const bits: string[] = []
  if (a.add.length) bits.push(`add ${a.add.join(', ')}`)
  if (a.remove.length) bits.push(`remove ${a.remove.join(', ')}`)
  if (!bits.length) return `Mark ${posters} labelled`
  const text = bits.join(', ')
  return `${text[0].toUpperCase()}${text.slice(1)} on ${posters}`
}

/** Checks the arguments and resolves genre names (adding a genre the vocabulary lacks creates it); in a transaction. */
export function prepareEdit(db: Db, args: EditArgs): { add: string[]; remove: Set<string> } {
  if (args.labelled === false && args.add.length > 0) {
    throw new ApiError('invalid-args', 'labelled: false clears the genres; it cannot be combined with add')
  }
  // Adding a genre the vocabulary lacks creates it (a typo shows up in the genre manager).
  const add = args.add.map((n) => ensureGenre(db, n).name)
  const remove = new Set(
    args.remove
      .map((n) => genreByName(db, n)?.name.toLowerCase())
      .filter((n): n is string => n !== undefined),
  )
  return { add, remove }
}

/** A poster's state after the edit. */
export function nextState(b: LabelState, args: EditArgs, add: string[], remove: Set<string>): LabelState {
  if (args.labelled === false) return { labelled: false, edited: true, genres: [] }
  const kept = new Map<string, [string, LabelSource]>()
  for (const g of b.genres) if (!remove.has(g[0].toLowerCase())) kept.set(g[0].toLowerCase(), g)
  for (const name of add) {
    const old = kept.get(name.toLowerCase())
    // Adding a predicted genre confirms it; an imported or user label stays as it is.
    if (!old || old[1] === 'prediction') kept.set(name.toLowerCase(), [name, 'user'])
  }
  return { labelled: true, edited: true, genres: sortGenres([...kept.values()]) }
}

/** Returns the ids whose labels changed (nothing is recorded when none did); one transaction. */
export function editLabels(db: Db, args: EditArgs): string[] {
  return db.transaction(() => {
    const { add, remove } = prepareEdit(db, args)
    const ids = [...new Set(args.ids)]
    const before = readStates(db, ids)
    if (before.size === 0) throw new ApiError('not-found', `no such poster${ids.length > 1 ? 's' : ''}: ${ids.slice(0, 5).join(', ')}`)
    const changes: Change[] = []
    for (const [id, b] of before) {
      const after = nextState(b, args, add, remove)
      if (!sameLabels(b, after)) changes.push({ id, before: b, after })
    }
    if (changes.length === 0) return []
    recordEdit(db, describeEdit({ ...args, add }, changes.length), changes)
    return changes.map((c) => c.id)
  })()
}
