// The dashboard's figures: labels beside the active model's predictions per genre, which
// genres go together, per-genre AP of the active run, and labelling progress from the history.
import type { Dashboard } from '../../../shared/api'
import type { Db } from '../../library/db'
import { activeRun } from '../store/runs'

/** Calls `fn` with every stored prediction of a run, streamed (100k rows never sit in memory at once). */
export function forEachPrediction(db: Db, runId: number, fn: (id: string, probs: Float32Array) => void): void {
  for (const r of db.prepare('SELECT poster_id AS id, probs FROM predictions WHERE run_id = ?').iterate(runId) as Iterable<{ id: string; probs: Buffer }>) {
    const bytes = new Uint8Array(r.probs)
    fn(r.id, new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4))
  }
}

interface HistoryChange {
  before: { labelled: boolean }
  after: { labelled: boolean }
}

export function dashboard(db: Db): Dashboard {
  const counts = db.prepare('SELECT COUNT(*) AS posters, COALESCE(SUM(labelled), 0) AS labelled FROM posters').get() as { posters: number; labelled: number }
  const vocab = db.prepare('SELECT id, name FROM genres ORDER BY position, name').all() as { id: number; name: string }[]
  const col = new Map(vocab.map((g, i) => [g.id, i]))
  const labelled = new Array<number>(vocab.length).fill(0)
  for (const r of db.prepare('SELECT genre_id AS g, COUNT(*) AS n FROM labels GROUP BY genre_id').all() as { g: number; n: number }[]) {
    const i = col.get(r.g)
    if (i !== undefined) labelled[i] = r.n
  }
  const co = vocab.map(() => new Array<number>(vocab.length).fill(0))
  for (const r of db
    .prepare('SELECT a.genre_id AS a, b.genre_id AS b, COUNT(*) AS n FROM labels a JOIN labels b ON b.poster_id = a.poster_id GROUP BY a.genre_id, b.genre_id')
    .all() as { a: number; b: number; n: number }[]) {
    const i = col.get(r.a)
    const j = col.get(r.b)
    if (i !== undefined && j !== undefined) co[i][j] = r.n
  }

  // Predicted: posters whose stored probability reaches the run's tuned threshold.
  const predicted = new Array<number>(vocab.length).fill(0)
  const run = activeRun(db)
  let ap: Dashboard['ap'] = null
  if (run) {
    const byName = new Map(vocab.map((g, i) => [g.name.toLowerCase(), i]))
    const cols = run.genres.map((g) => byName.get(g.toLowerCase()) ?? -1)
    forEachPrediction(db, run.id, (_id, probs) => {
      for (let c = 0; c < cols.length; c++) if (cols[c] >= 0 && probs[c] >= run.thresholds[c]) predicted[cols[c]]++
    })
    const ev = run.evaluation as typeof run.evaluation & { intervals?: { model?: { macroAp?: [number, number] } } }
    const macro = ev.intervals?.model?.macroAp
    ap = {
      runId: run.id,
      macro: { ap: ev.model.macroAp, low: macro?.[0] ?? null, high: macro?.[1] ?? null },
      genres: [...ev.genres, ...ev.rare].map((g) => {
        // Per-genre intervals are shown when an evaluation carries them ([low, high] as `apInterval`).
        const iv = (g as typeof g & { apInterval?: [number, number] }).apInterval
        return { genre: g.genre, ap: g.ap, low: iv?.[0] ?? null, high: iv?.[1] ?? null, support: g.support }
      }),
    }
  }

  return {
    posters: counts.posters,
    labelled: counts.labelled,
    genres: vocab.map((g, i) => ({ genre: g.name, labelled: labelled[i], predicted: predicted[i] })),
    cooccurrence: co,
    ap,
    progress: labellingProgress(db, counts.labelled),
  }
}

/**
 * Labelled posters at the end of each day with edits, walking the (kept, not undone) history
 * back from today's count: each entry's net change of labelled posters is undone in turn.
 * Imports are not edits, so a day's figure includes everything imported up to now.
 */
export function labellingProgress(db: Db, labelledNow: number): Dashboard['progress'] {
  const rows = db.prepare('SELECT at, changes, posters FROM history WHERE undone = 0 ORDER BY id DESC').all() as { at: number; changes: string; posters: number }[]
  const days: Dashboard['progress'] = []
  let labelled = labelledNow
  for (const r of rows) {
    const day = new Date(r.at).toISOString().slice(0, 10)
    let net = 0
    for (const c of JSON.parse(r.changes) as HistoryChange[]) net += Number(c.after.labelled) - Number(c.before.labelled)
    let d = days[days.length - 1]
    if (!d || d.day !== day) days.push((d = { day, edits: 0, posters: 0, labelled }))
    d.edits++
    d.posters += r.posters
    labelled -= net
  }
  return days.reverse()
}
