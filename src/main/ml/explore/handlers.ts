// explore.* handlers: similar posters, near-duplicates, the map, "why", the dashboard.
import { ApiError, type ApiHandlers } from '../../../shared/api'
import type { CoreContext } from '../../context'
import { readOutOfFold } from '../store/out-of-fold'
import { activeRun } from '../store/runs'
import { modelService } from '../service/model-service'
import { dashboard, forEachPrediction } from './dashboard'
import { libraryClusters, listDecisions, markDistinct, mergeDuplicates, undoDecision } from './duplicates'
import { computeMap, readMap } from './map'
import { similarIds, similarPosters, similarQuery } from './similar'
import { startWhy } from './why'
import { exploreFeatures } from './features'

export function exploreHandlers(ctx: CoreContext): ApiHandlers['explore'] {
  const svc = () => modelService(ctx)
  const running = (kind: string) => ctx.jobs.list().find((j) => j.kind === kind && j.status === 'running')?.jobId ?? null
  const startMap = (full: boolean) => {
    const { jobId } = ctx.jobs.start(
      'map',
      (job) => computeMap(ctx, job, full, (stage, done, total) => ctx.events.emit('map.progress', { jobId: job.jobId, stage, done, total, status: 'running', error: null })),
      (status, _r, error) => ctx.events.emit('map.progress', { jobId, stage: 'done', done: 0, total: 0, status, error }),
    )
    return jobId
  }
  // A map once drawn follows the library: posters an import adds are placed in the background
  // (embedded first where needed), without a click.
  ctx.events.onAny((name, payload) => {
    if (name !== 'import.finished') return
    const p = payload as { status: string; result: { added: number; updated: number } | null }
    if (p.status !== 'done' || !p.result || p.result.added + p.result.updated === 0 || running('map')) return
    if (!ctx.db.open || ctx.db.prepare('SELECT 1 FROM map_points LIMIT 1').get() === undefined) return
    startMap(false)
  })
  return {
    similar: ({ id, k, embed }) => similarPosters(ctx, id, k, embed),
    similarQuery: (args) => similarQuery(ctx, args),
    similarIds: async (args) => ({ ids: await similarIds(ctx, args) }),

    duplicates: async () => {
      const use = exploreFeatures(svc())
      return { ...(await libraryClusters(ctx.db, use.key, use.dims)), features: use.info }
    },

    resolveDuplicates: (args) => {
      const decision = args.kind === 'merge' ? mergeDuplicates(ctx.db, args.members, args.keep, args.genres) : markDistinct(ctx.db, args.members)
      if (decision.kind === 'merge') ctx.events.emit('library.changed', { reason: 'posters', ids: decision.members })
      return { decision }
    },
    undoDuplicates: ({ id }) => {
      const { decision, changed } = undoDecision(ctx.db, id)
      if (changed.length) ctx.events.emit('library.changed', { reason: 'posters', ids: changed })
      return { decision }
    },
    decisions: ({ limit }) => ({ decisions: listDecisions(ctx.db, limit) }),

    map: () => readMap(ctx, running('map')),
    computeMap: ({ full }) => {
      if (running('map')) throw new ApiError('conflict', 'the map is already being computed')
      return { jobId: startMap(full) }
    },
    scores: ({ genre }) => {
      const run = activeRun(ctx.db)
      if (!run) return { runId: null, ids: [], scores: [] }
      const c = run.genres.findIndex((g) => g.toLowerCase() === genre.toLowerCase())
      if (c < 0) throw new ApiError('invalid-args', `the active model does not predict "${genre}"`)
      const ids: string[] = []
      const scores: number[] = []
      const seen = new Set<string>()
      forEachPrediction(ctx.db, run.id, (id, probs) => {
        ids.push(id)
        scores.push(probs[c])
        seen.add(id)
      })
      // The posters the run trained on have no stored prediction (only unlabelled ones get one):
      // each is coloured by its out-of-fold probability, from a fold model that never saw it.
      for (const [id, r] of readOutOfFold(ctx.db, run.id)?.rows ?? []) {
        if (seen.has(id)) continue
        ids.push(id)
        scores.push(r.probs[c])
      }
      return { runId: run.id, ids, scores }
    },
    why: ({ id, genre, grid }) => startWhy(ctx, id, genre, grid),
    dashboard: () => dashboard(ctx.db),
  }
}
