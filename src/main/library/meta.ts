// A poster's title and year, edited by the user: one undoable 'meta' history entry.
import { ApiError } from '../../shared/api'
import type { Db } from './db'
import { recordEntry } from './history'

export interface Meta {
  title: string | null
  year: number | null
}
export interface MetaChange {
  id: string
  before: Meta
  after: Meta
}

function write(db: Db, id: string, m: Meta): boolean {
  return db.prepare('UPDATE posters SET title = ?, year = ? WHERE id = ?').run(m.title, m.year, id).changes > 0
}

export function setPosterMeta(db: Db, id: string, next: { title?: string | null; year?: number | null }): boolean {
  return db.transaction(() => {
    const before = db.prepare('SELECT title, year FROM posters WHERE id = ?').get(id) as Meta | undefined
    if (!before) throw new ApiError('not-found', `no poster "${id}"`)
    const title = next.title === undefined ? before.title : next.title?.replace(/\s+/g, ' ').trim() || null
    const after: Meta = { title, year: next.year === undefined ? before.year : next.year }
    if (after.title === before.title && after.year === before.year) return false
    write(db, id, after)
    const what = after.title !== before.title ? (after.year !== before.year ? 'title and year' : 'title') : 'year'
    recordEntry(db, 'meta', `Edit ${what} of ${after.title ?? id}`, [{ id, before, after }] satisfies MetaChange[], 1)
    return true
  })()
}

export function applyMeta(db: Db, changes: MetaChange[], direction: 'undo' | 'redo'): string[] {
  return changes.filter((c) => write(db, c.id, direction === 'undo' ? c.before : c.after)).map((c) => c.id)
}
