// The posters each run was trained on and their out-of-fold probabilities: what the review
// queues (suspect labels) and the honest figures read; a model that never saw the poster.
import type Database from 'better-sqlite3'
import { runGenreNames } from './runs'

type Db = Database.Database

export interface RunPosterRow {
  id: string
  /** Cross-validation fold that held the poster out; null for runs without folds. */
  fold: number | null
  /** Out-of-fold probabilities in the run's genre order; null for runs without folds. */
  probs: Float32Array | null
}

export interface OutOfFold {
  runId: number
  /** The run's genre order (the columns of every `probs`). */
  genres: string[]
  /** Training posters of the run that have out-of-fold probabilities. */
  rows: Map<string, { fold: number; probs: Float32Array }>
}

export function putRunPosters(db: Db, runId: number, rows: RunPosterRow[]): void {
  const ins = db.prepare('INSERT OR REPLACE INTO run_posters (run_id, poster_id, fold, oof) VALUES (?, ?, ?, ?)')
  db.transaction(() => {
    for (const r of rows) ins.run(runId, r.id, r.fold, r.probs ? Buffer.from(r.probs.buffer, r.probs.byteOffset, r.probs.byteLength) : null)
  })()
}

const toFloats = (b: Buffer): Float32Array => {
  // Copy: the Buffer may be unaligned for a Float32Array view.
  const bytes = new Uint8Array(b)
  return new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4)
}

/**
 * The out-of-fold probabilities of a run, keyed by poster id (posters deleted since are
 * gone); null when the run does not exist. Rows without probabilities are left out.
 */
export function readOutOfFold(db: Db, runId: number): OutOfFold | null {
  const genres = runGenreNames(db, runId)
  if (genres === null) return null
  const rows = new Map<string, { fold: number; probs: Float32Array }>()
  for (const r of db.prepare('SELECT poster_id AS id, fold, oof FROM run_posters WHERE run_id = ? AND oof IS NOT NULL').iterate(runId) as Iterable<{
    id: string
    fold: number
    oof: Buffer
  }>)
    rows.set(r.id, { fold: r.fold, probs: toFloats(r.oof) })
  return { runId, genres, rows }
}

/** Ids of the posters a run was trained on (its cross-validation posters included). */
export function trainingIds(db: Db, runId: number): Set<string> {
  return new Set(db.prepare('SELECT poster_id FROM run_posters WHERE run_id = ?').pluck().all(runId) as string[])
}

/** The content hashes of the posters a run was trained on (a byte-identical copy is no unseen poster). */
export function trainingHashes(db: Db, runId: number): Set<string> {
  return new Set(db.prepare('SELECT p.hash FROM run_posters r JOIN posters p ON p.id = r.poster_id WHERE r.run_id = ?').pluck().all(runId) as string[])
}
