// Undo and redo over every kind of history entry (history.ts): each kind's module knows how
// to apply its entry either way; this one picks the entry and keeps the stack's marks.
import type { Db } from './db'
import { applyGenreChange, type GenreChange } from './genres'
import { applyLabelChanges, markUndone, nextEntry, type Change } from './history'
import type { LabelDelta } from './delta'
import { applyMeta, type MetaChange } from './meta'
import { applyDelete, type DeleteChange } from './remove'

export interface StepResult {
  /** Posters whose labels, metadata or existence changed. */
  ids: string[]
  /** What kind of change it was, for `library.changed`. */
  reason: 'labels' | 'genres' | 'posters'
}

export function step(db: Db, direction: 'undo' | 'redo'): StepResult {
  return db.transaction((): StepResult => {
    const e = nextEntry(db, direction)
    if (!e) return { ids: [], reason: 'labels' }
    const data: unknown = JSON.parse(e.changes)
    let r: StepResult
    switch (e.kind) {
      case 'meta':
        r = { ids: applyMeta(db, data as MetaChange[], direction), reason: 'posters' }
        break
      case 'delete':
        r = { ids: applyDelete(db, data as DeleteChange, direction), reason: 'posters' }
        break
      case 'genre':
        r = { ids: applyGenreChange(db, data as GenreChange, direction), reason: 'genres' }
        break
      default:
        r = { ids: applyLabelChanges(db, data as Change[] | LabelDelta, direction), reason: 'labels' }
    }
    markUndone(db, e.id, direction === 'undo')
    return r
  })()
}
