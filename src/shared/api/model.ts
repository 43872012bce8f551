// The genre model: backbone, cached embeddings, training runs, predictions, evaluation.
import { z } from 'zod'
import { command, noArgs, ok } from './define'
import { FsPath, JobId, JobStatus, PosterId } from './common'
import { HistoryState } from './labels'

export const ModelKind = z.enum(['head', 'cnn'])
export type ModelKind = z.infer<typeof ModelKind>
export const HeadLossName = z.enum(['bce', 'balanced', 'asl'])

export const TrainRequest = z.strictObject({
  kind: ModelKind.default('head'),
  /** Train only on these labelled posters (all labelled posters when absent). */
  ids: z.array(PosterId).max(200_000).optional(),
  epochs: z.number().int().min(1).max(1000).optional(),
  seed: z.number().int().min(0).max(2 ** 31).default(1),
  /** Seed of the validation split; kept fixed so runs compare on the same posters. */
  splitSeed: z.number().int().min(0).max(2 ** 31).default(42),
  valFraction: z.number().min(0.05).max(0.5).default(0.2),
  loss: HeadLossName.optional(),
  hidden: z.number().int().min(0).max(4096).optional(),
  /** Ensemble members (heads with different seeds, averaged). */
  ensemble: z.number().int().min(1).max(10).optional(),
  /** CNN only: input size in pixels. */
  inputSize: z.number().int().min(16).max(512).optional(),
  activate: z.boolean().default(true),
})
export type TrainRequest = z.input<typeof TrainRequest>

export const MetricSummary = z.object({
  macroAp: z.number(),
  microAp: z.number(),
  macroF1: z.number(),
  microF1: z.number(),
  hit1: z.number(),
  hit3: z.number(),
})
export type MetricSummary = z.infer<typeof MetricSummary>

export const GenreMetric = z.object({
  genre: z.string(),
  support: z.number().int(),
  ap: z.number().nullable(),
  f1: z.number(),
  threshold: z.number(),
  priorAp: z.number().nullable(),
  priorF1: z.number(),
})
export type GenreMetric = z.infer<typeof GenreMetric>

export const ModelEvaluation = z.object({
  posters: z.number().int(),
  model: MetricSummary,
  /** The frequency-prior baseline on the same posters. */
  prior: MetricSummary,
  genres: z.array(GenreMetric),
  /** Genres with fewer than `minSupport` positives: listed apart, not averaged. */
  rare: z.array(GenreMetric),
  minSupport: z.number().int(),
})
export type ModelEvaluation = z.infer<typeof ModelEvaluation>

export const EpochPoint = z.object({
  epoch: z.number().int(),
  loss: z.number(),
  valLoss: z.number(),
  valMacroAp: z.number(),
  seconds: z.number(),
})
export type EpochPoint = z.infer<typeof EpochPoint>

export const RunSummary = z.object({
  id: z.number().int(),
  createdAt: z.number().int(),
  kind: ModelKind,
  backbone: z.string().nullable(),
  features: z.string().nullable(),
  backend: z.string(),
  provider: z.string().nullable(),
  trainSize: z.number().int(),
  valSize: z.number().int(),
  seconds: z.number(),
  active: z.boolean(),
  config: z.record(z.string(), z.unknown()),
  model: MetricSummary,
  prior: MetricSummary,
})
export type RunSummary = z.infer<typeof RunSummary>

export const RunDetail = RunSummary.extend({
  genres: z.array(z.string()),
  evaluation: ModelEvaluation,
  epochs: z.array(EpochPoint),
  weightsPath: z.string(),
})
export type RunDetail = z.infer<typeof RunDetail>

export const BackboneStatus = z.object({
  id: z.string(),
  title: z.string(),
  /** Where the file was found; null when it is missing (download or import it). */
  path: z.string().nullable(),
  source: z.enum(['configured', 'library', 'none']),
  /** How the file was accepted (checksum, or structure for a configured copy). */
  note: z.string(),
  url: z.string(),
})

export const ModelStatus = z.object({
  backbone: BackboneStatus,
  features: z.string(),
  /** onnxruntime execution provider and TensorFlow.js backend last used (null before first use). */
  provider: z.string().nullable(),
  backend: z.string().nullable(),
  /** Why that TensorFlow.js backend runs (which native backend failed, and how). */
  backendReason: z.string().nullable(),
  posters: z.number().int(),
  embedded: z.number().int(),
  labelled: z.number().int(),
  activeRun: z.number().int().nullable(),
  /** Running model jobs (embedding, training, prediction, download). */
  jobs: z.array(z.object({ jobId: JobId, kind: z.string() })),
})
export type ModelStatus = z.infer<typeof ModelStatus>

