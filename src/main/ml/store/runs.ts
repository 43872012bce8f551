// Model runs and their stored predictions.
import type Database from 'better-sqlite3'
import type { EpochPoint, ModelEvaluation, ModelKind, RunDetail, RunSummary } from '../../../shared/api'
import { genreByName } from '../../library/vocabulary'

type Db = Database.Database

export interface NewRun {
  kind: ModelKind
  config: Record<string, unknown>
  backbone: string | null
  features: string | null
  backend: string
  provider: string | null
  genres: string[]
  trainSize: number
  valSize: number
  seconds: number
  evaluation: ModelEvaluation
  epochs: EpochPoint[]
  thresholds: number[]
  weightsPath: string
}

interface Row {
  id: number
  created_at: number
  kind: ModelKind
  config: string
  backbone: string | null
  features: string | null
  backend: string
  provider: string | null
  genres: string
  genre_ids: string | null
  train_size: number
  val_size: number
  seconds: number
  metrics: string
  epochs: string
  thresholds: string
  weights_path: string
  active: number
  note: string | null
}

export interface StoredRun extends RunDetail {
  thresholds: number[]
}

/**
 * A run's output names as the library spells them today: an output trained for a genre renamed
 * since takes its new name (the genre's row, and so its id, survives a rename and its undo); a
 * genre merged away or deleted keeps the name it was trained under.
 */
function currentNames(db: Db, stored: string[], ids: string | null): string[] {
  if (!ids) return stored
  const byId = new Map((db.prepare('SELECT id, name FROM genres').all() as { id: number; name: string }[]).map((g) => [g.id, g.name]))
  const list = JSON.parse(ids) as (number | null)[]
  return stored.map((name, i) => (list[i] != null ? (byId.get(list[i]!) ?? name) : name))
}

/** The run's genre names, current (see currentNames). */
export function runGenreNames(db: Db, runId: number): string[] | null {
  const r = db.prepare('SELECT genres, genre_ids FROM model_runs WHERE id = ?').get(runId) as { genres: string; genre_ids: string | null } | undefined
  return r ? currentNames(db, JSON.parse(r.genres) as string[], r.genre_ids) : null
}

function toRun(db: Db, r: Row): StoredRun {
  const stored = JSON.parse(r.genres) as string[]
  const genres = currentNames(db, stored, r.genre_ids)
  const renamed = new Map(stored.flatMap((g, i) => (g !== genres[i] ? [[g, genres[i]] as const] : [])))
  const evaluation = JSON.parse(r.metrics) as ModelEvaluation
  if (renamed.size) {
    const rename = <T extends { genre: string }>(m: T): T => ({ ...m, genre: renamed.get(m.genre) ?? m.genre })
    evaluation.genres = evaluation.genres.map(rename)
    if (evaluation.rare) evaluation.rare = evaluation.rare.map(rename)
    if (evaluation.ensemble?.genreAp) evaluation.ensemble.genreAp = evaluation.ensemble.genreAp.map(rename)
  }
  return {
    id: r.id,
    createdAt: r.created_at,
    kind: r.kind,
    backbone: r.backbone,
    features: r.features,
    backend: r.backend,
    provider: r.provider,
    trainSize: r.train_size,
    valSize: r.val_size,
    seconds: r.seconds,
    active: r.active === 1,
    config: JSON.parse(r.config) as Record<string, unknown>,
    model: evaluation.model,
    prior: evaluation.prior,
    genres,
    evaluation,
    epochs: JSON.parse(r.epochs) as EpochPoint[],
    weightsPath: r.weights_path,
    thresholds: JSON.parse(r.thresholds) as number[],
    note: r.note ?? null,
  }
}

/** Records why a run was or was not activated (shown in the run list). */
export function setRunNote(db: Db, id: number, note: string): void {
  db.prepare('UPDATE model_runs SET note = ? WHERE id = ?').run(note, id)
}

export function insertRun(db: Db, run: NewRun, activate: boolean): number {
  return db.transaction(() => {
    const id = Number(
      db
        .prepare(
          `INSERT INTO model_runs (created_at, kind, config, backbone, features, backend, provider, genres, train_size, val_size,
             seconds, metrics, epochs, thresholds, weights_path, active, genre_ids) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?)`,
        )
        .run(
          Date.now(),
          run.kind,
          JSON.stringify(run.config),
          run.backbone,
          run.features,
          run.backend,
          run.provider,
          JSON.stringify(run.genres),
          run.trainSize,
          run.valSize,
          run.seconds,
          JSON.stringify(run.evaluation),
          JSON.stringify(run.epochs),
          JSON.stringify(run.thresholds),
          run.weightsPath,
          JSON.stringify(run.genres.map((g) => genreByName(db, g)?.id ?? null)),
        ).lastInsertRowid,
    )
    if (activate) activateRun(db, id)
    return id
  })()
}

export function activateRun(db: Db, id: number): boolean {
  return db.transaction(() => {
    if (!db.prepare('SELECT 1 FROM model_runs WHERE id = ?').get(id)) return false
    db.prepare('UPDATE model_runs SET active = 0 WHERE active = 1').run()
    db.prepare('UPDATE model_runs SET active = 1 WHERE id = ?').run(id)
    return true
  })()
}

export function listRuns(db: Db): StoredRun[] {
  return (db.prepare('SELECT * FROM model_runs ORDER BY id DESC').all() as Row[]).map((r) => toRun(db, r))
}

export function getRun(db: Db, id: number): StoredRun | null {
  const r = db.prepare('SELECT * FROM model_runs WHERE id = ?').get(id) as Row | undefined
  return r ? toRun(db, r) : null
}

export function activeRun(db: Db): StoredRun | null {
  const r = db.prepare('SELECT * FROM model_runs WHERE active = 1').get() as Row | undefined
  return r ? toRun(db, r) : null
}

/** Deletes the run row (its predictions cascade); returns its weights folder. */
export function deleteRunRow(db: Db, id: number): string | null {
  const r = db.prepare('SELECT weights_path FROM model_runs WHERE id = ?').pluck().get(id) as string | undefined
  if (r === undefined) return null
  db.prepare('DELETE FROM model_runs WHERE id = ?').run(id)
  return r
}

export function putPredictions(db: Db, runId: number, rows: { id: string; probs: Float32Array }[]): void {
  const ins = db.prepare('INSERT OR REPLACE INTO predictions (run_id, poster_id, probs, created_at) VALUES (?, ?, ?, ?)')
  const now = Date.now()
  db.transaction(() => {
    for (const r of rows) ins.run(runId, r.id, Buffer.from(r.probs.buffer, r.probs.byteOffset, r.probs.byteLength), now)
  })()
}

export function getPrediction(db: Db, runId: number, posterId: string): Float32Array | null {
  const b = db.prepare('SELECT probs FROM predictions WHERE run_id = ? AND poster_id = ?').pluck().get(runId, posterId) as Buffer | undefined
  if (!b) return null
  const bytes = new Uint8Array(b)
  return new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4)
}

export function getPredictions(db: Db, runId: number, ids: string[]): Map<string, Float32Array> {
  const out = new Map<string, Float32Array>()
  const q = db.prepare('SELECT poster_id AS id, probs FROM predictions WHERE run_id = ? AND poster_id IN (SELECT value FROM json_each(?))')
  for (let i = 0; i < ids.length; i += 2000) {
    for (const r of q.all(runId, JSON.stringify(ids.slice(i, i + 2000))) as { id: string; probs: Buffer }[]) {
      const bytes = new Uint8Array(r.probs)
      out.set(r.id, new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4))
    }
  }
  return out
}

export type { RunSummary }
