// The undo history: one `history` row per undoable change, kept in the library file so undo
// survives a restart. Kinds: 'labels' (before/after label states of the posters an edit
// touched), 'meta' (title/year), 'delete' (removed posters, see remove.ts) and 'genre' (one
// vocabulary change, see genres.ts). The history is ONE linear stack: every change that names
// genres (label edits, renames, merges, deletions) is in it, so undoing in order always finds
// the names an entry stores. A new change drops the redo branch (rows marked undone).
import { ApiError, type HistoryEntry, type HistoryState } from '../../shared/api'
import type { Db } from './db'
import { readStates, sameLabels, writeStates, type LabelState } from './labels'
import { applyDelta, deltaIds, encodeDelta, isDelta, type LabelDelta } from './delta'

export interface Change {
  id: string
  before: LabelState
  after: LabelState
}

export type EntryKind = 'labels' | 'meta' | 'delete' | 'genre'

/** History is capped by entries and by the bytes its entries hold; the oldest entries go first. */
export const HISTORY_LIMIT = 500
export const HISTORY_MAX_BYTES = 64 * 2 ** 20

export function historyState(db: Db): HistoryState {
  const top = db.prepare('SELECT id, description FROM history WHERE undone = 0 ORDER BY id DESC LIMIT 1').get() as { id: number; description: string } | undefined
  const undo = top?.description
  const redo = db.prepare('SELECT description FROM history WHERE undone = 1 ORDER BY id ASC LIMIT 1').pluck().get() as
    | string
    | undefined
  const dropped = (db.prepare('SELECT entries FROM history_dropped').pluck().get() as number | undefined) ?? 0
  return { canUndo: undo !== undefined, canRedo: redo !== undefined, undoLabel: undo ?? null, undoId: top?.id ?? null, redoLabel: redo ?? null, dropped }
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

/**
 * Records an entry whose change the caller has just applied; call inside that transaction.
 * `pending` marks a change still being applied in chunks (see bulk.ts); returns the entry's id.
 */
export function recordEntry(db: Db, kind: EntryKind, description: string, data: unknown, posters: number, pending?: 'new'): number {
  // Writers outside the library's queue (accepted predictions, say) wait for a bulk change to end.
  if (db.prepare('SELECT 1 FROM history WHERE pending IS NOT NULL').get()) {
    throw new ApiError('conflict', 'a bulk change (an edit, a merge or a deletion of many posters) is being applied; try again when it has finished')
  }
  db.prepare('DELETE FROM history WHERE undone = 1').run()
  const text = JSON.stringify(data)
  const id = Number(
    db
      .prepare('INSERT INTO history (at, description, changes, posters, kind, bytes, pending) VALUES (?, ?, ?, ?, ?, ?, ?)')
      .run(Date.now(), description, text, posters, kind, Buffer.byteLength(text), pending ?? null).lastInsertRowid,
  )
  trimHistory(db)
  return id
}

/**
 * Drops the oldest entries past HISTORY_LIMIT entries or HISTORY_MAX_BYTES (the newest entry
 * always stays), counting them in history_dropped so undo can say older history was dropped.
 */
function trimHistory(db: Db): void {
  const cut = db
    .prepare(
      `SELECT id FROM (SELECT id, SUM(bytes) OVER (ORDER BY id DESC) AS total, ROW_NUMBER() OVER (ORDER BY id DESC) AS n FROM history)
       WHERE n > 1 AND (n > ? OR total > ?) ORDER BY id DESC LIMIT 1`,
    )
    .pluck()
    .get(HISTORY_LIMIT, HISTORY_MAX_BYTES) as number | undefined
  if (cut === undefined) return
  // A deletion that can no longer be undone releases its thumbnails (removed later; see remove.ts).
  db.prepare(
    `INSERT OR IGNORE INTO thumb_orphans (hash)
     SELECT j.value FROM history h, json_each(h.changes, '$.hashes') j WHERE h.id <= ? AND h.kind = 'delete' AND h.undone = 0`,
  ).run(cut)
  const n = db.prepare('DELETE FROM history WHERE id <= ?').run(cut).changes
  db.prepare(
    `INSERT INTO history_dropped (id, entries, at) VALUES (1, ?, ?) ON CONFLICT (id) DO UPDATE SET entries = entries + excluded.entries, at = excluded.at`,
  ).run(n, Date.now())
}

/**
 * Applies `changes` (their `after`) and records them as one entry; call inside a transaction.
 * The entry stores what changed (delta.ts), not whole states.
 */
export function recordEdit(db: Db, description: string, changes: Change[]): void {
  writeStates(
    db,
    new Map(changes.map((c) => [c.id, c.after])),
    new Map(changes.map((c) => [c.id, c.before])),
  )
  recordEntry(db, 'labels', description, encodeDelta(changes), changes.length)
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

/**
 * Applies a label entry either way; returns the posters that changed. Entries written before
 * deltas (arrays of whole states) set the before (undo) or after (redo) states.
 */
export function applyLabelChanges(db: Db, data: Change[] | LabelDelta, direction: 'undo' | 'redo'): string[] {
  if (isDelta(data)) return applyDelta(db, data, direction)
  const changes = data
  const target = new Map(changes.map((c) => [c.id, direction === 'undo' ? c.before : c.after]))
  const current = readStates(db, [...target.keys()])
  // Only posters that still exist (a rolled-back import may have removed some).
  for (const id of target.keys()) if (!current.has(id)) target.delete(id)
  writeStates(db, target, current)
  return [...target.entries()].filter(([id, s]) => !sameLabels(current.get(id)!, s)).map(([id]) => id)
}

/** Posters that label or title/year edits recorded since `since` (ms) touched, undone or not. */
export function touchedSince(db: Db, since: number): Set<string> {
  const out = new Set<string>()
  const rows = db.prepare(`SELECT changes FROM history WHERE at >= ? AND kind IN ('labels', 'meta')`).pluck().iterate(since) as Iterable<string>
  for (const text of rows) {
    const data: unknown = JSON.parse(text)
    if (isDelta(data)) for (const id of deltaIds(data)) out.add(id)
    else if (Array.isArray(data)) for (const c of data as { id: string }[]) out.add(c.id)
  }
  return out
}
