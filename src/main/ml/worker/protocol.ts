// The core ↔ model worker protocol, declared once: which methods the worker has, what each
// takes, returns and reports while it runs (WorkerMethods), and the messages that carry
// them. The worker's handlers (methods.ts) and the core's client (client.ts) are both typed
// from WorkerMethods, so a call with the wrong arguments or an unknown method does not
// compile. Both transports (Electron's utilityProcess and Node's child_process with
// `serialization: 'advanced'`) use structured clone, so typed arrays travel as they are.
import type { ModelEvaluation } from '../../../shared/api'
import type { ResizeView } from '../backbone/catalog'
import type { EpochReport, HeadConfig } from '../train/head'
import type { CnnArgs } from '../train/cnn'
import type { TrainProgress } from '../train/progress'

export type { BatchReport, TrainProgress } from '../train/progress'
export type { CnnArgs } from '../train/cnn'

/** One worker method: its arguments, its result and what it reports while running. */
interface Method<Args, Result, Progress = never> {
  args: Args
  result: Result
  progress: Progress
}

/** Every method of the model worker. Add a method here, then its handler in methods.ts. */
export interface WorkerMethods {
  ping: Method<Record<string, never>, { pid: number }>
  /** Opens the backbone (if not yet open) and says which execution provider runs it. */
  provider: Method<BackboneArgs, { provider: string; notes: string[] }>
  /** The input the importer must decode each view to. */
  viewSpec: Method<BackboneArgs, { width: number; height: number; views: ResizeView[] }>
  /** Vectors of images the core decoded itself (import decodes each poster once for both uses). */
  embedPixels: Method<EmbedPixelsArgs, EmbedProgress>
  /**
   * Vectors of image files the core read (an import whose posters need no thumbnail encode):
   * the decode here is also the import's check that every pixel decodes, so `failed` is its verdict.
   */
  embedEncoded: Method<EmbedEncodedArgs, EmbedProgress>
  /** Vectors of image files, streamed per batch. */
  embed: Method<EmbedArgs, EmbedDone, EmbedProgress>
  /** One early-stopped head (or ensemble) on a seeded split; rows uploaded. */
  train: Method<TrainArgs, TrainDone, TrainProgress>
  /** Cross-validated training and the refit; rows uploaded. */
  trainCv: Method<TrainCvArgs, TrainCvDone, TrainCvProgress>
  /** Probabilities of uploaded rows, streamed per chunk. */
  predict: Method<PredictArgs, PredictDone, PredictProgress>
  trainCnn: Method<CnnArgs, TrainCnnDone, TrainProgress>
  predictCnn: Method<{ weightsDir: string; paths: string[] }, { probs: Float32Array }>
  /** Explore's map: UMAP on the first `fit` uploaded rows, the rest placed among them. */
  layout: Method<LayoutArgs, { xy: Float32Array }, LayoutProgress>
  /** Explore's occlusion heat map of one poster for one genre. */
  occlusion: Method<OcclusionArgs, OcclusionDone, { done: number; total: number }>
}

export type MethodName = keyof WorkerMethods
export type ArgsOf<M extends MethodName> = WorkerMethods[M]['args']
export type ResultOf<M extends MethodName> = WorkerMethods[M]['result']
export type ProgressOf<M extends MethodName> = WorkerMethods[M]['progress']

/** What a handler gets besides its arguments. */
export interface MethodContext<P = unknown> {
  signal: AbortSignal
  /** Float rows uploaded with the call. */
  data: Float32Array | null
  progress(data: P): void
}

/** The worker's side: one handler per method, typed from WorkerMethods. */
export type WorkerHandlers = {
  [M in MethodName]: (args: ArgsOf<M>, ctx: MethodContext<ProgressOf<M>>) => Promise<ResultOf<M>>
}

/** A call message for one method (the union over all methods is what travels). */
export type CallMessage<M extends MethodName = MethodName> = { [K in M]: { type: 'call'; id: number; method: K; args: ArgsOf<K> } }[M]

export type ToWorker =
  /** A chunk of a call's float input (feature rows), sent before the call itself. */
  | { type: 'upload'; id: number; chunk: Float32Array }
  | CallMessage
  | { type: 'cancel'; id: number }

export type FromWorker =
  | { type: 'ready'; pid: number }
  | { type: 'progress'; id: number; data: unknown }
  | { type: 'result'; id: number; value: unknown }
  | { type: 'error'; id: number; message: string; cancelled: boolean }
  | { type: 'log'; message: string }

/** One end of the channel: the launcher builds it over a utilityProcess or a Node child. */
export interface WorkerPort {
  post(msg: ToWorker): void
  onMessage(listener: (msg: FromWorker) => void): void
  onExit(listener: (code: number | null) => void): void
  kill(): void
  /** Let the host exit while the worker idles (Node children); no-op where meaningless. */
  ref?(): void
  unref?(): void
}

/** Starts a worker process; the Electron host passes one built on utilityProcess. */
export type WorkerLauncher = () => WorkerPort

