// The genre model: backbone, cached embeddings, training runs, predictions, evaluation.
import { z } from 'zod'
import { command, noArgs, ok } from './define'
import { FsPath, JobId, JobStatus, PosterId } from './common'
import { HistoryState } from './labels'
import { DEFAULT_MAX_GENRES, DEFAULT_MIN_PROBABILITY } from '../acceptance'

export const ModelKind = z.enum(['head', 'cnn'])
export type ModelKind = z.infer<typeof ModelKind>
export const HeadLossName = z.enum(['bce', 'balanced', 'asl'])
export type HeadLossName = z.infer<typeof HeadLossName>

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
  /** Activate the run when it scores at least as well as the active one (see RunSummary.note). */
  activate: z.boolean().default(true),
  /** Head: folds of the grouped cross-validation the reported figures come from. */
  folds: z.number().int().min(2).max(20).default(5),
  /** Train on accepted predictions too (off: human labels only; evaluation never uses them). */
  includePredictions: z.boolean().default(false),
  /** Head: learn from the posters' titles and years too (off: the image alone). */
  titles: z.boolean().default(true),
  /**
   * Head, no model active yet, human labels only: first one quick fit (early-stopped on a
   * held-out tenth, whose figures and thresholds it carries, marked as not cross-validated),
   * activated with predictions for every poster when the job ends; the cross-validated run
   * then trains in a job of its own and replaces it. Otherwise ignored.
   */
  quick: z.boolean().default(false),
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

export const Interval = z.tuple([z.number(), z.number()])
export const SummaryIntervals = z.object({
  macroAp: Interval,
  microAp: Interval,
  macroF1: Interval,
  microF1: Interval,
  hit1: Interval,
  hit3: Interval,
})
export type SummaryIntervals = z.infer<typeof SummaryIntervals>

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
  /**
   * 'cross-validation': out-of-fold predictions of `folds` grouped folds, F1 with thresholds
   * tuned on the other folds; 'holdout': a validation split; 'posters': listed posters.
   */
  method: z.enum(['cross-validation', 'holdout', 'posters']).optional(),
  folds: z.number().int().optional(),
  /** Bootstrap 95% intervals (posters resampled) of the model's and the prior's figures. */
  intervals: z.object({ model: SummaryIntervals, prior: SummaryIntervals, replicates: z.number().int() }).optional(),
  /**
   * Cross-validation on `deals` fresh fold layouts, kept model averaging `members` models: the
   * figures above (and their intervals, shifted alike) are extrapolated to `members` from each
   * deal alone and all deals together; `outOfFold` holds the figures as measured.
   */
  ensemble: z
    .object({
      members: z.number().int(),
      deals: z.number().int(),
      outOfFold: MetricSummary,
      /** Each genre's AP as measured (runs before this field carry only the summary). */
      genreAp: z.array(z.object({ genre: z.string(), ap: z.number().nullable() })).optional(),
    })
    .optional(),
  /** posterity eval --ids: listed posters left out because the model was trained on them. */
  excludedTrained: z.number().int().optional(),
  /** Listed posters left out as byte-identical copies of posters the model was trained on. */
  excludedCopies: z.number().int().optional(),
  /** Listed ids that are not posters a person labelled (unknown, unlabelled or predicted only): not scored. */
  notScored: z.number().int().optional(),
  /**
   * Binary accuracy over all (poster, genre) cells at 0.5, beside predicting no genre at all
   * (reported for the CNN baseline, whose original project quoted this figure).
   */
  binaryAccuracy: z.object({ model: z.number(), allNegative: z.number() }).optional(),
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
  /** Why the run was (not) activated when it finished, e.g. the comparison with the active run. */
  note: z.string().nullable(),
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
  /** onnxruntime execution provider and training backend last used (null before first use): a TensorFlow.js backend, or onnxruntime for the head's steps. */
  provider: z.string().nullable(),
  backend: z.string().nullable(),
  /** Why that backend trains (which native backend failed, and how). */
  backendReason: z.string().nullable(),
  posters: z.number().int(),
  /** Artworks (distinct files) with the default feature set cached. */
  embedded: z.number().int(),
  /**
   * The feature sets in use, each with the posters it is embedded for: the active run's (a
   * quick first model's one-pass set) first when it differs from the default set.
   */
  featureSets: z.array(
    z.object({
      name: z.string(),
      version: z.string(),
      /** Backbone passes a poster. */
      passes: z.number().int(),
      /** Posters (byte-identical copies each counted) with this set cached. */
      embedded: z.number().int(),
      /** What reads it, in words. */
      use: z.string(),
    }),
  ),
  labelled: z.number().int(),
  activeRun: z.number().int().nullable(),
  /** Posters whose labels a person changed since the active run was trained (retrain offer). */
  /** Distinct posters whose labels a person edited since the latest run was trained (0 with no model active). */
  correctionsSinceActive: z.number().int(),
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

export const AcceptRequest = z.strictObject({
  /** Posters to accept for; absent: every unlabelled poster. */
  ids: z.array(PosterId).min(1).max(200_000).optional(),
  minProbability: z.number().min(0).max(1).default(DEFAULT_MIN_PROBABILITY),
  maxGenres: z.number().int().min(1).max(50).default(DEFAULT_MAX_GENRES),
  dryRun: z.boolean().default(false),
  /** How many changed posters to list with their genres in `sample`. */
  sample: z.number().int().min(0).max(200_000).default(50),
})
export type AcceptRequest = z.input<typeof AcceptRequest>

