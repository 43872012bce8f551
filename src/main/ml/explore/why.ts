// "Why": the occlusion heat map of one poster for one genre of the active model, computed in
// the model worker (worker/explore-methods.ts `occlusion`) as a job with progress events.
import { ApiError, type JobStatus, type WhyResult } from '../../../shared/api'
import type { CoreContext } from '../../context'
import { activeRun } from '../store/runs'
import { featureSetName, modelService } from '../service/model-service'
import type { OcclusionArgs } from '../worker/protocol'

/** Heat maps computed (or queued in the worker) at once. */
const MAX_WHY_JOBS = 4

export function startWhy(ctx: CoreContext, id: string, genre: string, grid: number): { jobId: string } {
  const s = modelService(ctx)
  // Each heat map holds its masked copies in the model worker: a client asking for hundreds at
  // once would exhaust the machine's memory. A few wait their turn there; more are refused.
  const running = ctx.jobs.list().filter((j) => j.kind === 'why' && j.status === 'running').length
  if (running >= MAX_WHY_JOBS) throw new ApiError('conflict', `${running} heat maps are being computed already: wait for one to finish`)
  const run = activeRun(ctx.db)
  if (!run) throw new ApiError('conflict', 'no active model: train one first (Train view, or posterity train)')
  if (run.kind !== 'head') throw new ApiError('conflict', `run ${run.id} is a ${run.kind} model; the heat map explains embedding-head models`)
  // The masked copies are embedded with the set the run was trained on (a quick first model's one pass).
  const features = s.runFeatures(run)
  const column = run.genres.findIndex((g) => g.toLowerCase() === genre.toLowerCase())
  if (column < 0) throw new ApiError('invalid-args', `the active model does not predict "${genre}" (it knows ${run.genres.join(', ')})`)
  const poster = ctx.db.prepare('SELECT path, title, year FROM posters WHERE id = ?').get(id) as { path: string; title: string | null; year: number | null } | undefined
  if (!poster) throw new ApiError('not-found', `no poster "${id}"`)
  const args: OcclusionArgs = {
    modelPath: s.backbonePath(),
    backbone: s.backbone.id,
    features: featureSetName(features),
    weightsDir: run.weightsPath,
    path: poster.path,
    genre: column,
    grid,
    // A run that learnt from titles sees the poster's title beside every occluded image.
    title: { id, title: poster.title, year: poster.year },
  }
  const emit = (done: number, total: number, status: JobStatus, error: string | null, result: WhyResult | null) =>
    ctx.events.emit('why.progress', { jobId, done, total, status, error, result })
  const { jobId } = ctx.jobs.start(
    'why',
    async (job) => {
      const r = await s.worker.call('occlusion', args, {
        signal: job.signal,
        onProgress: (p) => {
          job.progress(p.done, p.total)
          emit(p.done, p.total, 'running', null, null)
        },
      })
      return { id, genre: run.genres[column], ...r } satisfies WhyResult
    },
    (status, result, error) => emit(result ? result.drops.length + 1 : 0, result ? result.drops.length + 1 : 0, status, error, result),
  )
  return { jobId }
}