export const PredictScope = z.enum(['all', 'unlabelled', 'selection'])

export const PosterPrediction = z.object({
  runId: z.number().int().nullable(),
  genres: z.array(
    z.object({
      genre: z.string(),
      probability: z.number(),
      threshold: z.number(),
      /** probability >= threshold */
      predicted: z.boolean(),
      /** The poster already carries this genre as a label. */
      confirmed: z.boolean(),
    }),
  ),
})
export type PosterPrediction = z.infer<typeof PosterPrediction>

export const model = {
  status: command(noArgs, ModelStatus),
  /** First-run download of the backbone from its public URL (resumable, checksum verified). */
  downloadBackbone: command(noArgs, z.object({ jobId: JobId })),
  /** Copies a backbone file from disk into the library after checking it. */
  importBackbone: command(z.strictObject({ path: FsPath }), z.object({ ok: z.literal(true), note: z.string() })),
  /** Computes missing embeddings (all posters, or these). */
  embed: command(z.strictObject({ ids: z.array(PosterId).max(200_000).optional() }), z.object({ jobId: JobId })),
  train: command(TrainRequest, z.object({ jobId: JobId })),
  runs: command(noArgs, z.object({ runs: z.array(RunSummary) })),
  run: command(z.strictObject({ id: z.number().int() }), RunDetail),
  activate: command(z.strictObject({ id: z.number().int() }), ok),
  deleteRun: command(z.strictObject({ id: z.number().int() }), ok),
  predict: command(
    z
      .strictObject({ scope: PredictScope.default('all'), ids: z.array(PosterId).max(200_000).optional() })
      .refine((a) => a.scope !== 'selection' || (a.ids?.length ?? 0) > 0, 'scope "selection" needs ids'),
    z.object({ jobId: JobId }),
  ),
  /**
   * The active model's top-k stored genres for many posters at once (the grid shows them on
   * its cards). Posters not predicted yet are absent; nothing is computed here.
   */
  top: command(
    z.strictObject({ ids: z.array(PosterId).max(1000), k: z.number().int().min(1).max(5).default(3) }),
    z.object({
      runId: z.number().int().nullable(),
      items: z.array(
        z.object({
          id: PosterId,
          genres: z.array(z.object({ genre: z.string(), probability: z.number(), predicted: z.boolean() })),
        }),
      ),
    }),
  ),
  /** The active model's stored probabilities for one poster. */
  prediction: command(z.strictObject({ id: PosterId }), PosterPrediction),
  /**
   * Turns predictions into labels (source "prediction"), as one undoable edit: genres at or
   * above `minProbability`, or above each genre's tuned threshold when it is absent.
   */
  accept: command(
    z.strictObject({ ids: z.array(PosterId).min(1).max(200_000), minProbability: z.number().min(0).max(1).optional() }),
    z.object({ changed: z.array(PosterId), history: HistoryState }),
  ),
  /** ModelEvaluation of the active model on these labelled posters, or on its validation split. */
  evaluate: command(z.strictObject({ ids: z.array(PosterId).max(200_000).optional() }), ModelEvaluation),
}

export const modelEvents = {
  'embed.progress': z.object({ jobId: JobId, done: z.number().int(), total: z.number().int(), failed: z.number().int(), provider: z.string().nullable() }),
  'train.progress': z.object({
    jobId: JobId,
    stage: z.enum(['embedding', 'training']),
    epoch: z.number().int(),
    maxEpochs: z.number().int(),
    loss: z.number(),
    valLoss: z.number(),
    macroAp: z.number(),
    etaSeconds: z.number(),
    backend: z.string(),
  }),
  'train.finished': z.object({
    jobId: JobId,
    status: JobStatus,
    runId: z.number().int().nullable(),
    error: z.string().nullable(),
    model: MetricSummary.nullable(),
  }),
  'predict.progress': z.object({
    jobId: JobId,
    runId: z.number().int(),
    done: z.number().int(),
    total: z.number().int(),
    /** The probabilities of the posters just predicted, in `genres` order. */
    genres: z.array(z.string()),
    items: z.array(z.object({ id: PosterId, probs: z.array(z.number()) })),
  }),
  'predict.finished': z.object({ jobId: JobId, status: JobStatus, runId: z.number().int().nullable(), count: z.number().int(), error: z.string().nullable() }),
  'backbone.progress': z.object({ jobId: JobId, received: z.number().int(), total: z.number().int(), status: z.enum(['running', 'done', 'failed', 'cancelled']), error: z.string().nullable() }),
}
