// Deleting posters, undoably. The entry keeps the poster rows, their labels (by genre name)
// and the rows of every other table that references posters (found from the schema's foreign
// keys, so this module needs to know nothing of, say, the model's predictions). Thumbnails stay
// on disk while the deletion can be undone; once its entry leaves the history they are removed.
import { unlinkSync } from 'node:fs'
import { ApiError, type LabelSource } from '../../shared/api'
import type { Statement } from 'better-sqlite3'
import { SOURCE_BIT, type Db } from './db'
import { recordEntry } from './history'
import { runWhole, type SlicedPlan } from './plan'
import { refreshDuplicatesOf } from './query'
import { thumbPaths } from './thumbs'
import { ensureGenre } from './vocabulary'

type Row = Record<string, unknown>

export interface DeleteChange {
  /** The poster rows: values in `columns` order, or (entries written before that) objects. */
  posters: unknown[][] | Row[]
  /** The posters' column names; absent in entries that hold the rows as objects. */
  columns?: string[]
  /** [poster, genre name, source] */
  labels: [string, string, LabelSource][]
  /** Rows of other tables referencing the posters, blobs as {$b64}. */
  related: { table: string; rows: Row[] }[]
  /** Thumbnail hashes these posters used (read by SQL in history.ts: keep the name). */
  hashes: string[]
  ids: string[]
}

/** Masks derived from labels (recomputed on restore: genre slots may differ by then). The
 *  search and sort keys are kept: restoring them spares recomputing them. */
const DERIVED = new Set(['genre_mask', 'source_mask'])

function referencing(db: Db): { table: string; column: string }[] {
  return db
    .prepare(
      `SELECT m.name AS "table", f."from" AS "column" FROM sqlite_master m, pragma_foreign_key_list(m.name) f
       WHERE m.type = 'table' AND f."table" = 'posters' AND m.name <> 'labels'`,
    )
    .all() as { table: string; column: string }[]
}

const ident = (s: string) => `"${s.replace(/"/g, '""')}"`
const encode = (r: Row): Row =>
  Object.fromEntries(Object.entries(r).map(([k, v]) => [k, Buffer.isBuffer(v) ? { $b64: v.toString('base64') } : v]))
const decode = (r: Row): Row =>
  Object.fromEntries(
    Object.entries(r).map(([k, v]) => [k, v && typeof v === 'object' && '$b64' in v ? Buffer.from(String((v as { $b64: string }).$b64), 'base64') : v]),
  )

/** Which posters a deletion takes (by id, or every poster one import added) and its entry's description; checks, writes nothing. */
export function deletionTarget(db: Db, target: { ids?: string[]; importId?: number }): { ids: string[]; description: string } {
  if (target.importId !== undefined) {
    const imp = db.prepare('SELECT id FROM imports WHERE id = ?').get(target.importId)
    if (!imp) throw new ApiError('not-found', `no import #${target.importId}`)
    const ids = db.prepare('SELECT id FROM posters WHERE import_id = ? ORDER BY id').pluck().all(target.importId) as string[]
    if (ids.length === 0) throw new ApiError('not-found', `import #${target.importId} has no posters left in the library`)
    return { ids, description: `Delete the ${ids.length} poster${ids.length === 1 ? '' : 's'} of import #${target.importId}` }
  }
  const want = JSON.stringify([...new Set(target.ids ?? [])])
  const ids = db.prepare('SELECT id FROM posters WHERE id IN (SELECT value FROM json_each(?)) ORDER BY id').pluck().all(want) as string[]
  if (ids.length === 0) throw new ApiError('not-found', `no such poster${(target.ids ?? []).length > 1 ? 's' : ''}: ${(target.ids ?? []).slice(0, 5).join(', ')}`)
  return { ids, description: ids.length === 1 ? `Delete poster ${ids[0]}` : `Delete ${ids.length} posters` }
}

/** Deletes posters by id (or every poster one import added) as one undoable entry, in one transaction. */
export function removePosters(db: Db, target: { ids?: string[]; importId?: number }): { removed: string[] } {
  return db.transaction(() => {
    const { ids, description } = deletionTarget(db, target)
    const change = deletePosterRows(db, ids)
    recordEntry(db, 'delete', description, change, ids.length)
    return { removed: ids }
  })()
}

/**
 * What undoing the deletion of these posters needs: their rows, labels by genre name, the rows
 * of every table referencing them, thumbnail hashes. Reads only; `read` concatenates slices.
 */
