// Explore's tables, schema versions 6 and 8 (src/main/schema.ts puts every module's steps in order):
// duplicate decisions and the cached map. A later change is a NEW step with the next free
// version, never an edit.
import type Database from 'better-sqlite3'
import type { Migration } from '../../library/db'

export const exploreMigrations: Migration[] = [
  // 6 (explore: duplicate decisions, the map; issue 11).
  { version: 6, owner: 'explore', up: (db) => exploreSchemaV1(db) },
  // 8 (explore: the feature set each map point was laid out with; explore/features.ts).
  { version: 8, owner: 'explore', up: (db) => exploreSchemaV2(db) },
]

export function exploreSchemaV1(db: Database.Database): void {
  db.exec(`
    -- One row per resolved near-duplicate cluster. 'merge' removed every member but 'keep';
    -- 'distinct' keeps its members out of one cluster from then on. 'undo' holds what undoing
    -- needs: the removed posters' rows and label states, the kept poster's labels before and after.
    CREATE TABLE duplicate_decisions (
      id INTEGER PRIMARY KEY,
      at INTEGER NOT NULL,
      kind TEXT NOT NULL CHECK (kind IN ('merge', 'distinct')),
      keep TEXT,
      members TEXT NOT NULL,         -- JSON array of poster ids
      undo TEXT NOT NULL,            -- JSON
      undone INTEGER NOT NULL DEFAULT 0 CHECK (undone IN (0, 1))
    );

    -- The embeddings map: one 2-D point a poster, from the last (background) computation.
    CREATE TABLE map_points (
      poster_id TEXT PRIMARY KEY REFERENCES posters(id) ON DELETE CASCADE,
      x REAL NOT NULL,
      y REAL NOT NULL,
      computed_at INTEGER NOT NULL
    ) WITHOUT ROWID;
  `)
}

/** The feature set version a map point was laid out with; NULL for points computed before. */
export function exploreSchemaV2(db: Database.Database): void {
  db.exec('ALTER TABLE map_points ADD COLUMN features TEXT')
}
