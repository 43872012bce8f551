// The collection's rows in the library: collections, films, the genre map.
import type { Film, GenreMapEntry } from '../../shared/api'
import type { Db } from '../library/db'
import { entryFiles, WRITING, type WrittenFile } from './journal'

export interface FilmRow {
  id: number
  collection_id: number
  key: string
  folder: string
  video: string | null
  nfo_path: string
  nfo_exists: number
  nfo_size: number | null
  nfo_mtime: number | null
  nfo_error: string | null
  poster_path: string | null
  poster_size: number | null
  poster_mtime: number | null
  poster_id: string | null
  title: string | null
  year: number | null
  imdb: string | null
  tmdb: string | null
  locked: number
  nfo_genres: string
  /** 1 when the film's NFOs list different genres (nfo_genres is their union). */
  nfos_disagree: number
  decision: 'pending' | 'accept' | 'skip'
}

export function collectionId(db: Db, root: string, create = false): number | null {
  const id = db.prepare('SELECT id FROM collections WHERE root = ?').pluck().get(root) as number | undefined
  if (id !== undefined || !create) return id ?? null
  return Number(db.prepare('INSERT INTO collections (root) VALUES (?)').run(root).lastInsertRowid)
}

export function filmRows(db: Db, collection: number, ids?: number[]): FilmRow[] {
  const rows = db.prepare('SELECT * FROM collection_films WHERE collection_id = ? ORDER BY key').all(collection) as FilmRow[]
  if (!ids) return rows
  const want = new Set(ids)
  return rows.filter((r) => want.has(r.id))
}

export type Written = NonNullable<Film['written']>

/**
 * For each film of the collection, the latest write-back still in effect on its NFOs: its id,
 * when, and the genres it wrote. An undone write-back is none; one undone in part keeps the
 * films whose files wait for another try. A write-back still running, or killed before it
 * recorded its files, counts with the files its journal lists (in `dir`, the library folder).
 */
export function writtenFilms(db: Db, collection: number, dir: string): Map<number, Written> {
  const out = new Map<number, Written>()
  const rows = db.prepare('SELECT id, at, files, description FROM collection_writes WHERE collection_id = ? AND undone = 0 ORDER BY id').all(collection) as { id: number; at: number; files: string; description: string }[]
  for (const w of rows) {
    const recorded = JSON.parse(w.files) as WrittenFile[]
    const files = w.description === WRITING ? entryFiles(dir, w.id, recorded) : recorded
    for (const f of files) if (f.genres) out.set(f.film, { writeId: w.id, at: w.at, genres: f.genres })
  }
  return out
}

export function toFilm(r: FilmRow, written?: Written): Film {
  return {
    id: r.id,
    key: r.key,
    folder: r.folder,
    video: r.video,
    nfoPath: r.nfo_path,
    nfoExists: r.nfo_exists === 1,
    nfoError: r.nfo_error,
    posterPath: r.poster_path,
    posterId: r.poster_id,
    title: r.title,
    year: r.year,
    imdb: r.imdb,
    tmdb: r.tmdb,
    locked: r.locked === 1,
    nfoGenres: JSON.parse(r.nfo_genres) as string[],
    decision: r.decision,
    ...(written ? { written } : {}),
  }
}

export function readGenreMap(db: Db): GenreMapEntry[] {
  return (db.prepare('SELECT library_name AS library, server_name AS server FROM genre_map ORDER BY library_name COLLATE NOCASE').all() as GenreMapEntry[])
}

export function writeGenreMap(db: Db, entries: GenreMapEntry[]): void {
  db.transaction(() => {
    db.prepare('DELETE FROM genre_map').run()
    const ins = db.prepare('INSERT OR REPLACE INTO genre_map (library_name, server_name) VALUES (?, ?)')
    for (const e of entries) if (e.library.toLowerCase() !== e.server.toLowerCase()) ins.run(e.library, e.server)
  })()
}

/** Library genre → media-server name (null: never written), and back. */
export interface GenreMapping {
  toServer(genre: string): string | null
  toLibrary(genre: string): string
}

export function genreMapping(db: Db): GenreMapping {
  const entries = readGenreMap(db)
  const out = new Map(entries.map((e) => [e.library.toLowerCase(), e.server]))
  const back = new Map(entries.filter((e) => e.server).map((e) => [e.server.toLowerCase(), e.library]))
  return {
    toServer: (g) => {
      const m = out.get(g.toLowerCase())
      return m === undefined ? g : m || null
    },
    toLibrary: (g) => back.get(g.toLowerCase()) ?? g,
  }
}
