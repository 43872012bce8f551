// library.query / library.ids with a prediction filter or order: the library knows nothing of
// the model, so these arguments are handled here, on top of the library's own filter and
// order (queryIds), with the active run's stored probabilities held in memory. Plain queries
// pass straight through to the library's handlers.
import { ApiError, type ApiHandlers, type PredictionSort } from '../../../shared/api'
import type { CoreContext } from '../../context'
import type { Db } from '../../library/db'
import { queryIds, summariesOf, type Filter, type Sort } from '../../library/query'
import { activeRun } from '../store/runs'
import { genreUncertainty } from './rank'

interface Table {
  key: string
  /** The database version it was last checked at. */
  version: string
  genres: string[]
  thresholds: number[]
  row: Map<string, number>
  probs: Float32Array
  uncertainty: Float32Array
}

const tables = new WeakMap<Db, Table>()

/** The active run's stored probabilities (reloaded when the run or its prediction count changes). */
function predictionTable(db: Db, version: string): Table {
  const hit = tables.get(db)
  // Nothing was written since the last look: no need to count.
  if (hit?.version === version) return hit
  const run = activeRun(db)
  if (!run) throw new ApiError('conflict', 'no model is active yet: train one first to filter or sort by predictions')
  // A run's probability for a poster never changes, so the count is enough to see new ones.
  const n = db.prepare('SELECT COUNT(*) FROM predictions WHERE run_id = ?').pluck().get(run.id) as number
  const key = `${run.id}:${n}`
  if (hit?.key === key) {
    hit.version = version
    return hit
  }
  const G = run.genres.length
  const probs = new Float32Array(n * G)
  const row = new Map<string, number>()
  for (const r of db.prepare('SELECT poster_id AS id, probs FROM predictions WHERE run_id = ?').iterate(run.id) as Iterable<{ id: string; probs: Buffer }>) {
    const i = row.size
    if (r.probs.byteLength !== G * 4 || i >= n) continue
    row.set(r.id, i)
    probs.set(new Float32Array(r.probs.buffer.slice(r.probs.byteOffset, r.probs.byteOffset + r.probs.byteLength)), i * G)
  }
  const uncertainty = new Float32Array(row.size)
  for (let i = 0; i < row.size; i++) {
    let s = 0
    for (let c = 0; c < G; c++) s += genreUncertainty(probs[i * G + c], run.thresholds[c])
    uncertainty[i] = G ? s / G : 0
  }
  const t: Table = { key, version, genres: run.genres, thresholds: run.thresholds, row, probs, uncertainty }
  tables.set(db, t)
  return t
}

type Args = Filter & { sort: Sort; desc: boolean; predicted?: string[]; predictionSort?: PredictionSort }

const lists = new WeakMap<Db, { key: string; ids: string[] }>()

/** Every matching id in order; the last list is kept, so paging through it is cheap. */
function orderedIds(db: Db, args: Args & { offset?: number; limit?: number }): string[] {
  // Any write (labels, imports, predictions; this connection or another) changes the version.
  const version = `${db.pragma('data_version', { simple: true })}:${db.prepare('SELECT total_changes()').pluck().get()}`
  const t = predictionTable(db, version)
  const { predicted, predictionSort, offset: _o, limit: _l, ...filter } = args
  const key = JSON.stringify([t.key, version, predicted, predictionSort, filter])
  const hit = lists.get(db)
  if (hit?.key === key) return hit.ids
  let ids = queryIds(db, filter)
  const G = t.genres.length
  if (predicted?.length) {
    const want = new Set(predicted.map((g) => g.toLowerCase()))
    const cols = t.genres.flatMap((g, c) => (want.has(g.toLowerCase()) ? [c] : []))
    ids = ids.filter((id) => {
      const r = t.row.get(id)
      return r !== undefined && cols.some((c) => t.probs[r * G + c] >= t.thresholds[c])
    })
  }
  if (predictionSort) {
    let value: (r: number) => number
    if (predictionSort.by === 'probability') {
      const c = t.genres.findIndex((g) => g.toLowerCase() === predictionSort.genre.toLowerCase())
      if (c < 0) throw new ApiError('invalid-args', `the active model does not predict "${predictionSort.genre}"`)
      value = (r) => t.probs[r * G + c]
    } else value = (r) => t.uncertainty[r]
    const sign = args.desc ? -1 : 1
    // Stable: ties keep the library's order; posters without a prediction come last either way.
    const keyed = ids.map((id, i) => {
      const r = t.row.get(id)
      return { id, i, v: r === undefined ? null : value(r) }
    })
    keyed.sort((a, b) => (a.v === null ? (b.v === null ? a.i - b.i : 1) : b.v === null ? -1 : sign * (a.v - b.v) || a.i - b.i))
    ids = keyed.map((k) => k.id)
  }
  lists.set(db, { key, ids })
  return ids
}

const usesPredictions = (a: { predicted?: string[]; predictionSort?: PredictionSort }) => (a.predicted?.length ?? 0) > 0 || a.predictionSort !== undefined

/** The library handlers, with query / ids answering prediction filters and orders. */
export function withPredictionQueries(ctx: CoreContext, library: ApiHandlers['library']): ApiHandlers['library'] {
  return {
    ...library,
    query: (args) => {
      if (!usesPredictions(args)) return library.query(args)
      const ids = orderedIds(ctx.db, args)
      return { total: ids.length, offset: args.offset, items: summariesOf(ctx.db, ids.slice(args.offset, args.offset + args.limit)) }
    },
    ids: (args) => (usesPredictions(args) ? { ids: orderedIds(ctx.db, args) } : library.ids(args)),
  }
}