export const AcceptResult = z.object({
  runId: z.number().int(),
  dryRun: z.boolean(),
  /** Posters considered (with a stored prediction of the active run). */
  considered: z.number().int(),
  /** Posters that gain at least one genre (would gain, in a dry run). */
  changed: z.array(PosterId),
  /** Posters with nothing to accept: left as they were. */
  skipped: z.number().int(),
  /** Listed posters with no stored prediction of the active run yet (predict them first). */
  unpredicted: z.array(PosterId),
  /** For each genre: how many posters gain it. */
  gains: z.array(z.object({ genre: z.string(), posters: z.number().int() })),
  /** The first `sample` changes, for the preview and the CLI (id and the genres it gains). */
  sample: z.array(z.object({ id: PosterId, add: z.array(z.string()) })),
  history: HistoryState,
})
export type AcceptResult = z.infer<typeof AcceptResult>

/** One of a poster's most probable genres (model.top), and whether it reaches its threshold. */
export const TopGenre = z.object({ genre: z.string(), probability: z.number(), predicted: z.boolean() })
export type TopGenre = z.infer<typeof TopGenre>

/** A run's out-of-fold errors for one genre, most confident first (model.errors). */
export const GenreErrors = z.object({
  runId: z.number().int(),
  genre: z.string(),
  threshold: z.number(),
  falsePositives: z.array(z.object({ id: PosterId, probability: z.number() })),
  falseNegatives: z.array(z.object({ id: PosterId, probability: z.number() })),
  /** Totals before `limit`. */
  totalFalsePositives: z.number().int(),
  totalFalseNegatives: z.number().int(),
})
export type GenreErrors = z.infer<typeof GenreErrors>

export const model = {
  status: command(noArgs, ModelStatus),
  /** What the model last ran on here (ModelStatus's provider, backend and reason), opening nothing to find out. */
  engines: command(noArgs, ModelStatus.pick({ provider: true, backend: true, backendReason: true })),
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
          genres: z.array(TopGenre),
        }),
      ),
    }),
  ),
  /** The active model's stored probabilities for one poster. */
  prediction: command(z.strictObject({ id: PosterId }), PosterPrediction),
  /**
   * The active model's stored probabilities, one array a poster in the run's genre order:
   * for the listed posters, or page by page (by id) through every poster of the library
   * (`after`: the previous page's `next`). `without`: the posters asked for (or of the page)
   * that have no stored prediction of the active run.
   */
  probabilities: command(
    z.strictObject({ ids: z.array(PosterId).min(1).max(10_000).optional(), after: PosterId.optional(), limit: z.number().int().min(1).max(10_000).default(5_000) }),
    z.object({
      runId: z.number().int(),
      genres: z.array(z.string()),
      rows: z.array(z.object({ id: PosterId, probabilities: z.array(z.number()) })),
      without: z.array(PosterId),
      next: PosterId.nullable(),
    }),
  ),
  /** Probabilities of the active model for image files outside the library (nothing imported or kept). */
  predictFiles: command(
    z.strictObject({ paths: z.array(FsPath).min(1).max(100_000) }),
    z.object({
      runId: z.number().int(),
      genres: z.array(z.string()),
      rows: z.array(z.object({ path: z.string(), probabilities: z.array(z.number()) })),
      failed: z.array(z.object({ path: z.string(), error: z.string() })),
    }),
  ),
  /**
   * Turns the active model's stored predictions into labels (source "prediction") under the
   * one acceptance rule (src/shared/acceptance.ts): at most `maxGenres` a poster, highest
   * first, each at or above its genre's threshold and `minProbability`. A poster with nothing
   * to accept is skipped and stays as it was (never "no genre"). One undoable history entry;
   * `dryRun` computes the same summary and writes nothing (the preview). Without ids: every
   * unlabelled poster.
   */
  accept: command(AcceptRequest, AcceptResult),
  /**
   * ModelEvaluation of the active model on these labelled posters (human labels only; posters
   * it was trained on are left out and counted in `excludedTrained`), or without ids its
   * stored out-of-fold evaluation.
   */
  evaluate: command(z.strictObject({ ids: z.array(PosterId).max(200_000).optional() }), ModelEvaluation),
  /**
   * The out-of-fold errors of one genre in a run (default: the active one): false positives
   * (predicted at the threshold, not labelled) and false negatives, most confident first.
   */
  errors: command(
    z.strictObject({ runId: z.number().int().optional(), genre: z.string().min(1).max(200), limit: z.number().int().min(1).max(5000).default(500) }),
    GenreErrors,
  ),
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
    /** Cross-validation: the fold being trained (0-based); equal to `folds` during the refit. */
    fold: z.number().int().optional(),
    folds: z.number().int().optional(),
    /** Which repeat of the cross-validation (freshly dealt folds) the fold belongs to (0-based), of `repeats`. */
    repeat: z.number().int().optional(),
    repeats: z.number().int().optional(),
    /** Progress inside the epoch (slow epochs, the CNN); absent on end-of-epoch reports. */
    batch: z.object({ index: z.number().int(), of: z.number().int() }).optional(),
  }),
  'train.finished': z.object({
    jobId: JobId,
    status: JobStatus,
    runId: z.number().int().nullable(),
    error: z.string().nullable(),
    model: MetricSummary.nullable(),
    /** Whether the new run became the active one, and why (or why not). */
    activated: z.boolean().optional(),
    note: z.string().nullable().optional(),
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
  'backbone.progress': z.object({ jobId: JobId, received: z.number().int(), total: z.number().int(), status: JobStatus, error: z.string().nullable() }),
}
