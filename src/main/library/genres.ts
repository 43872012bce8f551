// The genre vocabulary: names are unique case-insensitively (the column is COLLATE NOCASE)
// and `N/A` is never one (the contract refuses it; importers map it to "no genre").
// Rename, merge and delete also rewrite the label history (see history.ts), which stores
// genre names: undo then never resurrects a deleted genre nor splits a merged one.
import { ApiError, type Genre } from '../../shared/api'
import type { Db } from './db'
import { rewriteHistoryGenres } from './history'
import { ensureGenre, genreByName, type GenreRow } from './vocabulary'

function mustGet(db: Db, name: string): GenreRow {
  const g = genreByName(db, name)
  if (!g) throw new ApiError('not-found', `no genre "${name}"`)
  return g
}

export function listGenres(db: Db): Genre[] {
  return db
    .prepare(
      `SELECT g.name, g.position, (SELECT COUNT(*) FROM labels l WHERE l.genre_id = g.id) AS count
       FROM genres g ORDER BY g.position, g.name`,
    )
    .all() as Genre[]
}

function withCount(db: Db, g: GenreRow): Genre {
  const { c } = db.prepare('SELECT COUNT(*) AS c FROM labels WHERE genre_id = ?').get(g.id) as { c: number }
  return { name: g.name, position: g.position, count: c }
}

export function addGenre(db: Db, name: string): Genre {
  if (genreByName(db, name)) throw new ApiError('conflict', `a genre "${genreByName(db, name)!.name}" already exists`)
  return withCount(db, ensureGenre(db, name))
}

export function renameGenre(db: Db, name: string, to: string): Genre {
  return db.transaction(() => {
    const g = mustGet(db, name)
    const clash = genreByName(db, to)
    // A change of case only is a rename of the same genre; another genre's name needs merge.
    if (clash && clash.id !== g.id) throw new ApiError('conflict', `a genre "${clash.name}" already exists; merge into it instead`)
    db.prepare('UPDATE genres SET name = ? WHERE id = ?').run(to.trim(), g.id)
    rewriteHistoryGenres(db, (n) => (n.toLowerCase() === g.name.toLowerCase() ? to.trim() : n))
    return withCount(db, { ...g, name: to.trim() })
  })()
}

export function mergeGenre(db: Db, from: string, into: string): Genre {
  return db.transaction(() => {
    const a = mustGet(db, from)
    const b = mustGet(db, into)
    if (a.id === b.id) throw new ApiError('invalid-args', `cannot merge "${a.name}" into itself`)
    // A poster labelled with both keeps the `into` label (and its source).
    db.prepare(
      `INSERT OR IGNORE INTO labels (poster_id, genre_id, source) SELECT poster_id, ?, source FROM labels WHERE genre_id = ?`,
    ).run(b.id, a.id)
    db.prepare('DELETE FROM genres WHERE id = ?').run(a.id)
    renumber(db)
    rewriteHistoryGenres(db, (n) => (n.toLowerCase() === a.name.toLowerCase() ? b.name : n))
    return withCount(db, mustGet(db, b.name))
  })()
}

export function removeGenre(db: Db, name: string): void {
  db.transaction(() => {
    const g = mustGet(db, name)
    db.prepare('DELETE FROM genres WHERE id = ?').run(g.id) // labels go by ON DELETE CASCADE
    renumber(db)
    rewriteHistoryGenres(db, (n) => (n.toLowerCase() === g.name.toLowerCase() ? null : n))
  })()
}

export function reorderGenres(db: Db, names: string[]): void {
  db.transaction(() => {
    const all = db.prepare('SELECT id, name FROM genres').all() as { id: number; name: string }[]
    const byKey = new Map(all.map((g) => [g.name.toLowerCase(), g]))
    const seen = new Set<string>()
    for (const n of names) {
      const k = n.trim().toLowerCase()
      if (!byKey.has(k)) throw new ApiError('invalid-args', `reorder: no genre "${n}"`)
      if (seen.has(k)) throw new ApiError('invalid-args', `reorder: "${n}" is listed twice`)
      seen.add(k)
    }
    const missing = all.filter((g) => !seen.has(g.name.toLowerCase())).map((g) => g.name)
    if (missing.length) throw new ApiError('invalid-args', `reorder must list every genre; missing: ${missing.join(', ')}`)
    const set = db.prepare('UPDATE genres SET position = ? WHERE id = ?')
    names.forEach((n, i) => set.run(i, byKey.get(n.trim().toLowerCase())!.id))
  })()
}

/** Positions stay 0..n-1 after a genre goes. */
function renumber(db: Db): void {
  const ids = db.prepare('SELECT id FROM genres ORDER BY position, name').pluck().all() as number[]
  const set = db.prepare('UPDATE genres SET position = ? WHERE id = ?')
  ids.forEach((id, i) => set.run(i, id))
}
