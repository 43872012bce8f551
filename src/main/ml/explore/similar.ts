// Similar posters: the neighbours of one poster (detail, CLI) and the grid's "similar to this
// poster" order, the nearest posters that match the grid's filter, nearest first.
import { ApiError, type ExploreFeatures, type Neighbour, type PosterSummary } from '../../../shared/api'
import type { CoreContext } from '../../context'
import { prepared, summariesOf, whereOf, type Filter } from '../../library/query'
import { readEmbeddings } from '../store/embeddings'
import { postersFor } from '../service/data'
import { modelService } from '../service/model-service'
import { similarityIndex, type SimilarityIndex } from './similar-index'
import { exploreFeatures } from './features'

/** How far the grid's "similar to" order reaches: the nearest posters, not the whole library. */
export const SIMILAR_LIST = 1000

/**
 * The index, and the raw embedding of `id` (computed through the worker when missing), in the
 * feature set Explore reads now (explore/features.ts).
 */
async function anchor(ctx: CoreContext, id: string, embed: boolean): Promise<{ index: SimilarityIndex; vector: Float32Array | null; posters: number; features: ExploreFeatures }> {
  const row = ctx.db.prepare('SELECT id, hash, path, labelled FROM posters WHERE id = ?').get(id) as { hash: string } | undefined
  if (!row) throw new ApiError('not-found', `no poster "${id}"`)
  const s = modelService(ctx)
  const use = exploreFeatures(s)
  let vector = readEmbeddings(ctx.db, use.key, [row.hash]).get(row.hash)
  const index = similarityIndex(ctx.db, use.key, use.dims)
  const posters = index.posters
  // Not asked to embed, or nothing embedded yet to compare with: no reason to start the worker.
  if (!vector && (!embed || index.size === 0)) return { index, vector: null, posters, features: use.info }
  if (!vector) {
    const report = await s.ensureEmbeddings(postersFor(ctx.db, { ids: [id] }), new AbortController().signal, undefined, use.set)
    if (report.failed.length) throw new ApiError('invalid-args', `poster "${id}" could not be embedded: ${report.failed[0].error}`)
    vector = readEmbeddings(ctx.db, use.key, [row.hash]).get(row.hash)
    if (!vector) throw new ApiError('internal', `poster "${id}" has no embedding after embedding it`)
  }
  return { index: similarityIndex(ctx.db, use.key, use.dims), vector, posters, features: use.info }
}

export async function similarPosters(
  ctx: CoreContext,
  id: string,
  k: number,
  embed: boolean,
): Promise<{ id: string; posters: number; embedded: number; features: ExploreFeatures; anchorEmbedded: boolean; neighbours: Neighbour[] }> {
  const { index, vector, posters, features } = await anchor(ctx, id, embed)
  const hits = vector ? index.query(ctx.db, vector, k, { exclude: new Set([id]) }) : []
  const titles = new Map(
    (prepared(ctx.db, 'SELECT id, title FROM posters WHERE id IN (SELECT value FROM json_each(?))').all(JSON.stringify(hits.map((h) => h.id))) as { id: string; title: string | null }[]).map((r) => [
      r.id,
      r.title,
    ]),
  )
  return {
    id,
    posters,
    embedded: index.size,
    features,
    anchorEmbedded: vector !== null,
    neighbours: hits.map((h) => ({ id: h.id, title: titles.get(h.id) ?? null, similarity: h.similarity })),
  }
}

// The "similar to" order of the last few anchors, so paging through it does not search again.
const rankings = new WeakMap<CoreContext['db'], Map<string, { size: number; ids: string[] }>>()

async function ranking(ctx: CoreContext, id: string): Promise<string[]> {
  const { index, vector } = await anchor(ctx, id, false)
  let m = rankings.get(ctx.db)
  if (!m) rankings.set(ctx.db, (m = new Map()))
  const hit = m.get(id)
  if (hit && hit.size === index.size) return hit.ids
  const ids = [id, ...(vector ? index.query(ctx.db, vector, SIMILAR_LIST - 1, { exclude: new Set([id]), rerank: SIMILAR_LIST }).map((h) => h.id) : [])]
  if (m.size > 8) m.clear()
  m.set(id, { size: index.size, ids })
  return ids
}

/** The ranked ids that pass the filter, nearest first. */
export async function similarIds(ctx: CoreContext, f: Filter & { id: string }): Promise<string[]> {
  const ranked = await ranking(ctx, f.id)
  const where = whereOf(ctx.db, f)
  if (!where) return []
  const pass = new Set(
    prepared(ctx.db, `SELECT p.id FROM posters p ${where.sql ? `${where.sql} AND` : 'WHERE'} p.id IN (SELECT value FROM json_each(?))`)
      .pluck()
      .all(...where.params, JSON.stringify(ranked)) as string[],
  )
  return ranked.filter((r) => pass.has(r))
}

export async function similarQuery(
  ctx: CoreContext,
  f: Filter & { id: string; offset: number; limit: number },
): Promise<{ total: number; offset: number; items: PosterSummary[] }> {
  const ids = await similarIds(ctx, f)
  const page = ids.slice(f.offset, f.offset + f.limit)
  // Summaries in similarity order (a poster removed meanwhile is left out).
  return { total: ids.length, offset: f.offset, items: summariesOf(ctx.db, page) }
}