export function readDeletion(db: Db, ids: string[]): DeleteChange {
  const json = JSON.stringify(ids)
  // Rows as value arrays under one list of column names: the entry of a big deletion is about
  // half the size of one holding objects (less to write, and to read back at undo).
  const select = db.prepare('SELECT * FROM posters WHERE id IN (SELECT value FROM json_each(?))')
  const all = select.columns().map((c) => c.name)
  const keep = all.map((_, i) => i).filter((i) => !DERIVED.has(all[i]))
  const columns = keep.map((i) => all[i])
  const posters = (select.raw().all(json) as unknown[][]).map((r) => keep.map((i) => r[i]))
  const labels = db
    .prepare(
      `SELECT l.poster_id, g.name, l.source FROM labels l JOIN genres g ON g.id = l.genre_id
       WHERE l.poster_id IN (SELECT value FROM json_each(?)) ORDER BY l.poster_id, g.position`,
    )
    .raw()
    .all(json) as [string, string, LabelSource][]
  const related = referencing(db).map(({ table, column }) => ({
    table,
    rows: (db.prepare(`SELECT * FROM ${ident(table)} WHERE ${ident(column)} IN (SELECT value FROM json_each(?))`).all(json) as Row[]).map(encode),
  }))
  const hash = columns.indexOf('hash')
  const hashes = [...new Set(posters.map((p) => String(p[hash])))]
  return { posters, columns, labels, related: related.filter((r) => r.rows.length), hashes, ids }
}

/** Several readDeletion results as one (slices of one deletion, in order; their columns are the same). */
export function joinDeletions(parts: DeleteChange[]): DeleteChange {
  const related = new Map<string, Row[]>()
  for (const p of parts) {
    for (const r of p.related) {
      const rows = related.get(r.table)
      if (rows) for (const row of r.rows) rows.push(row)
      else related.set(r.table, r.rows.slice())
    }
  }
  return {
    posters: parts.flatMap((p) => p.posters as unknown[][]),
    columns: parts[0]?.columns ?? [],
    labels: parts.flatMap((p) => p.labels),
    related: [...related].map(([table, rows]) => ({ table, rows })),
    hashes: [...new Set(parts.flatMap((p) => p.hashes))],
    ids: parts.flatMap((p) => p.ids),
  }
}

/**
 * Deletes existing posters and returns what undoing that needs (readDeletion); call inside a
 * transaction. The caller records it: removePosters in the history, Explore's duplicate merge
 * in its decisions.
 */
export function deletePosterRows(db: Db, ids: string[]): DeleteChange {
  const change = readDeletion(db, ids)
  runWhole(deletePlan(db, change, 'redo'))
  return change
}

/**
 * A deletion as units of work, one poster each (plan.ts). Redo deletes the posters (their labels
 * and referencing rows go by ON DELETE CASCADE); undo puts each back with its labels and rows,
 * except posters whose id was taken again meanwhile, which stay as they are now.
 */
