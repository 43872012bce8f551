// model.* handlers: thin wrappers over the model service and its jobs.
import { rmSync } from 'node:fs'
import { resolve, sep } from 'node:path'
import { ApiError, type ApiHandlers, type JobStatus } from '../../shared/api'
import type { CoreContext } from '../context'
import { downloadFile } from './backbone/download'
import { importBackboneFile, libraryBackbonePath } from './backbone/resolve'
import { countEmbedded } from './store/embeddings'
import { activateRun, activeRun, deleteRunRow, getPrediction, getPredictions, getRun, listRuns, setRunNote } from './store/runs'
import { correctionsSince, genreErrors, lastTrainedAt } from './service/review-data'
import { postersFor } from './service/data'
import { modelService } from './service/model-service'
import { featureSetsInUse } from './service/feature-coverage'
import { acceptPredictions, evaluateActive, predictFiles, requireActive, runPrediction } from './service/predict-job'
import { runTraining, type ParsedTrainRequest } from './service/train-job'
import { readStates } from '../library/labels'
import { storageProblem } from '../library/storage'

const MODEL_JOBS = new Set(['train', 'predict', 'embed', 'backbone'])

export function modelHandlers(ctx: CoreContext): ApiHandlers['model'] {
  const svc = () => modelService(ctx)
  const summary = ({ genres: _g, evaluation: _e, epochs: _p, weightsPath: _w, thresholds: _t, ...r }: ReturnType<typeof listRuns>[number]) => r
  /**
   * After a model becomes active, the unlabelled posters' predictions are refreshed without
   * another click (a background predict job; its failure leaves the old ones in place).
   */
  const refreshUnlabelled = (scope: 'unlabelled' | 'all' = 'unlabelled'): string | null => {
    const run = activeRun(ctx.db)
    if (!run) return null
    const s = svc()
    if (run.kind === 'head' && !s.resolveBackbone()) return null
    const { jobId } = ctx.jobs.start(
      'predict',
      (job) => runPrediction(s, scope, undefined, job),
      (status, result, error) => {
        ctx.events.emit('predict.finished', { jobId, status, runId: result?.runId ?? run.id, count: result?.count ?? 0, error })
        if (result) ctx.events.emit('library.changed', { reason: 'model' })
      },
    )
    return jobId
  }
  /**
   * A training job. A quick first model (TrainRequest.quick) predicts every poster inside its
   * job, so its end means "active, with predictions"; then the cross-validated run trains in
   * a job of its own and, once it replaces the quick one, predicts every poster again.
   */
  const startTraining = (req: ParsedTrainRequest, replaces: number | null = null): string => {
    const s = svc()
    const { jobId } = ctx.jobs.start(
      'train',
      async (job) => {
        // A full disk or an unwritable library folder (the run folder, the run's rows) in one plain line.
        const outcome = await runTraining(s, req, job).catch((err: unknown) => {
          const problem = storageProblem(err, ctx.dir)
          throw problem ? new ApiError('unsupported', `the training stopped, nothing was kept: ${problem}`) : err
        })
        if (outcome.quick && outcome.activated) await runPrediction(s, 'all', undefined, job)
        return outcome
      },
      (status, result, error) => {
        const run = result ? getRun(ctx.db, result.runId) : null
        ctx.events.emit('train.finished', {
          jobId,
          status,
          runId: run?.id ?? null,
          error,
          model: run?.model ?? null,
          activated: result?.activated ?? false,
          note: result?.note ?? null,
        })
        if (run) ctx.events.emit('library.changed', { reason: 'model' })
        // Not while the core closes (it cancels every job; one may still end with its result).
        if (result?.quick && result.activated) {
          if (status === 'done') startTraining({ ...req, quick: false }, result.runId)
        } else if (result?.activated) {
          if (replaces !== null) setRunNote(ctx.db, replaces, `replaced by the cross-validated run ${result.runId}`)
          refreshUnlabelled(replaces === null ? 'unlabelled' : 'all')
        }
      },
    )
    return jobId
  }
  return {
    engines: () => {
      const s = svc()
      return { provider: s.provider, backend: s.backend, backendReason: s.backendReason }
    },
    status: () => {
      const s = svc()
      const r = s.resolveBackbone()
      const counts = ctx.db.prepare('SELECT COUNT(*) AS posters, COALESCE(SUM(labelled), 0) AS labelled FROM posters').get() as { posters: number; labelled: number }
      const active = activeRun(ctx.db)
      return {
        backbone: {
          id: s.backbone.id,
          title: s.backbone.title,
          path: r?.path ?? null,
          source: r?.source ?? 'none',
          note: r?.note ?? 'not installed: download it or import the model file',
          url: s.backbone.url,
        },
        features: s.features.version,
        provider: s.provider,
        backend: s.backend,
        backendReason: s.backendReason,
        posters: counts.posters,
        labelled: counts.labelled,
        embedded: countEmbedded(ctx.db, s.key),
        featureSets: featureSetsInUse(s, active),
        activeRun: active?.id ?? null,
        correctionsSinceActive: active ? correctionsSince(ctx.db, lastTrainedAt(ctx.db)) : 0,
        jobs: ctx.jobs
          .list()
          .filter((j) => j.status === 'running' && MODEL_JOBS.has(j.kind))
          .map((j) => ({ jobId: j.jobId, kind: j.kind })),
      }
    },

    downloadBackbone: () => {
      const s = svc()
      const dest = libraryBackbonePath(ctx.dir, s.backbone)
      const { jobId } = ctx.jobs.start(
        'backbone',
        async (job) => {
          await downloadFile(s.backbone.url, dest, {
            sha256: s.backbone.sha256,
            signal: job.signal,
            onProgress: (received, total) => {
              job.progress(received, total)
              ctx.events.emit('backbone.progress', { jobId: job.jobId, received, total, status: 'running', error: null })
            },
          })
        },
        (status: JobStatus, _r, error) => ctx.events.emit('backbone.progress', { jobId, received: 0, total: 0, status, error }),
      )
      return { jobId }
    },

    importBackbone: async ({ path }) => {
      try {
        return { ok: true as const, note: await importBackboneFile(ctx.dir, svc().backbone, path) }
      } catch (err) {
        throw new ApiError('invalid-args', (err as Error).message)
      }
    },

    embed: ({ ids }) => {
      const s = svc()
      s.backbonePath()
      const { jobId } = ctx.jobs.start('embed', (job) =>
        s.ensureEmbeddings(postersFor(ctx.db, { ids }), job.signal, (done, total, failed) => {
          job.progress(done, total)
          ctx.events.emit('embed.progress', { jobId: job.jobId, done, total, failed, provider: s.provider })
        }),
      )
      return { jobId }
    },

    train: (req) => {
      const s = svc()
      if (ctx.jobs.list().some((j) => j.kind === 'train' && j.status === 'running')) throw new ApiError('conflict', 'a training run is already in progress')
      if (req.kind === 'cnn' && req.includePredictions)
        throw new ApiError('invalid-args', 'the CNN cannot learn from accepted predictions (its held-out split would score them): train the head, or leave "include accepted predictions" off')
      if (req.kind === 'head') s.backbonePath()
      return { jobId: startTraining(req) }
    },

    runs: () => ({ runs: listRuns(ctx.db).map(summary) }),

    run: ({ id }) => {
      const r = getRun(ctx.db, id)
      if (!r) throw new ApiError('not-found', `no model run ${id}`)
      const { thresholds: _t, ...detail } = r
      return detail
    },

    activate: ({ id }) => {
      if (!activateRun(ctx.db, id)) throw new ApiError('not-found', `no model run ${id}`)
      setRunNote(ctx.db, id, 'activated by hand')
      ctx.events.emit('library.changed', { reason: 'model' })
      refreshUnlabelled()
      return { ok: true as const }
    },

    deleteRun: ({ id }) => {
      const path = deleteRunRow(ctx.db, id)
      if (path === null) throw new ApiError('not-found', `no model run ${id}`)
      // Only ever delete inside the library's models folder.
      const models = resolve(ctx.dir, 'models') + sep
      if (resolve(path).startsWith(models)) rmSync(path, { recursive: true, force: true })
      ctx.events.emit('library.changed', { reason: 'model' })
      return { ok: true as const }
    },

    predict: ({ scope, ids }) => {
      const s = svc()
      requireActive(s)
      let runId: number | null = null
      const { jobId } = ctx.jobs.start(
        'predict',
        async (job) => {
          const r = await runPrediction(s, scope, ids, job)
          runId = r.runId
          return r
        },
        (status, result, error) => {
          ctx.events.emit('predict.finished', { jobId, status, runId: result?.runId ?? runId, count: result?.count ?? 0, error })
          if (result) ctx.events.emit('library.changed', { reason: 'model' })
        },
      )
      return { jobId }
    },

    top: ({ ids, k }) => {
      const run = activeRun(ctx.db)
      if (!run) return { runId: null, items: [] }
      const items = [...getPredictions(ctx.db, run.id, ids)].map(([id, probs]) => ({
        id,
        genres: run.genres
          .map((genre, c) => ({ genre, probability: probs[c], predicted: probs[c] >= run.thresholds[c] }))
          .sort((a, b) => b.probability - a.probability)
          .slice(0, k),
      }))
      return { runId: run.id, items }
    },
    probabilities: ({ ids, after, limit }) => {
      const run = requireActive(svc())
      // A page: `limit` posters after `after`, one more to know whether another page follows.
      const page = ids ? null : (ctx.db.prepare('SELECT id FROM posters WHERE id > ? ORDER BY id LIMIT ?').pluck().all(after ?? '', limit + 1) as string[])
      const wanted = ids ?? page!.slice(0, limit)
      const probs = getPredictions(ctx.db, run.id, wanted)
      return {
        runId: run.id,
        genres: run.genres,
        rows: wanted.flatMap((id) => {
          const p = probs.get(id)
          return p ? [{ id, probabilities: Array.from(p) }] : []
        }),
        without: wanted.filter((id) => !probs.has(id)),
        next: page && page.length > limit ? wanted[wanted.length - 1] : null,
      }
    },
    predictFiles: async ({ paths }) => {
      const r = await predictFiles(svc(), paths)
      return { runId: r.run.id, genres: r.run.genres, rows: r.rows.map((x) => ({ path: x.path, probabilities: Array.from(x.probs) })), failed: r.failed }
    },
    prediction: async ({ id }) => {
      const run = activeRun(ctx.db)
      if (!run) return { runId: null, genres: [] }
      const state = readStates(ctx.db, [id]).get(id)
      if (!state) throw new ApiError('not-found', `no poster ${id}`)
      // Not predicted yet: computed now (one poster is quick) and kept.
      const probs = getPrediction(ctx.db, run.id, id) ?? (await svc().storedPredictions(run, [id], new AbortController().signal)).get(id) ?? null
      const have = new Set(state.genres.map(([g]) => g.toLowerCase()))
      return {
        runId: run.id,
        genres: run.genres.map((genre, c) => ({
          genre,
          probability: probs ? probs[c] : 0,
          threshold: run.thresholds[c],
          predicted: probs ? probs[c] >= run.thresholds[c] : false,
          confirmed: have.has(genre.toLowerCase()),
        })),
      }
    },

    accept: (req) => acceptPredictions(svc(), req),

    evaluate: ({ ids }) => evaluateActive(svc(), ids, new AbortController().signal),

    errors: ({ runId, genre, limit }) => genreErrors(ctx.db, runId, genre, limit),
  }
}
