// The embeddings map as a background job: embed what is missing (when the backbone is there),
// lay out a sample with UMAP in the model worker, place the rest among it, store the points.
// Without `full`, posters already on the map stay put and only new ones are placed.
import type { MapState } from '../../../shared/api'
import type { CoreContext } from '../../context'
import type { JobContext } from '../../jobs/registry'
import { throwIfCancelled } from '../../jobs/registry'
import { postersFor } from '../service/data'
import { modelService } from '../service/model-service'
import { FIT_SAMPLE, sampleIndices } from '../map-layout'
import { similarityIndex } from './similar-index'
import { exploreFeatures } from './features'
import { postersEmbedded } from '../store/embeddings'

type Stage = 'reading' | 'embedding' | 'projecting' | 'done'

export function readMap(ctx: CoreContext, jobId: string | null): MapState {
  const rows = ctx.db.prepare('SELECT poster_id AS id, x, y, computed_at AS at, features FROM map_points').all() as { id: string; x: number; y: number; at: number; features: string | null }[]
  const use = exploreFeatures(modelService(ctx))
  const embedded = postersEmbedded(ctx.db, use.key)
  // A loop, not Math.max(...): 100,000 arguments would overflow the stack.
  let computedAt: number | null = null
  let computedWith: string | null = null
  for (const r of rows)
    if (computedAt === null || r.at > computedAt) {
      computedAt = r.at
      computedWith = r.features
    }
  return {
    computedAt,
    stale: Math.max(0, embedded - rows.length),
    jobId,
    points: rows.map(({ id, x, y }) => ({ id, x, y })),
    features: use.info,
    computedWith,
  }
}

export async function computeMap(ctx: CoreContext, job: JobContext, full: boolean, report: (stage: Stage, done: number, total: number) => void): Promise<{ placed: number }> {
  const s = modelService(ctx)
  report('reading', 0, 0)
  // The set Explore reads now: the one-pass set while only it is embedded (its missing posters are quick to add).
  const use = exploreFeatures(s)
  if (s.resolveBackbone()) {
    await s.ensureEmbeddings(
      postersFor(ctx.db),
      job.signal,
      (done, total) => {
        job.progress(done, total, 'embedding')
        report('embedding', done, total)
      },
      use.set,
    )
  }
  throwIfCancelled(job.signal)
  // A map laid out on another feature set (the one-pass set, before the default one was
  // embedded) is laid out again, not extended with posters placed by other features.
  const laidOutWith = ctx.db.prepare('SELECT features FROM map_points ORDER BY computed_at DESC LIMIT 1').pluck().get() as string | null | undefined
  if (laidOutWith !== undefined && laidOutWith !== use.set.version) full = true
  const index = similarityIndex(ctx.db, use.key, use.dims)
  const { ids, rows } = index.projectedRows()
  const P = index.projected
  if (ids.length === 0) {
    // Nothing to lay out: say why, in the user's terms (the worker would refuse an empty upload).
    const posters = ctx.db.prepare('SELECT COUNT(*) FROM posters').pluck().get() as number
    throw new Error(
      posters === 0
        ? 'the library has no posters yet: import some first'
        : s.resolveBackbone()
          ? `none of the ${posters.toLocaleString('en-US')} posters could be embedded (are their files still there?)`
          : `none of the ${posters.toLocaleString('en-US')} posters has an embedding yet, and the ${s.backbone.title} backbone that computes them is not installed: download it in the Train view`,
    )
  }
  const existing = new Map(
    (full ? [] : (ctx.db.prepare('SELECT poster_id AS id, x, y FROM map_points').all() as { id: string; x: number; y: number }[])).map((r) => [r.id, r]),
  )
  const rowOf = new Map(ids.map((id, i) => [id, i]))
  let fit: number[]
  let anchorXY: Float32Array | undefined
  let rest: number[]
  const placed = ids.map((id, i) => (existing.has(id) ? i : -1)).filter((i) => i >= 0)
  if (placed.length >= 4) {
    fit = sampleIndices(placed.length, FIT_SAMPLE).map((k) => placed[k])
    anchorXY = new Float32Array(fit.length * 2)
    fit.forEach((r, k) => {
      const p = existing.get(ids[r])!
      anchorXY![2 * k] = p.x
      anchorXY![2 * k + 1] = p.y
    })
    rest = ids.map((_id, i) => i).filter((i) => !existing.has(ids[i]))
  } else {
    fit = sampleIndices(ids.length, FIT_SAMPLE)
    const inFit = new Set(fit)
    rest = ids.map((_id, i) => i).filter((i) => !inFit.has(i))
  }
  const order = [...fit, ...rest]
  const x = new Float32Array(order.length * P)
  order.forEach((r, k) => x.set(rows.subarray(r * P, (r + 1) * P), k * P))
  report('projecting', 0, order.length)
  const { xy } =
    rest.length === 0 && anchorXY
      ? { xy: new Float32Array(0) }
      : await s.worker.call('layout', { dims: P, fit: fit.length, anchorXY, seed: 7 }, {
          signal: job.signal,
          upload: x,
          onProgress: (p) => {
            job.progress(p.done, p.total, 'projecting')
            report('projecting', p.done, p.total)
          },
        })
  throwIfCancelled(job.signal)
  const now = Date.now()
  const ins = ctx.db.prepare('INSERT OR REPLACE INTO map_points (poster_id, x, y, computed_at, features) VALUES (?, ?, ?, ?, ?)')
  const start = anchorXY ? fit.length : 0
  ctx.db.transaction(() => {
    if (!anchorXY) ctx.db.prepare('DELETE FROM map_points').run()
    for (let k = start; k < order.length; k++) {
      // Posters removed while the layout ran are skipped (the foreign key would refuse them).
      const id = ids[order[k]]
      if (rowOf.has(id) && ctx.db.prepare('SELECT 1 FROM posters WHERE id = ?').get(id)) ins.run(id, xy[2 * k], xy[2 * k + 1], now, use.set.version)
    }
  })()
  report('done', order.length, order.length)
  return { placed: order.length - start }
}