export function deletePlan(db: Db, c: DeleteChange, direction: 'undo' | 'redo'): SlicedPlan {
  if (direction === 'redo') {
    const present = db.prepare('SELECT id, hash FROM posters WHERE id IN (SELECT value FROM json_each(?))').raw()
    const del = db.prepare('DELETE FROM posters WHERE id IN (SELECT value FROM json_each(?))')
    return {
      size: c.ids.length,
      slice: (from, to) => {
        const rows = present.all(JSON.stringify(c.ids.slice(from, to))) as [string, string][]
        const ids = rows.map(([id]) => id)
        del.run(JSON.stringify(ids))
        refreshDuplicatesOf(db, [...new Set(rows.map(([, h]) => h))])
        return ids
      },
    }
  }
  // Labels and referencing rows by poster, so a slice of posters finds its own.
  const labelsOf = new Map<string, [string, string, LabelSource][]>()
  for (const l of c.labels) {
    const list = labelsOf.get(l[0])
    if (list) list.push(l)
    else labelsOf.set(l[0], [l])
  }
  const column = new Map(referencing(db).map((r) => [r.table, r.column]))
  const relatedOf = new Map<string, { table: string; row: Row }[]>()
  for (const { table, rows } of c.related) {
    const col = column.get(table)
    if (col === undefined) continue // the table no longer references posters
    for (const row of rows) {
      const p = String(row[col])
      const list = relatedOf.get(p)
      if (list) list.push({ table, row })
      else relatedOf.set(p, [{ table, row }])
    }
  }
  // One statement per table and column list (rows of one table share their columns).
  const statements = new Map<string, Statement<unknown[]>>()
  const insert = (table: string, cols: string[]) => {
    const sql = `INSERT OR IGNORE INTO ${ident(table)} (${cols.map(ident).join(',')}) VALUES (${cols.map(() => '?').join(',')})`
    let st = statements.get(sql)
    if (!st) statements.set(sql, (st = db.prepare<unknown[]>(sql)))
    return st
  }
  const takenOf = db.prepare('SELECT id FROM posters WHERE id IN (SELECT value FROM json_each(?))').pluck()
  const ins = db.prepare('INSERT OR IGNORE INTO labels (poster_id, genre_id, source) VALUES (?, ?, ?)')
  const genre = new Map<string, number>()
  const columns = c.columns
  const rowAt = (i: number): Row => (columns ? Object.fromEntries(columns.map((k, j) => [k, (c.posters[i] as unknown[])[j]])) : (c.posters[i] as Row))
  return {
    size: c.posters.length,
    slice: (from, to) => {
      const posters: Row[] = []
      for (let i = from; i < Math.min(to, c.posters.length); i++) posters.push(rowAt(i))
      // Posters whose id was taken again meanwhile stay as they are now.
      const taken = new Set(takenOf.all(JSON.stringify(posters.map((p) => String(p.id)))) as string[])
      const restored = posters.filter((p) => !taken.has(String(p.id)))
      // Labels first (foreign keys checked at commit), so their triggers find no poster row to
      // update; each poster is then written once, with its masks.
      db.pragma('defer_foreign_keys = ON')
      for (const p of restored) {
        for (const [poster, name, source] of labelsOf.get(String(p.id)) ?? []) {
          let g = genre.get(name.toLowerCase())
          if (g === undefined) genre.set(name.toLowerCase(), (g = ensureGenre(db, name).id))
          ins.run(poster, g, source)
        }
      }
      // The masks from the genres' slots now (a genre may have another slot than at deletion).
      const slot = new Map(
        (db.prepare('SELECT name, slot FROM genres WHERE slot IS NOT NULL').raw().all() as [string, number][]).map(([n, sl]) => [n.toLowerCase(), sl]),
      )
      for (const p of restored) {
        const id = String(p.id)
        let mask = 0n
        let sources = 0
        for (const [, name, source] of labelsOf.get(id) ?? []) {
          const sl = slot.get(name.toLowerCase())
          if (sl !== undefined) mask |= 1n << BigInt(sl)
          sources |= SOURCE_BIT[source] ?? 0
        }
        const row = { ...p, genre_mask: mask, source_mask: sources }
        const cols = Object.keys(row)
        insert('posters', cols).run(...cols.map((k) => row[k as keyof typeof row]))
        for (const { table, row: raw } of relatedOf.get(id) ?? []) {
          const r = decode(raw)
          const rc = Object.keys(r)
          try {
            insert(table, rc).run(...rc.map((k) => r[k]))
          } catch {
            // What the row pointed at is gone (a model run deleted since): that row stays gone.
          }
        }
      }
      refreshDuplicatesOf(db, [...new Set(restored.map((p) => String(p.hash)))])
      return restored.map((p) => String(p.id))
    },
  }
}

/** Undo puts the rows back (posters whose id was taken again meanwhile stay as they are now); in a transaction. */
export function applyDelete(db: Db, c: DeleteChange, direction: 'undo' | 'redo'): string[] {
  return runWhole(deletePlan(db, c, direction))
}

/**
 * Removes thumbnails released by deletions that left the history, unless a poster (or a
 * deletion still undoable) uses them again.
 */
export function purgeOrphanThumbs(db: Db, libraryDir: string): number {
  const hashes = db.prepare('SELECT hash FROM thumb_orphans').pluck().all() as string[]
  if (hashes.length === 0) return 0
  const held = heldHashes(db)
  const used = db.prepare('SELECT 1 FROM posters WHERE hash = ? LIMIT 1').pluck()
  let n = 0
  for (const h of hashes) {
    if (used.get(h) !== undefined || held.has(h)) continue
    for (const p of thumbPaths(libraryDir, h)) {
      try {
        unlinkSync(p)
        n++
      } catch {
        /* already gone, or never in this format */
      }
    }
  }
  db.prepare('DELETE FROM thumb_orphans').run()
  return n
}

/** Hashes whose thumbnails an undoable deletion still needs. */
export function heldHashes(db: Db): Set<string> {
  return new Set(
    db
      .prepare(`SELECT DISTINCT j.value FROM history h, json_each(h.changes, '$.hashes') j WHERE h.kind = 'delete' AND h.undone = 0`)
      .pluck()
      .all() as string[],
  )
}
