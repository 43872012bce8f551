// The dashboard's figures: labels beside the active model's predictions per genre, which
// genres go together, per-genre AP of the active run, and labelling progress from the history.
import type { Dashboard } from '../../../shared/api'
import type { Db } from '../../library/db'
import { labelledGain } from '../../library/delta'
import { activeRun, getPredictions, type StoredRun } from '../store/runs'
import { readOutOfFold, trainingIds, type OutOfFold } from '../store/out-of-fold'
import { trainingLabels } from '../service/data'
import { mulberry32 } from '../../../shared/random'
import { acceptedGenres } from '../../../shared/acceptance'

/** Calls `fn` with every stored prediction of a run, streamed (100k rows never sit in memory at once). */
export function forEachPrediction(db: Db, runId: number, fn: (id: string, probs: Float32Array) => void): void {
  for (const r of db.prepare('SELECT poster_id AS id, probs FROM predictions WHERE run_id = ?').iterate(runId) as Iterable<{ id: string; probs: Buffer }>) {
    const bytes = new Uint8Array(r.probs)
    fn(r.id, new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4))
  }
}

/**
 * Percentile bootstrap 95% intervals of each genre's AP on the run's out-of-fold
 * probabilities (the figures its evaluation reports), against the posters' labels now:
 * `replicates` resamples of the posters. Each genre's scores are sorted once; a replicate is
 * then one weighted pass (AP with each poster counted as often as it was drawn).
 */
export function genreApIntervals(db: Db, runId: number, replicates = 200, source?: OutOfFold | null): Map<string, [number, number]> {
  const out = new Map<string, [number, number]>()
  const oof = source ?? readOutOfFold(db, runId)
  if (!oof || oof.rows.size < 10) return out
  const ids = [...oof.rows.keys()]
  const n = ids.length
  const have = new Map<string, Set<string>>()
  for (const r of db
    .prepare('SELECT l.poster_id AS id, g.name FROM labels l JOIN genres g ON g.id = l.genre_id WHERE l.poster_id IN (SELECT value FROM json_each(?))')
    .all(JSON.stringify(ids)) as { id: string; name: string }[]) {
    const k = r.name.toLowerCase()
    if (!have.has(k)) have.set(k, new Set())
    have.get(k)!.add(r.id)
  }
  const rand = mulberry32(11)
  const weights = Array.from({ length: replicates }, () => {
    const w = new Uint16Array(n)
    for (let i = 0; i < n; i++) w[Math.floor(rand() * n)]++
    return w
  })
  oof.genres.forEach((genre, c) => {
    const pos = have.get(genre.toLowerCase())
    if (!pos || pos.size === 0) return
    const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => oof.rows.get(ids[b])!.probs[c] - oof.rows.get(ids[a])!.probs[c])
    const y = Uint8Array.from(order, (i) => (pos.has(ids[i]) ? 1 : 0))
    const aps: number[] = []
    for (const w of weights) {
      let tp = 0, seen = 0, sum = 0, positives = 0
      for (let k = 0; k < n; k++) {
        const wk = w[order[k]]
        if (!wk) continue
        seen += wk
        if (y[k]) {
          tp += wk
          positives += wk
          sum += (wk * tp) / seen
        }
      }
      if (positives) aps.push(sum / positives)
    }
    if (aps.length < replicates / 2) return
    aps.sort((a, b) => a - b)
    const q = (p: number) => aps[Math.min(aps.length - 1, Math.round(p * (aps.length - 1)))]
    out.set(genre.toLowerCase(), [q(0.025), q(0.975)])
  })
  return out
}

/**
 * A quick first model has no out-of-fold probabilities; its stored predictions of the posters
 * a person labelled that it never trained on (its held-out tenth, and any labelled since) are
 * the same kind of evidence, so its intervals come from those.
 */
export function quickHeldOut(db: Db, run: StoredRun): OutOfFold {
  const trained = trainingIds(db, run.id)
  const ids = [...trainingLabels(db, false).labels.keys()].filter((id) => !trained.has(id))
  const pred = getPredictions(db, run.id, ids)
  return { runId: run.id, genres: run.genres, rows: new Map([...pred].map(([id, probs]) => [id, { fold: 0, probs }])) }
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

  // Predicted: the genres Accept would add to each poster (the one rule, shared/acceptance.ts:
  // at most three, each at least 50% and above its genre's threshold). A genre's tuned threshold
  // alone can be tiny for a rare genre (Mystery's put it on most posters), which no one would
  // read as the model's prediction.
  const predicted = new Array<number>(vocab.length).fill(0)
  let predictedPosters = 0
  const run = activeRun(db)
  let ap: Dashboard['ap'] = null
  if (run) {
    const byName = new Map(vocab.map((g, i) => [g.name.toLowerCase(), i]))
    const cols = run.genres.map((g) => byName.get(g.toLowerCase()) ?? -1)
    const at = new Map(run.genres.map((g, c) => [g, c]))
    forEachPrediction(db, run.id, (_id, probs) => {
      predictedPosters++
      const scores = run.genres.map((genre, c) => ({ genre, probability: probs[c], threshold: run.thresholds[c] }))
      for (const g of acceptedGenres(scores)) {
        const col = cols[at.get(g)!]
        if (col >= 0) predicted[col]++
      }
    })
    const ev = run.evaluation as typeof run.evaluation & { intervals?: { model?: { macroAp?: [number, number] } } }
    const macro = ev.intervals?.model?.macroAp
    const n = run.valSize.toLocaleString('en-US')
    const provisional = run.config.quick === true
    ap = {
      runId: run.id,
      basis: provisional
        ? `provisional: a quick first model scored on its held-out ${n} posters (intervals: a bootstrap of its predictions for the labelled posters it never trained on); the cross-validated run's out-of-fold figures replace these when it ends`
        : ev.method === 'cross-validation'
          ? `out-of-fold figures (${ev.folds ?? '?'}-fold cross-validation over ${n} posters${ev.ensemble ? `, carried to the ${ev.ensemble.members} models the kept model averages` : ''})`
          : `figures on ${n} held-out posters`,
      provisional,
      macro: { ap: ev.model.macroAp, low: macro?.[0] ?? null, high: macro?.[1] ?? null },
      genres: (() => {
        const iv = genreApIntervals(db, run.id, 200, provisional ? quickHeldOut(db, run) : undefined)
        return [...ev.genres, ...ev.rare].map((g) => {
          const i = iv.get(g.genre.toLowerCase())
          return { genre: g.genre, ap: g.ap, low: i?.[0] ?? null, high: i?.[1] ?? null, support: g.support }
        })
      })(),
    }
  }

  return {
    posters: counts.posters,
    labelled: counts.labelled,
    genres: vocab.map((g, i) => ({ genre: g.name, labelled: labelled[i], predicted: predicted[i] })),
    predictedPosters,
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
    const net = labelledGain(JSON.parse(r.changes))
    let d = days[days.length - 1]
    if (!d || d.day !== day) days.push((d = { day, edits: 0, posters: 0, labelled }))
    d.edits++
    d.posters += r.posters
    labelled -= net
  }
  return days.reverse()
}
