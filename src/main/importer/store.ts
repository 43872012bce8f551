// The database side of an import. New posters are committed in batches tagged with the
// import's id (so the grid fills while it runs); changes to posters that were already in the
// library wait for the final transaction. Cancel, failure or a crash (an import row still
// 'running' at the next open) removes exactly the posters that import added.
import { readdirSync, unlinkSync } from 'node:fs'
import { join } from 'node:path'
import { hostname } from 'node:os'
import type { ImportRequest, ImportResult, LabelSource } from '../../shared/api'
import type { Db } from '../library/db'
import { ensureGenre } from '../library/vocabulary'
import { refreshDuplicates } from '../library/query'
import { heldHashes } from '../library/remove'
import { touchedSince } from '../library/history'
import { searchKey, sortKey } from '../library/text'
import { THUMB_DIR, THUMB_FILE, thumbPaths } from '../library/thumbs'
import { processExists } from '../errno'

/** A poster's file and metadata columns, as the importer reads and writes them. */
interface PosterColumns {
  id: string
  hash: string
  path: string
  size: number
  mtime: number
  width: number
  height: number
  title: string | null
  year: number | null
}

/** A poster already in the library. */
export interface Existing extends PosterColumns {
  labelled: number
  user_edited: number
}

export interface PosterRecord extends PosterColumns {
  /** null: no label information (unlabelled, or leave as is); [] labelled with no genre. */
  genres: string[] | null
  /** Sources by lower-case genre name, from a file that records them (else 'imported'). */
  sources?: Record<string, LabelSource>
  /** The labels file says N/A (genre unknown): a poster labelled "no genre" by an import goes back to unlabelled. */
  unknown?: boolean
}

export class ImportStore {
  readonly importId: number
  private genreIds = new Map<string, number>()
  private createdGenres = new Set<number>()

  constructor(
    private db: Db,
    private libraryDir: string,
    request: ImportRequest,
  ) {
    const info = db
      .prepare(`INSERT INTO imports (started_at, status, request, pid, host) VALUES (?, 'running', ?, ?, ?)`)
      .run(Date.now(), JSON.stringify(request), process.pid, hostname())
    this.importId = Number(info.lastInsertRowid)
  }

  /** Every poster already in the library, by id (one read instead of one per file). */
  existing(): Map<string, Existing> {
    const rows = this.db
      .prepare('SELECT id, hash, path, size, mtime, width, height, title, year, labelled, user_edited FROM posters')
      .all() as Existing[]
    return new Map(rows.map((r) => [r.id, r]))
  }

  /** Genres join the vocabulary in the labels file's order before any poster uses them. */
  prepareGenres(order: string[]): void {
    this.db.transaction(() => order.forEach((g) => this.genreId(g)))()
  }

  private genreId(name: string): number {
    const k = name.toLowerCase()
    let id = this.genreIds.get(k)
    if (id === undefined) {
      const before = this.db.prepare('SELECT id FROM genres WHERE name = ?').pluck().get(name) as number | undefined
      id = ensureGenre(this.db, name).id
      if (before === undefined) this.createdGenres.add(id)
      this.genreIds.set(k, id)
    }
    return id
  }

  private writeLabels(id: string, genres: string[], sources?: Record<string, LabelSource>): void {
    this.db.prepare('DELETE FROM labels WHERE poster_id = ?').run(id)
    const ins = this.db.prepare(`INSERT OR IGNORE INTO labels (poster_id, genre_id, source) VALUES (?, ?, ?)`)
    for (const g of genres) ins.run(id, this.genreId(g), sources?.[g.toLowerCase()] ?? 'imported')
  }

  /** New posters, one transaction per batch. */
  addBatch(records: PosterRecord[]): void {
    if (records.length === 0) return
    const ins = this.db.prepare(
      `INSERT INTO posters (id, hash, path, size, mtime, width, height, title, year, labelled, added_at, import_id, search_key, sort_key)
       VALUES (@id, @hash, @path, @size, @mtime, @width, @height, @title, @year, @labelled, @added, @importId, @searchKey, @sortKey)`,
    )
    const now = Date.now()
    this.db.transaction(() => {
      for (const r of records) {
        const { sources: _s, genres: _g, unknown: _u, ...cols } = r
        ins.run({
          ...cols,
          labelled: r.genres ? 1 : 0,
          added: now,
          importId: this.importId,
          // Computed here, the row is written once (a trigger fills them for writers that do not).
          searchKey: searchKey(r.title, r.id),
          sortKey: sortKey(r.title, r.id),
        })
        if (r.genres && r.genres.length) this.writeLabels(r.id, r.genres, r.sources)
      }
    })()
  }

  /** The final transaction: updates to pre-existing posters, duplicate flags, the import's result. */
  finish(updates: PosterRecord[], result: ImportResult): void {
    const upd = this.db.prepare(
      `UPDATE posters SET hash = @hash, path = @path, size = @size, mtime = @mtime, width = @width, height = @height,
       title = @title, year = @year WHERE id = @id`,
    )
    this.db.transaction(() => {
      // Checked again here: the user may have edited labels while the import ran.
      const edited = this.db.prepare('SELECT user_edited FROM posters WHERE id = ?').pluck()
      for (const r of updates) {
        const { sources: _s, genres: _g, unknown: _u, ...cols } = r
        upd.run(cols)
        if (r.unknown) {
          this.db.prepare(`UPDATE posters SET labelled = 0 WHERE id = ? AND user_edited = 0 AND NOT EXISTS (SELECT 1 FROM labels WHERE poster_id = ?)`).run(r.id, r.id)
        }
        if (r.genres && edited.get(r.id) !== 1) {
          this.db.prepare('UPDATE posters SET labelled = 1 WHERE id = ?').run(r.id)
          this.writeLabels(r.id, r.genres, r.sources)
        }
      }
      refreshDuplicates(this.db)
      this.db
        .prepare(`UPDATE imports SET status = 'done', finished_at = ?, result = ? WHERE id = ?`)
        .run(Date.now(), JSON.stringify(result), this.importId)
    })()
  }

