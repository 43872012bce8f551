// The genre model's tables: schema versions 2 and 3 (src/main/schema.ts puts every module's
// steps in order). The model code owns its schema; a later change is a NEW step with the next
// free version, never an edit.
import type Database from 'better-sqlite3'
import type { Migration } from '../../library/db'

export const modelMigrations: Migration[] = [
  // 2 (the genre model, issue 3): embeddings, runs, predictions.
  { version: 2, owner: 'model', up: (db) => modelSchemaV1(db) },
  // 3 (issue 9): training posters and out-of-fold probabilities per run.
  { version: 3, owner: 'model', up: (db) => modelSchemaV2(db) },
  // 9: the library genre each output of a run stands for (a rename keeps the genre's row).
  { version: 9, owner: 'model', up: (db) => modelSchemaV3(db) },
]

export function modelSchemaV1(db: Database.Database): void {
  db.exec(`
    -- One feature vector per (poster content, backbone, feature version): retraining never
    -- recomputes it, and identical artwork under two ids is embedded once.
    CREATE TABLE embeddings (
      hash TEXT NOT NULL,
      backbone TEXT NOT NULL,
      features TEXT NOT NULL,
      dims INTEGER NOT NULL,
      vector BLOB NOT NULL,          -- float32 little-endian, dims values
      created_at INTEGER NOT NULL,
      PRIMARY KEY (hash, backbone, features)
    );

    -- Every finished training run is kept; at most one is active (used for predictions).
    CREATE TABLE model_runs (
      id INTEGER PRIMARY KEY,
      created_at INTEGER NOT NULL,
      kind TEXT NOT NULL CHECK (kind IN ('head', 'cnn')),
      config TEXT NOT NULL,          -- JSON: the full training configuration
      backbone TEXT,
      features TEXT,
      backend TEXT NOT NULL,         -- what trained it: a TensorFlow.js backend, or onnxruntime (the head's steps)
      provider TEXT,                 -- onnxruntime execution provider of the embeddings
      genres TEXT NOT NULL,          -- JSON array: output order of the model
      train_size INTEGER NOT NULL,
      val_size INTEGER NOT NULL,
      seconds REAL NOT NULL,
      metrics TEXT NOT NULL,         -- JSON evaluation on the validation split
      epochs TEXT NOT NULL,          -- JSON per-epoch curves
      thresholds TEXT NOT NULL,      -- JSON per-genre thresholds tuned on validation
      weights_path TEXT NOT NULL,    -- folder under <library>/models
      active INTEGER NOT NULL DEFAULT 0 CHECK (active IN (0, 1))
    );
    CREATE UNIQUE INDEX model_runs_one_active ON model_runs(active) WHERE active = 1;

    -- Probabilities per (run, poster): float32 per genre, in the run's genre order.
    CREATE TABLE predictions (
      run_id INTEGER NOT NULL REFERENCES model_runs(id) ON DELETE CASCADE,
      poster_id TEXT NOT NULL REFERENCES posters(id) ON DELETE CASCADE,
      probs BLOB NOT NULL,
      created_at INTEGER NOT NULL,
      PRIMARY KEY (run_id, poster_id)
    ) WITHOUT ROWID;
    CREATE INDEX predictions_poster ON predictions(poster_id);
  `)
}

/**
 * Migration 3 (issue 9): which posters trained each run, with their out-of-fold probabilities
 * (from the cross-validation fold that held them out), and why a run was not activated.
 */
export function modelSchemaV2(db: Database.Database): void {
  db.exec(`
    -- One row per (run, training poster). fold/oof are NULL for runs without cross-validation
    -- (the CNN): the row then only records that the poster was trained on.
    CREATE TABLE run_posters (
      run_id INTEGER NOT NULL REFERENCES model_runs(id) ON DELETE CASCADE,
      poster_id TEXT NOT NULL REFERENCES posters(id) ON DELETE CASCADE,
      fold INTEGER,
      oof BLOB,                      -- float32 per genre, in the run's genre order
      PRIMARY KEY (run_id, poster_id)
    ) WITHOUT ROWID;
    CREATE INDEX run_posters_poster ON run_posters(poster_id);
    ALTER TABLE model_runs ADD COLUMN note TEXT;
  `)
}

export function modelSchemaV3(db: Database.Database): void {
  db.exec(`
    -- JSON array, one entry a run output: the id of the library genre it was trained for, so a
    -- genre renamed since keeps its predictions (NULL entries and NULL: matched by name).
    ALTER TABLE model_runs ADD COLUMN genre_ids TEXT;
    UPDATE model_runs SET genre_ids = (
      SELECT json_group_array((SELECT g.id FROM genres g WHERE g.name = j.value COLLATE NOCASE))
      FROM json_each(model_runs.genres) j
    );
  `)
}
