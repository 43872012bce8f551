// Undoable label edits. Each edit is one `history` row holding the before and after state of
// every poster it touched; undo writes `before`, redo writes `after`, so both survive a restart.
// A new edit drops the redo branch (rows marked undone). Genre NAMES are stored: genres.ts
// rewrites them on rename/merge and drops them on delete, and entries that no longer change
// anything are deleted, so undo never brings back a deleted genre.
import type { HistoryEntry, HistoryState } from '../../shared/api'
import type { Db } from './db'
import { readStates, sameLabels, sortGenres, writeStates, type LabelState } from './labels'

export interface Change {
  id: string
  before: LabelState
  after: LabelState
}

/** History is capped; the oldest entries go first. */
export const HISTORY_LIMIT = 500

export function historyState(db: Db): HistoryState {
  const undo = db.prepare('SELECT description FROM history WHERE undone = 0 ORDER BY id DESC LIMIT 1').pluck().get() as
    | string
    | undefined
  const redo = db.prepare('SELECT description FROM history WHERE undone = 1 ORDER BY id ASC LIMIT 1').pluck().get() as
    | string
    | undefined
  return { canUndo: undo !== undefined, canRedo: redo !== undefined, undoLabel: undo ?? null, redoLabel: redo ?? null }
}

export function listHistory(db: Db, limit: number): HistoryEntry[] {
  return (
    db.prepare('SELECT id, at, description, posters, undone FROM history ORDER BY id DESC LIMIT ?').all(limit) as {
      id: number
      at: number
      description: string
      posters: number
      undone: number
    }[]
  ).map((r) => ({ ...r, undone: r.undone === 1 }))
}

/** Applies `changes` (their `after`) and records them as one entry; call inside a transaction. */
export function recordEdit(db: Db, description: string, changes: Change[]): void {
  db.prepare('DELETE FROM history WHERE undone = 1').run()
  writeStates(
    db,
    new Map(changes.map((c) => [c.id, c.after])),
    new Map(changes.map((c) => [c.id, c.before])),
  )
  db.prepare('INSERT INTO history (at, description, changes, posters) VALUES (?, ?, ?, ?)').run(
    Date.now(),
    description,
    JSON.stringify(changes),
    changes.length,
  )
  db.prepare('DELETE FROM history WHERE id <= (SELECT id FROM history ORDER BY id DESC LIMIT 1 OFFSET ?)').run(HISTORY_LIMIT)
}

/** Undo (or redo) the next entry; returns the ids of posters whose labels changed. */
export function step(db: Db, direction: 'undo' | 'redo'): string[] {
  return db.transaction(() => {
    const row = (
      direction === 'undo'
        ? db.prepare('SELECT id, changes FROM history WHERE undone = 0 ORDER BY id DESC LIMIT 1')
        : db.prepare('SELECT id, changes FROM history WHERE undone = 1 ORDER BY id ASC LIMIT 1')
    ).get() as { id: number; changes: string } | undefined
    if (!row) return []
    const changes = JSON.parse(row.changes) as Change[]
    const target = new Map(changes.map((c) => [c.id, direction === 'undo' ? c.before : c.after]))
    // Posters removed since (a rolled-back import) are skipped by writeStates.
    const current = readStates(db, [...target.keys()])
    // Only posters that still exist (a rolled-back import may have removed some).
    for (const id of target.keys()) if (!current.has(id)) target.delete(id)
    writeStates(db, target, current)
    db.prepare('UPDATE history SET undone = ? WHERE id = ?').run(direction === 'undo' ? 1 : 0, row.id)
    return [...target.entries()].filter(([id, s]) => !sameLabels(current.get(id)!, s)).map(([id]) => id)
  })()
}

/**
 * Renames (string) or drops (null) genre names throughout the history; call inside the
 * transaction of the vocabulary change. Posters whose before/after become equal are dropped,
 * and entries left with no poster are deleted.
 */
export function rewriteHistoryGenres(db: Db, map: (name: string) => string | null): void {
  const rows = db.prepare('SELECT id, changes FROM history').all() as { id: number; changes: string }[]
  const update = db.prepare('UPDATE history SET changes = ?, posters = ? WHERE id = ?')
  const remove = db.prepare('DELETE FROM history WHERE id = ?')
  const fix = (s: LabelState): LabelState => {
    const seen = new Set<string>()
    const genres: LabelState['genres'] = []
    for (const [n, src] of s.genres) {
      const m = map(n)
      if (m === null || seen.has(m.toLowerCase())) continue
      seen.add(m.toLowerCase())
      genres.push([m, src])
    }
    return { ...s, genres: sortGenres(genres) }
  }
  for (const row of rows) {
    const changes = (JSON.parse(row.changes) as Change[])
      .map((c) => ({ id: c.id, before: fix(c.before), after: fix(c.after) }))
      .filter((c) => !sameLabels(c.before, c.after))
    const json = JSON.stringify(changes)
    if (changes.length === 0) remove.run(row.id)
    else if (json !== row.changes) update.run(json, changes.length, row.id)
  }
}
