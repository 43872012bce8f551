// One SQLite file per library: WAL, foreign keys, versioned migrations (PRAGMA user_version).
import Database from 'better-sqlite3'
import { mkdirSync, renameSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { lockLibrary } from './lock'
import { searchKey, sortKey } from './text'

export type Db = Database.Database

/**
 * One step of the schema: it moves PRAGMA user_version from `version - 1` to `version`,
 * inside one transaction. Each module declares its own steps (the library's are below, the
 * model's in ml/store/schema.ts, ...); src/main/schema.ts composes them in version order.
 * Append only: a shipped step is never edited or renumbered, a new one takes the next version.
 */
export interface Migration {
  version: number
  /** Who owns the tables it touches, for messages and the composed-order test. */
  owner: string
  up(db: Db): void
}

/** The library's own steps: posters, genres, labels, history, imports (1), provenance and search (4). */
export const libraryMigrations: Migration[] = [
  // 1: posters, genre vocabulary, labels with their source, undoable edit history, imports.
  {
    version: 1,
    owner: 'library',
    up: (db) =>
      db.exec(`
    CREATE TABLE posters (
      id TEXT PRIMARY KEY,
      hash TEXT NOT NULL,
      path TEXT NOT NULL,
      size INTEGER NOT NULL,
      -- File mtime (ms) when imported: an unchanged (path, size, mtime) skips re-hashing on re-import.
      mtime INTEGER NOT NULL DEFAULT 0,
      width INTEGER NOT NULL,
      height INTEGER NOT NULL,
      title TEXT,
      year INTEGER,
      labelled INTEGER NOT NULL DEFAULT 0 CHECK (labelled IN (0, 1)),
      -- 1 when another poster has byte-identical artwork (same hash); kept up to date by imports.
      dup INTEGER NOT NULL DEFAULT 0 CHECK (dup IN (0, 1)),
      -- 1 once the user edited this poster's labels: re-imports then leave its labels alone.
      user_edited INTEGER NOT NULL DEFAULT 0 CHECK (user_edited IN (0, 1)),
      added_at INTEGER NOT NULL,
      -- The import that added the poster; its posters are removed if that import never finishes.
      import_id INTEGER REFERENCES imports(id) ON DELETE SET NULL,
      -- Bit genres.slot set for each genre the poster has (genres 0-62; kept by triggers below),
      -- so genre filters test an integer instead of joining labels by text id.
      genre_mask INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX posters_hash ON posters(hash);
    CREATE INDEX posters_path ON posters(path);
    CREATE INDEX posters_import ON posters(import_id) WHERE import_id IS NOT NULL;
    -- One index per grid sort, each COVERING the filter columns (labelled, dup, genre_mask, title):
    -- a filtered scan in sort order never seeks into the table except for the rows it returns.
    -- The ORDER BY expressions in library/query.ts must match these exactly.
    CREATE INDEX posters_by_title ON posters(COALESCE(title, id) COLLATE NOCASE, id, labelled, dup, genre_mask, title);
    CREATE INDEX posters_by_year ON posters(year IS NULL, year, id, labelled, dup, genre_mask, title);
    CREATE INDEX posters_by_year_desc ON posters(year IS NULL, year DESC, id DESC, labelled, dup, genre_mask, title);
    CREATE INDEX posters_by_added ON posters(added_at, id, labelled, dup, genre_mask, title);
    CREATE INDEX posters_by_id ON posters(id, labelled, dup, genre_mask, title);

    CREATE TABLE genres (
      id INTEGER PRIMARY KEY,
      name TEXT NOT NULL UNIQUE COLLATE NOCASE,
      position INTEGER NOT NULL,
      -- Bit of posters.genre_mask (0-62), given on insert; NULL beyond 63 genres (then queries join labels).
      slot INTEGER UNIQUE
    );

    CREATE TABLE labels (
      poster_id TEXT NOT NULL REFERENCES posters(id) ON DELETE CASCADE,
      genre_id INTEGER NOT NULL REFERENCES genres(id) ON DELETE CASCADE,
      source TEXT NOT NULL CHECK (source IN ('imported', 'user', 'prediction')),
      PRIMARY KEY (poster_id, genre_id)
    ) WITHOUT ROWID;
    CREATE INDEX labels_genre ON labels(genre_id, poster_id);

    -- Triggers keep genre slots and masks right whoever writes labels (importer, editor, predictions).
    CREATE TRIGGER genres_slot AFTER INSERT ON genres WHEN NEW.slot IS NULL BEGIN
      UPDATE genres SET slot = (
        WITH RECURSIVE n(s) AS (SELECT 0 UNION ALL SELECT s + 1 FROM n WHERE s < 62)
        SELECT MIN(s) FROM n WHERE s NOT IN (SELECT slot FROM genres WHERE slot IS NOT NULL)
      ) WHERE id = NEW.id;
    END;
    CREATE TRIGGER genres_gone AFTER DELETE ON genres WHEN OLD.slot IS NOT NULL BEGIN
      UPDATE posters SET genre_mask = genre_mask & ~(1 << OLD.slot) WHERE genre_mask & (1 << OLD.slot);
    END;
    CREATE TRIGGER labels_mask_add AFTER INSERT ON labels BEGIN
      UPDATE posters SET genre_mask = genre_mask | COALESCE((SELECT 1 << slot FROM genres WHERE id = NEW.genre_id), 0)
      WHERE id = NEW.poster_id;
    END;
    CREATE TRIGGER labels_mask_remove AFTER DELETE ON labels BEGIN
      UPDATE posters SET genre_mask = genre_mask & ~COALESCE((SELECT 1 << slot FROM genres WHERE id = OLD.genre_id), 0)
      WHERE id = OLD.poster_id;
    END;
    CREATE TRIGGER labels_mask_move AFTER UPDATE OF poster_id, genre_id ON labels BEGIN
      UPDATE posters SET genre_mask = (
        SELECT COALESCE(SUM(1 << g.slot), 0) FROM labels l JOIN genres g ON g.id = l.genre_id
        WHERE l.poster_id = posters.id AND g.slot IS NOT NULL
      ) WHERE id IN (OLD.poster_id, NEW.poster_id);
    END;

    -- One row per undoable edit: the before and after state of every poster it touched.
    CREATE TABLE history (
      id INTEGER PRIMARY KEY,
      at INTEGER NOT NULL,
      description TEXT NOT NULL,
      -- JSON [{id, before, after}] with genre NAMES (see library/history.ts); posters = its length.
      changes TEXT NOT NULL,
      posters INTEGER NOT NULL DEFAULT 0,
      undone INTEGER NOT NULL DEFAULT 0
    );

    -- An import that is still 'running' when the library opens was cut off: its new posters are removed.
    -- pid/host tell a crashed import from one another process on this machine is still running.
    CREATE TABLE imports (
      id INTEGER PRIMARY KEY,
      pid INTEGER,
      host TEXT,
      started_at INTEGER NOT NULL,
      finished_at INTEGER,
      status TEXT NOT NULL CHECK (status IN ('running', 'done', 'failed', 'cancelled')),
      request TEXT NOT NULL,
      result TEXT
    );
  `),
  },
  // 2 and 3 are the model's (ml/store/schema.ts).
  // 4 (issue 9, library management): label provenance 'nfo'; folded search and natural sort keys;
  // history entries of several kinds (labels, poster metadata, deletions, genre changes).
  { version: 4, owner: 'library', up: (db) => libraryV3(db) },
  // 5 is the collection's (collection/schema.ts), 6 explore's (ml/explore/schema.ts).
  // 7 (hardening, issue 15): history bounded by size; bulk edits applied in chunks.
  { version: 7, owner: 'library', up: (db) => historyV2(db) },
]

/**
 * Every module's steps as one list in version order. The versions must run 1, 2, ... N with
 * none missing or taken twice: a gap or a clash is a programming error, refused before any
 * library is touched.
 */
export function orderMigrations(...lists: readonly Migration[][]): Migration[] {
  const all = lists.flat().sort((a, b) => a.version - b.version)
  all.forEach((m, i) => {
    if (m.version !== i + 1) {
      const clash = all.find((o) => o !== m && o.version === m.version)
      throw new Error(
        clash
          ? `schema version ${m.version} is claimed by both ${clash.owner} and ${m.owner}`
          : `schema versions must run 1..${all.length} without gaps: ${m.owner} declares ${m.version} where ${i + 1} is next`,
      )
    }
  })
  return all
}

/** Bits of posters.source_mask; the provenance filter in query.ts tests them. */
export const SOURCE_BIT = { imported: 1, user: 2, prediction: 4, nfo: 8 } as const
const SOURCE_BIT_SQL = (col: string) =>
  `(CASE ${col} ${Object.entries(SOURCE_BIT).map(([k, b]) => `WHEN '${k}' THEN ${b}`).join(' ')} ELSE 0 END)`
/** SUM(DISTINCT bit) is the OR of the bits. */
const SOURCE_MASK_OF = (poster: string) =>
  `(SELECT COALESCE(SUM(DISTINCT ${SOURCE_BIT_SQL('s.source')}), 0) FROM labels s WHERE s.poster_id = ${poster})`

/** The labels table again with 'nfo' allowed (a CHECK cannot be altered); masks stay as they are. */
const LABELS_V3 = `
    CREATE TABLE labels_v3 (
      poster_id TEXT NOT NULL REFERENCES posters(id) ON DELETE CASCADE,
      genre_id INTEGER NOT NULL REFERENCES genres(id) ON DELETE CASCADE,
      source TEXT NOT NULL CHECK (source IN ('imported', 'user', 'prediction', 'nfo')),
      PRIMARY KEY (poster_id, genre_id)
    ) WITHOUT ROWID;
    INSERT INTO labels_v3 SELECT poster_id, genre_id, source FROM labels;
    DROP TABLE labels;
    ALTER TABLE labels_v3 RENAME TO labels;
    CREATE INDEX labels_genre ON labels(genre_id, poster_id);
    -- posters.source_mask: one bit per label source the poster has (see SOURCE_BIT), for the provenance filter.
    CREATE TRIGGER labels_mask_add AFTER INSERT ON labels BEGIN
      UPDATE posters SET genre_mask = genre_mask | COALESCE((SELECT 1 << slot FROM genres WHERE id = NEW.genre_id), 0),
        source_mask = source_mask | ${SOURCE_BIT_SQL('NEW.source')}
      WHERE id = NEW.poster_id;
    END;
    CREATE TRIGGER labels_mask_remove AFTER DELETE ON labels BEGIN
      UPDATE posters SET genre_mask = genre_mask & ~COALESCE((SELECT 1 << slot FROM genres WHERE id = OLD.genre_id), 0),
        source_mask = ${SOURCE_MASK_OF('OLD.poster_id')}
      WHERE id = OLD.poster_id;
    END;
    CREATE TRIGGER labels_mask_move AFTER UPDATE OF poster_id, genre_id ON labels BEGIN
      UPDATE posters SET genre_mask = (
        SELECT COALESCE(SUM(1 << g.slot), 0) FROM labels l JOIN genres g ON g.id = l.genre_id
        WHERE l.poster_id = posters.id AND g.slot IS NOT NULL
      ), source_mask = ${SOURCE_MASK_OF('posters.id')} WHERE id IN (OLD.poster_id, NEW.poster_id);
    END;
    CREATE TRIGGER labels_source AFTER UPDATE OF source ON labels BEGIN
      UPDATE posters SET source_mask = ${SOURCE_MASK_OF('NEW.poster_id')} WHERE id = NEW.poster_id;
    END;`

function libraryV3(db: Db): void {
  db.exec(`ALTER TABLE posters ADD COLUMN source_mask INTEGER NOT NULL DEFAULT 0`)
  // Indexes and triggers on labels that other migrations may have added go with the old
  // table: kept here and made again on the new one.
  const mine = new Set(['labels_genre', 'labels_mask_add', 'labels_mask_remove', 'labels_mask_move', 'labels_source'])
  const others = (
    db.prepare(`SELECT name, sql FROM sqlite_master WHERE tbl_name = 'labels' AND type IN ('index', 'trigger') AND sql IS NOT NULL`).all() as {
      name: string
      sql: string
    }[]
  ).filter((o) => !mine.has(o.name))
  db.exec(LABELS_V3)
  for (const o of others) db.exec(o.sql)
  db.exec(`UPDATE posters SET source_mask = ${SOURCE_MASK_OF('posters.id')} WHERE labelled = 1 OR id IN (SELECT poster_id FROM labels)`)
  db.exec(`
    -- Folded title + id for search, natural folded title for sort (library/text.ts), kept by triggers.
    ALTER TABLE posters ADD COLUMN search_key TEXT NOT NULL DEFAULT '';
    ALTER TABLE posters ADD COLUMN sort_key TEXT NOT NULL DEFAULT '';
    UPDATE posters SET search_key = posterity_search_key(title, id), sort_key = posterity_sort_key(title, id);
    -- Trigram index of search_key: a substring search of 3+ characters looks rows up instead of
    -- testing every poster (contentless: the text lives in posters.search_key).
    CREATE VIRTUAL TABLE posters_fts USING fts5(search_key, content='', tokenize='trigram');
    INSERT INTO posters_fts (rowid, search_key) SELECT rowid, search_key FROM posters;
    CREATE TRIGGER posters_fts_update AFTER UPDATE OF search_key ON posters BEGIN
      INSERT INTO posters_fts (posters_fts, rowid, search_key) SELECT 'delete', OLD.rowid, OLD.search_key WHERE OLD.search_key <> '';
      INSERT INTO posters_fts (rowid, search_key) SELECT NEW.rowid, NEW.search_key WHERE NEW.search_key <> '';
    END;
    CREATE TRIGGER posters_fts_delete AFTER DELETE ON posters BEGIN
      INSERT INTO posters_fts (posters_fts, rowid, search_key) SELECT 'delete', OLD.rowid, OLD.search_key WHERE OLD.search_key <> '';
    END;
    -- Writers that pass the keys (the importer) save a second write of the row and its indexes.
    CREATE TRIGGER posters_fts_insert AFTER INSERT ON posters WHEN NEW.search_key <> '' BEGIN
      INSERT INTO posters_fts (rowid, search_key) VALUES (NEW.rowid, NEW.search_key);
    END;
    CREATE TRIGGER posters_keys_insert AFTER INSERT ON posters WHEN NEW.search_key = '' BEGIN
      UPDATE posters SET search_key = posterity_search_key(NEW.title, NEW.id), sort_key = posterity_sort_key(NEW.title, NEW.id)
      WHERE id = NEW.id;
    END;
    CREATE TRIGGER posters_keys_update AFTER UPDATE OF title, id ON posters BEGIN
      UPDATE posters SET search_key = posterity_search_key(NEW.title, NEW.id), sort_key = posterity_sort_key(NEW.title, NEW.id)
      WHERE id = NEW.id;
    END;
    -- The covering indexes carry source_mask and search_key (what the provenance filter and a search read).
    DROP INDEX posters_by_title;
    DROP INDEX posters_by_year;
    DROP INDEX posters_by_year_desc;
    DROP INDEX posters_by_added;
    DROP INDEX posters_by_id;
    CREATE INDEX posters_by_title ON posters(sort_key, id, labelled, dup, genre_mask, source_mask, search_key);
    CREATE INDEX posters_by_year ON posters(year IS NULL, year, id, labelled, dup, genre_mask, source_mask, search_key);
    CREATE INDEX posters_by_year_desc ON posters(year IS NULL, year DESC, id DESC, labelled, dup, genre_mask, source_mask, search_key);
    CREATE INDEX posters_by_added ON posters(added_at, id, labelled, dup, genre_mask, source_mask, search_key);
    CREATE INDEX posters_by_id ON posters(id, labelled, dup, genre_mask, source_mask, search_key);

    -- labels: changes = [{id, before, after}] label states; meta: [{id, before, after}] {title, year};
    -- delete: the removed rows (library/remove.ts); genre: one vocabulary change (library/genres.ts).
    ALTER TABLE history ADD COLUMN kind TEXT NOT NULL DEFAULT 'labels';
    -- Thumbnails of deleted posters stay while their deletion can be undone; when that entry
    -- leaves the history its hashes wait here until a library with a known folder removes them.
    CREATE TABLE thumb_orphans (hash TEXT PRIMARY KEY) WITHOUT ROWID;
  `)
}

function historyV2(db: Db): void {
  db.exec(`
    -- Bytes of changes, summed to keep the history under its size limit (library/history.ts).
    ALTER TABLE history ADD COLUMN bytes INTEGER NOT NULL DEFAULT 0;
    UPDATE history SET bytes = length(CAST(changes AS BLOB));
    -- A change still being applied in chunks (library/bulk.ts): 'new', 'undo' or 'redo'. One left
    -- at open was cut off and is rolled back, so a bulk edit is all or nothing.
    ALTER TABLE history ADD COLUMN pending TEXT CHECK (pending IN ('new', 'undo', 'redo'));
    CREATE INDEX history_pending ON history(id) WHERE pending IS NOT NULL;
    -- How many entries the limits have dropped (one row), so undo can say older history is gone.
    CREATE TABLE history_dropped (id INTEGER PRIMARY KEY CHECK (id = 1), entries INTEGER NOT NULL, at INTEGER NOT NULL);
  `)
}

/** The SQL functions the schema's triggers call; registered on every connection. */
function registerFunctions(db: Db): void {
  const opts = { deterministic: true }
  db.function('posterity_search_key', opts, (title: unknown, id: unknown) => searchKey(typeof title === 'string' ? title : null, String(id)))
  db.function('posterity_sort_key', opts, (title: unknown, id: unknown) => sortKey(typeof title === 'string' ? title : null, String(id)))
}

/**
 * Brings the file up to the last of `migrations` (ordered by orderMigrations). A library that
 * already has a schema is first copied to `library.sqlite.bak-v<N>` (N: its version); then every
 * pending migration runs in ONE transaction, so one that fails leaves the file as it was.
 */
export function migrate(db: Db, migrations: readonly Migration[]): void {
  const current = db.pragma('user_version', { simple: true }) as number
  if (current > migrations.length) {
    throw new Error(
      `This library was written by a newer Posterity (schema ${current}, this version knows ${migrations.length}); update Posterity to open it.`,
    )
  }
  if (current === migrations.length) return
  if (current > 0 && db.name !== ':memory:') backup(db, `${db.name}.bak-v${current}`)
  db.transaction(() => {
    for (let v = current; v < migrations.length; v++) {
      migrations[v].up(db)
      db.pragma(`user_version = ${v + 1}`)
    }
  })()
}

/** A consistent copy of the database (VACUUM INTO), written beside it and renamed into place. */
function backup(db: Db, file: string): void {
  const tmp = `${file}.tmp`
  rmSync(tmp, { force: true })
  try {
    db.prepare('VACUUM INTO ?').run(tmp)
    renameSync(tmp, file)
  } catch (err) {
    rmSync(tmp, { force: true })
    throw new Error(`cannot back up the library to ${file} before upgrading it (nothing was changed): ${(err as Error).message}`)
  }
}

export interface OpenOptions {
  /** Path of the better-sqlite3 native addon; the Electron build passes its own ABI's copy. */
  nativeBinding?: string
  readonly?: boolean
  /** The whole schema, every module's steps in order (src/main/schema.ts composes it). */
  migrations: readonly Migration[]
}

export const DB_FILE = 'library.sqlite'

/** Opens (creating if needed) the library database in `dir`. */
export function openDb(dir: string, options: OpenOptions): Db {
  mkdirSync(dir, { recursive: true })
  // A writer holds the library's lock until its handle closes (see library/lock.ts).
  const release = options.readonly ? () => undefined : lockLibrary(dir)
  let db: Db | null = null
  try {
    db = new Database(join(dir, DB_FILE), {
      readonly: options.readonly ?? false,
      ...(options.nativeBinding ? { nativeBinding: options.nativeBinding } : {}),
    })
    db.pragma('journal_mode = WAL')
    db.pragma('synchronous = NORMAL')
    db.pragma('foreign_keys = ON')
    db.pragma('busy_timeout = 5000')
    registerFunctions(db)
    if (!options.readonly) migrate(db, options.migrations)
  } catch (err) {
    // A failed migration (or a file that is no database) leaves no open handle and no lock behind.
    db?.close()
    release()
    throw err
  }
  const close = db.close.bind(db)
  db.close = () => {
    try {
      return close()
    } finally {
      release()
    }
  }
  return db
}