// ── Arguments and results ──────────────────────────────────────────────────────────────

/** Which backbone file and feature set an embedding call uses. */
export interface BackboneArgs {
  modelPath: string
  backbone: string
  features: string
  batch?: number
  lanes?: number
}
export interface EmbedArgs extends BackboneArgs {
  items: { key: string; path: string }[]
}
export interface EmbedPixelsArgs {
  modelPath: string
  backbone: string
  features: string
  /** One RGB HWC buffer per view of the feature set, at its input size. */
  items: { key: string; views: Uint8Array[] }[]
}
export interface EmbedEncodedArgs {
  modelPath: string
  backbone: string
  features: string
  /** The file's bytes, as read by the importer. */
  items: { key: string; bytes: Uint8Array }[]
}
export interface EmbedProgress {
  rows: { key: string; vector: Float32Array }[]
  failed: { key: string; error: string }[]
}
export interface EmbedDone {
  provider: string
  notes: string[]
  seconds: number
}

export interface TrainArgs {
  genres: string[]
  dims: number
  y: Float32Array
  train: number[]
  /** Rows that decide early stopping (never trained on). */
  earlyStop: number[]
  val: number[]
  head: Partial<HeadConfig>
  ensemble: number
  prior: number[]
  weightsDir: string
}
export interface TrainDone {
  backend: string
  /** Which backend trained and why (tf-backend.ts, train/head-engine.ts). */
  reason: string
  notes: string[]
  epochs: EpochReport[]
  evaluation: ModelEvaluation
  thresholds: number[]
  seconds: number
}

/** Cross-validated training: out-of-fold figures, then a refit on every row. */
export interface TrainCvArgs {
  genres: string[]
  dims: number
  y: Float32Array
  /** Id and content hash of each row, for the duplicate groups and seeded folds. */
  items: { id: string; hash: string }[]
  folds: number
  /** Times the cross-validation is repeated on fresh folds (out-of-fold probabilities averaged). Default 1. */
  repeats?: number
  head: Partial<HeadConfig>
  ensemble: number
  prior: number[]
  weightsDir: string
  /**
   * When accepted predictions train too: the human labels of every row and the rows a person
   * labelled. Figures and thresholds come from those only (a model is never scored against
   * predictions).
   */
  evaluation?: { y: Float32Array; rows: number[] }
  /**
   * Each row's title and year: the heads then learn from a title block after the image
   * features, with title dropout (text/title-features.ts). Absent: image features only.
   */
  titles?: TitleArg[]
  /** Keep the fold models beside the refit: predictions average all of them. */
  foldEnsemble?: boolean
  /** Near-duplicate cosine override (tests); the measured default otherwise. */
  minCosine?: number
  replicates?: number
}
export type TrainCvProgress = TrainProgress & {
  /** 0..folds-1 while cross-validating (within its repeat), `folds` during the refit (two may train at once, interleaved). */
  fold: number
  folds: number
  /** Which repeat of the cross-validation (0-based; the last during the refit), of `repeats`. */
  repeat: number
  repeats: number
}
export interface TrainCvDone extends TrainDone {
  oof: Float32Array
  fold: number[]
  bestEpochs: number[]
  refitEpochs: number
  groups: number
  nearDuplicates: number
  seconds: number
  /** Seconds of each stage: grouping, folds, figures, the refit's remainder. */
  stages: Record<string, number>
  /** Worker threads the folds and the refit trained in (0: the worker's own thread). */
  threads: number
  /** CPU seconds the worker spent (all its threads): what a loaded machine cannot hide. */
  cpuSeconds: number
}

export interface TrainCnnDone {
  evaluation: ModelEvaluation
  thresholds: number[]
  epochs: EpochReport[]
  seconds: number
  backend: string
  notes: string[]
  reason: string
}

export interface PredictArgs {
  weightsDir: string
  chunk?: number
  /** Features a row of the upload (the image features). */
  dims?: number
  /** Each row's title, for runs that learnt from titles (none: blank). */
  titles?: (TitleArg | null)[]
}
/** A poster's title evidence as the worker gets it. */
export interface TitleArg {
  id: string
  title: string | null
  year: number | null
}
export interface PredictProgress {
  offset: number
  probs: Float32Array
}
export interface PredictDone {
  n: number
  backend: string
  reason: string
}

export interface LayoutArgs {
  dims: number
  /** The first `fit` uploaded rows are laid out by UMAP (or are anchors, with `anchorXY`). */
  fit: number
  anchorXY?: Float32Array
  seed?: number
}
export interface LayoutProgress {
  stage: 'projecting'
  done: number
  total: number
}

export interface OcclusionArgs {
  modelPath: string
  backbone: string
  features: string
  weightsDir: string
  path: string
  /** Output column of the genre in the run's genre order. */
  genre: number
  /** The poster's title, for runs that learnt from titles. */
  title?: TitleArg
  grid: number
}
export interface OcclusionDone {
  probability: number
  cols: number
  rows: number
  drops: number[]
  seconds: number
}
