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
  /** Poster id of each row. */
  ids: string[]
  /** Rows by ascending value (ties by poster id), per genre column; -1: uncertainty. Made on first use. */
  orders: Map<number, Int32Array>
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
  // The names too: a genre renamed since keeps its column under its new name.
  const key = `${run.id}:${n}:${run.genres.join('|')}`
  if (hit?.key === key) {
    hit.version = version
    return hit
  }
  const G = run.genres.length
  const probs = new Float32Array(n * G)
  const row = new Map<string, number>()
  for (const r of db.prepare('SELECT poster_id AS id, probs FROM predictions WHERE run_id = ? ORDER BY poster_id').iterate(run.id) as Iterable<{ id: string; probs: Buffer }>) {
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
  const t: Table = { key, version, ids: [...row.keys()], orders: new Map(), genres: run.genres, thresholds: run.thresholds, row, probs, uncertainty }
  tables.set(db, t)
  return t
}

function sortedRows(t: Table, key: number): Int32Array {
  let o = t.orders.get(key)
  if (!o) {
    const G = t.genres.length
    const v = key < 0 ? t.uncertainty : Float32Array.from({ length: t.ids.length }, (_, r) => t.probs[r * G + key])
    // Rows are read in poster id order, so the row index breaks ties by id.
    o = Int32Array.from({ length: t.ids.length }, (_, r) => r).sort((a, b) => v[a] - v[b] || a - b)
    t.orders.set(key, o)
  }
  return o
}

type Args = Filter & { sort: Sort; desc: boolean; predicted?: string[]; predictionSort?: PredictionSort }

const lists = new WeakMap<Db, { key: string; ids: string[]; unpredicted: { without: number; of: number } }>()
const libraryLists = new WeakMap<Db, { version: string; byFilter: Map<string, string[]> }>()

/**
 * The library's own answer for a filter and order, kept until the next write (a few filters
 * at once): switching the predicted genre or the prediction order then costs no SQL.
 */
function libraryIds(db: Db, version: string, f: Filter & { sort: Sort; desc: boolean }): string[] {
  let c = libraryLists.get(db)
  if (c?.version !== version) libraryLists.set(db, (c = { version, byFilter: new Map() }))
  const key = JSON.stringify(f)
  let ids = c.byFilter.get(key)
  if (!ids) {
    if (c.byFilter.size >= 4) c.byFilter.delete(c.byFilter.keys().next().value!)
    c.byFilter.set(key, (ids = queryIds(db, f)))
  }
  return ids
}

/**
 * Every matching id in order, and how many of the library filter's posters have no stored
 * prediction; the last list is kept, so paging through it is cheap.
 */
function orderedIds(db: Db, args: Args & { offset?: number; limit?: number }): { ids: string[]; unpredicted: { without: number; of: number } } {
  // Any write (labels, imports, predictions; this connection or another) changes the version.
  const version = `${db.pragma('data_version', { simple: true })}:${db.prepare('SELECT total_changes()').pluck().get()}`
  const t = predictionTable(db, version)
  const { predicted, predictionSort, offset: _o, limit: _l, ...filter } = args
  const key = JSON.stringify([t.key, version, predicted, predictionSort, filter])
  const hit = lists.get(db)
  if (hit?.key === key) return hit
  const G = t.genres.length
  let cols: number[] = []
  if (predicted?.length) {
    const want = new Set(predicted.map((g) => g.toLowerCase()))
    cols = t.genres.flatMap((g, c) => (want.has(g.toLowerCase()) ? [c] : []))
  }
  const predicts = (r: number) => cols.some((c) => t.probs[r * G + c] >= t.thresholds[c])
  let ids: string[]
  let unpredicted: { without: number; of: number }
  if (!predictionSort) {
    // The library's own order, narrowed to the predicted genres.
    const members = libraryIds(db, version, filter)
    let without = 0
    ids = members.filter((id) => {
      const r = t.row.get(id)
      if (r === undefined) without++
      return r !== undefined && predicts(r)
    })
    unpredicted = { without, of: members.length }
  } else {
    let sortKey: number
    if (predictionSort.by === 'probability') {
      sortKey = t.genres.findIndex((g) => g.toLowerCase() === predictionSort.genre.toLowerCase())
      if (sortKey < 0) throw new ApiError('invalid-args', `the active model does not predict "${predictionSort.genre}"`)
    } else sortKey = -1
    // Walk the run's rows in the precomputed order, keeping the library filter's posters.
    const members = libraryIds(db, version, { ...filter, sort: 'id', desc: false })
    const keep = new Uint8Array(t.ids.length)
    const without: string[] = []
    for (const id of members) {
      const r = t.row.get(id)
      if (r === undefined) without.push(id)
      else if (!predicted?.length || predicts(r)) keep[r] = 1
    }
    const order = sortedRows(t, sortKey)
    ids = []
    const n = order.length
    for (let k = 0; k < n; k++) {
      const r = order[args.desc ? n - 1 - k : k]
      if (keep[r]) ids.push(t.ids[r])
    }
    // Posters without a prediction come last (never when filtering by a predicted genre).
    if (!predicted?.length) ids.push(...without)
    unpredicted = { without: without.length, of: members.length }
  }
  const list = { key, ids, unpredicted }
  lists.set(db, list)
  return list
}

const usesPredictions = (a: { predicted?: string[]; predictionSort?: PredictionSort }) => (a.predicted?.length ?? 0) > 0 || a.predictionSort !== undefined

/** The library handlers, with query / ids answering prediction filters and orders. */
export function withPredictionQueries(ctx: CoreContext, library: ApiHandlers['library']): ApiHandlers['library'] {
  return {
    ...library,
    query: (args) => {
      if (!usesPredictions(args)) return library.query(args)
      const { ids, unpredicted } = orderedIds(ctx.db, args)
      return { total: ids.length, offset: args.offset, items: summariesOf(ctx.db, ids.slice(args.offset, args.offset + args.limit)), unpredicted }
    },
    ids: (args) => (usesPredictions(args) ? { ids: orderedIds(ctx.db, args).ids } : library.ids(args)),
  }
}
