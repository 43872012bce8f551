// The undo history: one `history` row per undoable change, kept in the library file so undo
// survives a restart. Kinds: 'labels' (before/after label states of the posters an edit
// touched), 'meta' (title/year), 'delete' (removed posters, see remove.ts) and 'genre' (one
// vocabulary change, see genres.ts). The history is ONE linear stack: every change that names
// genres (label edits, renames, merges, deletions) is in it, so undoing in order always finds
// the names an entry stores. A new change drops the redo branch (rows marked undone).
import type { HistoryEntry, HistoryState } from '../../shared/api'
import type { Db } from './db'
import { readStates, sameLabels, writeStates, type LabelState } from './labels'

export interface Change {
  id: string
  before: LabelState
  after: LabelState
}

export type EntryKind = 'labels' | 'meta' | 'delete' | 'genre'

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

/** Records an entry whose change the caller has just applied; call inside that transaction. */
export function recordEntry(db: Db, kind: EntryKind, description: string, data: unknown, posters: number): void {
  db.prepare('DELETE FROM history WHERE undone = 1').run()
  db.prepare('INSERT INTO history (at, description, changes, posters, kind) VALUES (?, ?, ?, ?, ?)').run(
    Date.now(),
    description,
    JSON.stringify(data),
    posters,
    kind,
  )
  const cut = db.prepare('SELECT id FROM history ORDER BY id DESC LIMIT 1 OFFSET ?').pluck().get(HISTORY_LIMIT) as number | undefined
  if (cut === undefined) return
  // A deletion that can no longer be undone releases its thumbnails (removed later; see remove.ts).
  db.prepare(
    `INSERT OR IGNORE INTO thumb_orphans (hash)
     SELECT j.value FROM history h, json_each(h.changes, '$.hashes') j WHERE h.id <= ? AND h.kind = 'delete' AND h.undone = 0`,
  ).run(cut)
  db.prepare('DELETE FROM history WHERE id <= ?').run(cut)
}

/** Applies `changes` (their `after`) and records them as one entry; call inside a transaction. */
export function recordEdit(db: Db, description: string, changes: Change[]): void {
  writeStates(
    db,
    new Map(changes.map((c) => [c.id, c.after])),
    new Map(changes.map((c) => [c.id, c.before])),
  )
  recordEntry(db, 'labels', description, changes, changes.length)
}

export interface Entry {
  id: number
  kind: EntryKind
  changes: string
}

/** The entry undo (or redo) would apply next. */
export function nextEntry(db: Db, direction: 'undo' | 'redo'): Entry | undefined {
  return (
    direction === 'undo'
      ? db.prepare('SELECT id, kind, changes FROM history WHERE undone = 0 ORDER BY id DESC LIMIT 1')
      : db.prepare('SELECT id, kind, changes FROM history WHERE undone = 1 ORDER BY id ASC LIMIT 1')
  ).get() as Entry | undefined
}

export function markUndone(db: Db, id: number, undone: boolean): void {
  db.prepare('UPDATE history SET undone = ? WHERE id = ?').run(undone ? 1 : 0, id)
}

/** Writes a label entry's before (undo) or after (redo) states; returns the posters that changed. */
export function applyLabelChanges(db: Db, changes: Change[], direction: 'undo' | 'redo'): string[] {
  const target = new Map(changes.map((c) => [c.id, direction === 'undo' ? c.before : c.after]))
  const current = readStates(db, [...target.keys()])
  // Only posters that still exist (a rolled-back import may have removed some).
  for (const id of target.keys()) if (!current.has(id)) target.delete(id)
  writeStates(db, target, current)
  return [...target.entries()].filter(([id, s]) => !sameLabels(current.get(id)!, s)).map(([id]) => id)
}
