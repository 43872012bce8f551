// One SQLite file per library: WAL, foreign keys, versioned migrations (PRAGMA user_version).
import Database from 'better-sqlite3'
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'

export type Db = Database.Database

/**
 * Each entry moves the schema one version up, inside one transaction. Append only:
 * a shipped migration is never edited, a new one is added after it.
 */
export const migrations: ((db: Db) => void)[] = [
  // 1: posters, genre vocabulary, labels with their source, undoable edit history, imports.
  (db) =>
    db.exec(`
    CREATE TABLE posters (
      id TEXT PRIMARY KEY,
      hash TEXT NOT NULL,
      path TEXT NOT NULL,
      size INTEGER NOT NULL,
      width INTEGER NOT NULL,
      height INTEGER NOT NULL,
      title TEXT,
      year INTEGER,
      labelled INTEGER NOT NULL DEFAULT 0 CHECK (labelled IN (0, 1)),
      added_at INTEGER NOT NULL,
      import_id INTEGER REFERENCES imports(id) ON DELETE SET NULL
    );
    CREATE INDEX posters_hash ON posters(hash);
    CREATE INDEX posters_title ON posters(title COLLATE NOCASE, id);
    CREATE INDEX posters_year ON posters(year, id);
    CREATE INDEX posters_added ON posters(added_at, id);
    CREATE INDEX posters_labelled ON posters(labelled);

    CREATE TABLE genres (
      id INTEGER PRIMARY KEY,
      name TEXT NOT NULL UNIQUE COLLATE NOCASE,
      position INTEGER NOT NULL
    );

    CREATE TABLE labels (
      poster_id TEXT NOT NULL REFERENCES posters(id) ON DELETE CASCADE,
      genre_id INTEGER NOT NULL REFERENCES genres(id) ON DELETE CASCADE,
      source TEXT NOT NULL CHECK (source IN ('imported', 'user', 'prediction')),
      PRIMARY KEY (poster_id, genre_id)
    ) WITHOUT ROWID;
    CREATE INDEX labels_genre ON labels(genre_id, poster_id);

    -- One row per undoable edit: the before and after state of every poster it touched.
    CREATE TABLE history (
      id INTEGER PRIMARY KEY,
      at INTEGER NOT NULL,
      description TEXT NOT NULL,
      changes TEXT NOT NULL,
      undone INTEGER NOT NULL DEFAULT 0
    );

    -- An import that is still 'running' when the library opens was cut off: its new posters are removed.
    CREATE TABLE imports (
      id INTEGER PRIMARY KEY,
      started_at INTEGER NOT NULL,
      finished_at INTEGER,
      status TEXT NOT NULL CHECK (status IN ('running', 'done', 'failed', 'cancelled')),
      request TEXT NOT NULL,
      result TEXT
    );
  `),
]

export const SCHEMA_VERSION = migrations.length

export function migrate(db: Db): void {
  const current = db.pragma('user_version', { simple: true }) as number
  if (current > migrations.length) {
    throw new Error(
      `This library was written by a newer Posterity (schema ${current}, this version knows ${migrations.length}); update Posterity to open it.`,
    )
  }
  for (let v = current; v < migrations.length; v++) {
    db.transaction(() => {
      migrations[v](db)
      db.pragma(`user_version = ${v + 1}`)
    })()
  }
}

export interface OpenOptions {
  /** Path of the better-sqlite3 native addon; the Electron build passes its own ABI's copy. */
  nativeBinding?: string
  readonly?: boolean
}

export const DB_FILE = 'library.sqlite'

/** Opens (creating if needed) the library database in `dir`. */
export function openDb(dir: string, options: OpenOptions = {}): Db {
  mkdirSync(dir, { recursive: true })
  const db = new Database(join(dir, DB_FILE), { nativeBinding: options.nativeBinding, readonly: options.readonly })
  db.pragma('journal_mode = WAL')
  db.pragma('synchronous = NORMAL')
  db.pragma('foreign_keys = ON')
  db.pragma('busy_timeout = 5000')
  if (!options.readonly) migrate(db)
  return db
}
