// The collection's tables: schema versions 5 and 10 (src/main/schema.ts puts every module's
// steps in order). The collection code owns its schema; a later change is a NEW step with the next
// free version, never an edit.
import type { Db, Migration } from '../library/db'

export const collectionMigrations: Migration[] = [
  // 5 (collections, issue 10): films, the genre map, write-backs.
  { version: 5, owner: 'collection', up: (db) => collectionSchemaV1(db) },
  // 10: whether a film's NFOs list different genres (the Change column cannot say "unchanged" then).
  { version: 10, owner: 'collection', up: (db) => db.exec('ALTER TABLE collection_films ADD COLUMN nfos_disagree INTEGER NOT NULL DEFAULT 0') },
]

export function collectionSchemaV1(db: Db): void {
  db.exec(`
    -- A folder of films on disk (or a NAS) that Posterity reads and tags.
    CREATE TABLE collections (
      id INTEGER PRIMARY KEY,
      root TEXT NOT NULL UNIQUE,
      scanned_at INTEGER
    );

    -- One row a film: where its files are, what its NFO said when last read.
    CREATE TABLE collection_films (
      id INTEGER PRIMARY KEY,
      collection_id INTEGER NOT NULL REFERENCES collections(id) ON DELETE CASCADE,
      key TEXT NOT NULL,                -- video (or NFO) path relative to the root, '/'-separated
      folder TEXT NOT NULL,
      video TEXT,
      nfo_path TEXT NOT NULL,           -- the NFO, or where one would be created
      nfo_exists INTEGER NOT NULL DEFAULT 0,
      nfo_size INTEGER,                 -- size and mtime (ms) when read: a changed NFO is re-read
      nfo_mtime INTEGER,
      nfo_error TEXT,                   -- the parser's reason when the NFO cannot be used
      poster_path TEXT,
      poster_size INTEGER,              -- size and mtime (ms) of the poster file: a replaced poster is imported again
      poster_mtime INTEGER,
      poster_id TEXT REFERENCES posters(id) ON DELETE SET NULL,
      title TEXT,
      year INTEGER,
      imdb TEXT,
      tmdb TEXT,
      locked INTEGER NOT NULL DEFAULT 0,
      nfo_genres TEXT NOT NULL DEFAULT '[]',  -- JSON: the <genre> values, in file order
      decision TEXT NOT NULL DEFAULT 'pending' CHECK (decision IN ('pending', 'accept', 'skip')),
      UNIQUE (collection_id, key)
    );
    CREATE INDEX collection_films_poster ON collection_films(poster_id);

    -- The media server's name for a library genre ("Sci-Fi" is "Science Fiction" in TMDB and
    -- Jellyfin); an empty target means the genre is never written.
    CREATE TABLE genre_map (
      library_name TEXT PRIMARY KEY COLLATE NOCASE,
      server_name TEXT NOT NULL
    );
    INSERT INTO genre_map (library_name, server_name) VALUES ('Sci-Fi', 'Science Fiction');

    -- One undoable write-back: the files it wrote and where their originals were kept.
    CREATE TABLE collection_writes (
      id INTEGER PRIMARY KEY,
      collection_id INTEGER NOT NULL REFERENCES collections(id) ON DELETE CASCADE,
      at INTEGER NOT NULL,
      mode TEXT NOT NULL,
      description TEXT NOT NULL,
      files TEXT NOT NULL,              -- JSON [{film, path, backup|null, written sha256}]
      undone INTEGER NOT NULL DEFAULT 0
    );
  `)
}