  /** Removes what this import added; genres it created that no poster uses go too. */
  rollback(status: 'cancelled' | 'failed', error: string | null): number {
    const removed = removeImport(this.db, this.importId, status, error, [...this.createdGenres])
    removeThumbs(this.libraryDir, removed.hashes)
    return removed.count
  }

  duplicatesAmong(ids: string[]): number {
    if (ids.length === 0) return 0
    return this.db.prepare('SELECT COUNT(*) FROM posters WHERE dup = 1 AND id IN (SELECT value FROM json_each(?))').pluck().get(JSON.stringify(ids)) as number
  }
}

/**
 * Removes the posters an unfinished import added, except those a person touched since it
 * started (labels, title or year edited, undone or not): their edits are kept, and no history
 * entry is left whose undo would do nothing. Kept posters keep their import id.
 */
function removeImport(
  db: Db,
  importId: number,
  status: 'cancelled' | 'failed',
  error: string | null,
  createdGenres: number[],
): { count: number; kept: number; hashes: string[] } {
  const out = db.transaction(() => {
    const started = (db.prepare('SELECT started_at FROM imports WHERE id = ?').pluck().get(importId) as number | undefined) ?? 0
    const touched = touchedSince(db, started)
    const posters = db.prepare('SELECT id, hash, user_edited FROM posters WHERE import_id = ?').all(importId) as {
      id: string
      hash: string
      user_edited: number
    }[]
    const gone = posters.filter((p) => p.user_edited !== 1 && !touched.has(p.id))
    const hashes = [...new Set(gone.map((p) => p.hash))]
    const del = db.prepare('DELETE FROM posters WHERE id = ?')
    for (const p of gone) del.run(p.id)
    const count = gone.length
    const kept = posters.length - count
    for (const g of createdGenres) {
      db.prepare('DELETE FROM genres WHERE id = ? AND NOT EXISTS (SELECT 1 FROM labels WHERE genre_id = ?)').run(g, g)
    }
    refreshDuplicates(db)
    db.prepare('UPDATE imports SET status = ?, finished_at = ?, result = ? WHERE id = ?').run(
      status,
      Date.now(),
      JSON.stringify({ removed: count, kept, error }),
      importId,
    )
    // Thumbnails no remaining poster uses (nor an undoable deletion).
    const used = db.prepare('SELECT 1 FROM posters WHERE hash = ? LIMIT 1').pluck()
    const held = heldHashes(db)
    return { count, kept, hashes: hashes.filter((h) => used.get(h) === undefined && !held.has(h)) }
  })()
  return out
}

function alive(pid: number | null, host: string | null): boolean {
  if (!pid || host !== hostname() || pid === process.pid) return false
  return processExists(pid)
}

/**
 * Imports left 'running' by a process that is gone (crash, kill) are rolled back: their
 * posters are removed (but those a person touched meanwhile), with thumbnails nothing else uses. An import that another live process
 * on this machine is running is left alone.
 */
export function recoverInterrupted(db: Db, libraryDir: string): { imports: number; posters: number; kept: number } {
  const rows = db.prepare(`SELECT id, pid, host FROM imports WHERE status = 'running'`).all() as {
    id: number
    pid: number | null
    host: string | null
  }[]
  let posters = 0
  let kept = 0
  let imports = 0
  let live = 0
  for (const r of rows) {
    if (alive(r.pid, r.host)) {
      live++
      continue
    }
    const removed = removeImport(db, r.id, 'failed', 'interrupted (the app stopped during the import)', [])
    posters += removed.count
    kept += removed.kept
    imports++
    removeThumbs(libraryDir, removed.hashes)
  }
  // The cut-off import may also have written thumbnails of posters it never committed
  // (not while another process imports: its thumbnails are not committed yet either).
  if (imports > 0 && live === 0) sweepThumbs(db, libraryDir)
  return { imports, posters, kept }
}

/** Removes cached thumbnails no poster uses (after a crash; a full walk of the cache). */
export function sweepThumbs(db: Db, libraryDir: string): number {
  const root = join(libraryDir, THUMB_DIR)
  const used = db.prepare('SELECT 1 FROM posters WHERE hash = ? LIMIT 1').pluck()
  const held = heldHashes(db) // deleted posters whose deletion can still be undone
  let n = 0
  let dirs: string[] = []
  try {
    dirs = readdirSync(root)
  } catch {
    return 0
  }
  for (const d of dirs) {
    let files: string[] = []
    try {
      files = readdirSync(join(root, d))
    } catch {
      continue
    }
    for (const f of files) {
      // Leftover temp files always go; thumbnails (JPEG, or WebP from older libraries) unless used.
      const hash = THUMB_FILE.exec(f)?.[1]
      if (f.endsWith('.tmp') || (hash !== undefined && used.get(hash) === undefined && !held.has(hash))) {
        try {
          unlinkSync(join(root, d, f))
          n++
        } catch {
          /* gone */
        }
      }
    }
  }
  return n
}

export function removeThumbs(libraryDir: string, hashes: string[]): void {
  for (const h of hashes) {
    for (const p of thumbPaths(libraryDir, h)) {
      try {
        unlinkSync(p)
      } catch {
        /* already gone, or never in this format */
      }
    }
  }
}
