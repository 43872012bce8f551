// The review queues over one library: reads labels and probabilities, ranks them with the
// pure functions of rank.ts, and pages the result. Suspect labels use the active run's
// out-of-fold probabilities (training's cross-validation); the uncertain and accepted queues
// its stored predictions.
import type { LabelSource, ReviewCounts, ReviewItem, ReviewPage, ReviewQueueName } from '../../../shared/api'
import { readStates } from '../../library/labels'
import type { Db } from '../../library/db'
import { activeRun, getPredictions, type StoredRun } from '../store/runs'
import { trainingLabels } from '../service/data'
import { readOutOfFold, type OutOfFold } from '../store/out-of-fold'
import { classThresholds, rankAccepted, rankSuspects, rankUncertain, type RankedItem } from './rank'

export interface Ranked {
  state: ReviewPage['state']
  note: string | null
  runId: number | null
  /** Most suspect / uncertain first. */
  items: { id: string; score: number; suggest: RankedItem['suggest']; probs: Float32Array | null; why?: RankedItem['why'] }[]
  genres: string[]
  thresholds: number[]
}

const empty = (state: Ranked['state'], note: string, runId: number | null = null): Ranked => ({ state, note, runId, items: [], genres: [], thresholds: [] })

const oofCache = new WeakMap<Db, OutOfFold>()

/** A run's out-of-fold probabilities never change: read once per active run. */
function storedOutOfFold(db: Db, runId: number): OutOfFold | null {
  const hit = oofCache.get(db)
  if (hit && hit.runId === runId) return hit
  const o = readOutOfFold(db, runId)
  if (o) oofCache.set(db, o)
  return o
}

/**
 * Suspect labels: human labels that confidently disagree with the active run's out-of-fold
 * probabilities (stored by training's cross-validation). `oof` replaces them (the bench
 * compares with in-sample probabilities).
 */
export function rankSuspectQueue(db: Db, oof?: OutOfFold, training = false): Ranked {
  const run = activeRun(db)
  if (!run) return empty('no-model', 'No model yet: train one first (Train view, or posterity train).')
  // A quick first model has no out-of-fold predictions: the cross-validated run that follows it does.
  if (!oof && run.config.quick === true) return empty('pending', quickPending(run.id, training), run.id)
  const o = oof ?? storedOutOfFold(db, run.id)
  if (!o || o.rows.size === 0)
    return empty('unsupported', `Run ${run.id} has no out-of-fold predictions (it was not cross-validated, e.g. a CNN): retrain a head to find suspect labels.`, run.id)
  // Today's human labels (a poster a person marked "no genre" included) against the
  // probabilities of the fold heads that never saw the poster: a corrected poster drops out.
  const { labels } = trainingLabels(db, false)
  const ids = [...o.rows.keys()].filter((id) => labels.has(id)).sort()
  const G = o.genres.length
  const index = new Map(o.genres.map((g, c) => [g.toLowerCase(), c]))
  const probs = new Float32Array(ids.length * G)
  const y = new Uint8Array(ids.length * G)
  ids.forEach((id, i) => {
    probs.set(o.rows.get(id)!.probs.subarray(0, G), i * G)
    for (const g of labels.get(id)!) {
      const c = index.get(g.toLowerCase())
      if (c !== undefined) y[i * G + c] = 1
    }
  })
  const P = { n: ids.length, g: G, values: probs }
  const Y = { n: ids.length, g: G, values: y }
  const t = classThresholds(P, Y)
  const ranked = rankSuspects(P, Y, o.genres, t)
  return {
    state: 'ready',
    note: null,
    runId: o.runId,
    genres: o.genres,
    // The threshold shown beside each probability is the one a missing genre must reach.
    thresholds: Array.from(t.pos, (v) => (Number.isNaN(v) ? 1 : v)),
    items: ranked.map((r) => ({ id: ids[r.row], score: r.score, suggest: r.suggest, why: r.why, probs: probs.subarray(r.row * G, (r.row + 1) * G) })),
  }
}

/** Why the suspect queue waits while a quick first model is active, and what to do meanwhile. */
export function quickPending(runId: number, training: boolean): string {
  const meanwhile = 'The uncertain and accepted-prediction queues work with the quick model meanwhile.'
  return training
    ? `Suspect labels need out-of-fold predictions, which the cross-validated run computes: it is training now and replaces the quick first model (run ${runId}) when it is done. ${meanwhile}`
    : `Suspect labels need out-of-fold predictions, which the cross-validated run after the quick first model (run ${runId}) computes. It is not training in this process: if it was cancelled or failed, train again (Train view, or posterity train). ${meanwhile}`
}

/** Unlabelled posters the active model has stored predictions for, most uncertain first. */
export function rankUncertainQueue(db: Db): Ranked {
  const run = activeRun(db)
  if (!run) return empty('no-model', 'No model yet: train one first (Train view, or posterity train).')
  const ids = db.prepare('SELECT id FROM posters WHERE labelled = 0 ORDER BY id').pluck().all() as string[]
  const pred = getPredictions(db, run.id, ids)
  const have = ids.filter((id) => pred.has(id))
  if (have.length === 0 && ids.length > 0)
    return empty('not-predicted', `None of the ${ids.length} unlabelled posters has a prediction from the active model yet: run Predict (unlabelled) first.`, run.id)
  const G = run.genres.length
  const probs = new Float32Array(have.length * G)
  have.forEach((id, i) => probs.set(pred.get(id)!, i * G))
  const ranked = rankUncertain({ n: have.length, g: G, values: probs }, run.thresholds, run.genres)
  const missing = ids.length - have.length
  return {
    state: 'ready',
    note: missing > 0 ? `${missing} unlabelled poster${missing === 1 ? ' has' : 's have'} no prediction yet and ${missing === 1 ? 'is' : 'are'} not in this queue.` : null,
    runId: run.id,
    genres: run.genres,
    thresholds: run.thresholds,
    items: ranked.map((r) => ({ id: have[r.row], score: r.score, suggest: r.suggest, probs: probs.subarray(r.row * G, (r.row + 1) * G) })),
  }
}

