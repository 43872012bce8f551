// Looking genres up by name and creating them: the part of the vocabulary that label
// writers (edits, imports, accepted predictions) need, kept apart from the vocabulary
// operations in genres.ts, which are undoable history entries.
import { ApiError, newGenreNameProblem } from '../../shared/api'
import type { Db } from './db'

export interface GenreRow {
  id: number
  name: string
  position: number
}

export function isNoGenre(name: string): boolean {
  return name.trim().toUpperCase() === 'N/A'
}

export function genreByName(db: Db, name: string): GenreRow | undefined {
  return db.prepare('SELECT id, name, position FROM genres WHERE name = ?').get(name.trim()) as GenreRow | undefined
}

/** The genre named so (any case), created at the end of the order when missing. */
export function ensureGenre(db: Db, name: string): GenreRow {
  const clean = name.trim()
  if (!clean || isNoGenre(clean)) throw new ApiError('invalid-args', `"${name}" cannot be a genre`)
  const found = genreByName(db, clean)
  if (found) return found
  const problem = newGenreNameProblem(clean)
  if (problem) throw new ApiError('invalid-args', `cannot create the genre "${clean}": ${problem}`)
  const { p } = db.prepare('SELECT COALESCE(MAX(position), -1) + 1 AS p FROM genres').get() as { p: number }
  const info = db.prepare('INSERT INTO genres (name, position) VALUES (?, ?)').run(clean, p)
  return { id: Number(info.lastInsertRowid), name: clean, position: p }
}

/** Every genre name in the user's order: exports, training and acceptance all list them so. */
export function genreNames(db: Db): string[] {
  return db.prepare('SELECT name FROM genres ORDER BY position, name').pluck().all() as string[]
}