/** Posters carrying labels accepted from predictions, least certain first. */
export function rankAcceptedQueue(db: Db): Ranked {
  const rows = db
    .prepare(
      `SELECT l.poster_id AS id, g.name FROM labels l JOIN genres g ON g.id = l.genre_id
       WHERE l.source = 'prediction' ORDER BY l.poster_id, g.position, g.name`,
    )
    .all() as { id: string; name: string }[]
  const byPoster = new Map<string, string[]>()
  for (const r of rows) {
    const list = byPoster.get(r.id)
    if (list) list.push(r.name)
    else byPoster.set(r.id, [r.name])
  }
  const ids = [...byPoster.keys()]
  const run: StoredRun | null = activeRun(db)
  const pred = run ? getPredictions(db, run.id, ids) : new Map<string, Float32Array>()
  const ranked = rankAccepted(
    ids.map((id) => {
      const p = pred.get(id)
      return {
        predicted: byPoster.get(id)!,
        probs: p && run ? new Map(run.genres.map((g, c) => [g.toLowerCase(), { p: p[c], threshold: run.thresholds[c] }])) : null,
      }
    }),
  )
  return {
    state: 'ready',
    note: run ? null : 'No model is active: these posters are listed without probabilities.',
    runId: run?.id ?? null,
    genres: run?.genres ?? [],
    thresholds: run?.thresholds ?? [],
    items: ranked.map((r) => ({ id: ids[r.row], score: r.score, suggest: r.suggest, probs: pred.get(ids[r.row]) ?? null })),
  }
}

/** `training`: a training job is running in this process (the cross-validated run after a quick first model). */
export function rankQueue(db: Db, queue: ReviewQueueName, training = false): Ranked {
  if (queue === 'suspect') return rankSuspectQueue(db, undefined, training)
  if (queue === 'uncertain') return rankUncertainQueue(db)
  return rankAcceptedQueue(db)
}

/** One page of a ranked queue with what the view shows of each poster. */
export function pageOf(db: Db, queue: ReviewQueueName, r: Ranked, offset: number, limit: number): ReviewPage {
  const slice = r.items.slice(offset, offset + limit)
  const ids = slice.map((s) => s.id)
  const states = readStates(db, ids)
  const meta = new Map(
    (db.prepare('SELECT id, title, year FROM posters WHERE id IN (SELECT value FROM json_each(?))').all(JSON.stringify(ids)) as {
      id: string
      title: string | null
      year: number | null
    }[]).map((m) => [m.id, m]),
  )
  const order = new Map((db.prepare('SELECT name, position FROM genres').all() as { name: string; position: number }[]).map((g) => [g.name.toLowerCase(), g.position]))
  // A genre renamed or deleted since the run was trained is never suggested (applying it would re-create it).
  const known = (g: string) => order.has(g.toLowerCase())
  const items: ReviewItem[] = slice
    .filter((s) => states.has(s.id))
    .map((s) => ({
      id: s.id,
      score: round(s.score),
      title: meta.get(s.id)?.title ?? null,
      year: meta.get(s.id)?.year ?? null,
      labels: states
        .get(s.id)!
        .genres.map(([genre, source]) => ({ genre, source: source as LabelSource }))
        .sort((a, b) => (order.get(a.genre.toLowerCase()) ?? 0) - (order.get(b.genre.toLowerCase()) ?? 0)),
      suggest: { add: s.suggest.add.filter(known), remove: s.suggest.remove.filter(known) },
      ...(s.why ? { why: s.why } : {}),
      probabilities: s.probs
        ? r.genres.map((genre, c) => ({ genre, probability: round(s.probs![c]), threshold: round(r.thresholds[c]) })).sort((a, b) => b.probability - a.probability)
        : [],
    }))
  return { queue, state: r.state, note: r.note, runId: r.runId, total: r.items.length, offset, items }
}

const round = (v: number) => Math.round(v * 1e4) / 1e4

/** Queue sizes; the suspect count is null without out-of-fold probabilities (`pending` says whether they are coming). */
export function countQueues(db: Db, training = false): ReviewCounts {
  const s = rankSuspectQueue(db, undefined, training)
  const suspect = s.state === 'ready' ? s.items.length : null
  const run = activeRun(db)
  const unl = db.prepare('SELECT COUNT(*) FROM posters WHERE labelled = 0').pluck().get() as number
  const predicted = run
    ? (db.prepare('SELECT COUNT(*) FROM predictions pr JOIN posters p ON p.id = pr.poster_id WHERE pr.run_id = ? AND p.labelled = 0').pluck().get(run.id) as number)
    : 0
  const accepted = db.prepare("SELECT COUNT(DISTINCT poster_id) FROM labels WHERE source = 'prediction'").pluck().get() as number
  return { runId: run?.id ?? null, suspect, suspectNote: s.state === 'ready' ? null : s.note, uncertain: predicted, accepted, unpredicted: run ? unl - predicted : unl }
}
