// What the model worker can do. Every method is pure compute: the core does all library
// (SQLite) reads and writes and streams the float data here, so the worker needs no
// database binding (the Electron utility process could not load the app's one anyway).
import { readFileSync } from 'node:fs'
import { availableParallelism } from 'node:os'
import { Embedder, type EmbedResult } from '../embed/embedder'
import { backboneById, FEATURE_SETS } from '../backbone/catalog'
import { loadTf } from '../train/tf-backend'
import { headEngines } from '../train/head-engine'
import { onnxHeadPredictor } from '../train/head-onnx'
import type { HeadEngineFactory } from '../train/engine'
import { DEFAULT_HEAD, macroAp, predictHead, trainHead, type EpochReport, type HeadConfig, type HeadWeights } from '../train/head'
import { evaluate } from '../eval/metrics'
import { honestEvaluation } from '../eval/honest'
import { extrapolateToMembers } from '../eval/ensemble-size'
import { duplicateGroups } from '../train/groups'
import { crossValidate } from '../train/folds'
import { inThreadRunner, threadCount, threadRunner, type HeadData, type HeadRunner } from '../train/head-pool'
import { outDir } from '../../app-root'
import { join } from 'node:path'
import { gatherRows } from '../train/rows'
import { loadHeads, saveHeads } from '../store/weights'
import { predictCnn, trainCnn } from '../train/cnn'
import { registerWasmConvFilterGrad } from '../train/wasm-conv-grad'
import { exploreMethods } from './explore-methods'
import type { ProgressOf, TitleArg, WorkerHandlers } from './protocol'
import { headInput, titledTrainingRows, titleDropped, TITLE_DIMS } from '../text/title-features'

let embedder: { key: string; e: Promise<Embedder> } | null = null

function getEmbedder(modelPath: string, backbone: string, features: string, opts: { batch?: number; lanes?: number }): Promise<Embedder> {
  const key = `${modelPath}|${backbone}|${features}|${opts.batch}|${opts.lanes}`
  if (embedder?.key !== key) {
    const old = embedder
    const featureSet = FEATURE_SETS[features]
    if (!featureSet) throw new Error(`unknown feature set ${features}`)
    embedder = { key, e: Embedder.open(readFileSync(modelPath), backboneById(backbone), featureSet, opts) }
    // A failed open is not cached.
    embedder.e.catch(() => {
      if (embedder?.key === key) embedder = null
    })
    void old?.e.then((x) => x.close()).catch(() => undefined)
  }
  return embedder.e
}

/**
 * Training rows with each poster's title block; a seeded share of the posters (titleDropped)
 * trains on a title-blanked copy, so the model also predicts posters without a title.
 */
function titledInput(titles: TitleArg[], x: Float32Array, dims: number, y: Float32Array, g: number, seed: number) {
  if (titles.length * dims !== x.length) throw new Error(`trainCv: ${titles.length} titles for ${x.length / dims} rows`)
  return titledTrainingRows(x, dims, y, g, titles, (i) => titleDropped(seed, titles[i].id))
}

/** onnxruntime's compute threads for the head (more than 4 gain little on a head this size). */
const ONNX_THREADS = Math.min(4, availableParallelism())

let predictor: Promise<(w: HeadWeights, x: Float32Array) => Promise<Float32Array>> | null = null

/** One saved head's probabilities: on onnxruntime where it takes the head's steps, else TensorFlow.js. */
function headPredictor(): Promise<(w: HeadWeights, x: Float32Array) => Promise<Float32Array>> {
  predictor ??= (async () => {
    const loaded = await loadTf()
    if ((await trainingEngines(loaded)).backend === 'onnxruntime') {
      const p = onnxHeadPredictor(ONNX_THREADS)
      return (w, x) => p.predict(w, x)
    }
    return async (w, x) => predictHead(loaded.tf, w, x)
  })()
  return predictor
}

/** Probabilities of an ensemble: the mean of its members. */
async function ensemblePredict(heads: HeadWeights[], x: Float32Array): Promise<Float32Array> {
  const predict = await headPredictor()
  const out = await predict(heads[0], x)
  for (const h of heads.slice(1)) {
    const p = await predict(h, x)
    for (let i = 0; i < out.length; i++) out[i] += p[i]
  }
  if (heads.length > 1) for (let i = 0; i < out.length; i++) out[i] /= heads.length
  return out
}

/**
 * Convolutions train on wasm once its missing filter-gradient kernel is registered
 * (train/wasm-conv-grad.ts); every other backend has its own.
 */
async function withConvBackend<T>(tf: Awaited<ReturnType<typeof loadTf>>['tf'], fn: () => T | Promise<T>): Promise<T> {
  if (tf.getBackend() === 'wasm') registerWasmConvFilterGrad(tf)
  return fn()
}

/**
 * Where the head trains: worker threads when TensorFlow.js computes it on one thread (wasm, cpu)
 * and there are cores for them, else this thread. A thread that cannot start (no built
 * head-thread.js, as under the TypeScript sources' tests) falls back to this thread.
 */
async function headRunner(engines: HeadEngineFactory, backend: string, ownThreads: number, data: HeadData, signal: AbortSignal): Promise<{ runner: HeadRunner; threads: number; note?: string }> {
  const threads = backend === 'wasm' || backend === 'cpu' ? threadCount() : 0
  let note: string | undefined
  if (threads > 0) {
    try {
      return { runner: await threadRunner(join(outDir(), 'main', 'head-thread.js'), data, threads, signal, backend), threads }
    } catch (err) {
      note = `training threads did not start (${err instanceof Error ? err.message.split('\n')[0] : String(err)}): the folds trained one after another`
    }
  }
  // onnxruntime's steps compute on their own threads (`ownThreads`), trainings one after another.
  return { runner: inThreadRunner(engines, data, () => signal.aborted), threads: backend === 'onnxruntime' ? ownThreads : 0, note }
}

/** The head's engines and the run's backend, with TensorFlow.js's own reason after the engines'. */
async function trainingEngines(loaded: Awaited<ReturnType<typeof loadTf>>) {
  // onnxruntime trains in this thread, each step on ONNX_THREADS cores.
  const threads = ONNX_THREADS
  const e = await headEngines(loaded, threads)
  return { ...e, threads: e.backend === 'onnxruntime' ? threads : 1, reason: e.backend === loaded.backend ? loaded.reason : `${e.reason}; TensorFlow.js ${loaded.reason}` }
}

function cpuSince(start: NodeJS.CpuUsage): number {
  const u = process.cpuUsage(start)
  return (u.user + u.system) / 1e6
}

/**
 * TensorFlow.js work runs one call at a time: calls interleave at every await, and a CNN
 * epoch must not share the one wasm thread with a head being trained or a prediction
 * refreshing after an activation.
 */
let tfQueue: Promise<unknown> = Promise.resolve()
function exclusive<T>(fn: () => Promise<T>): Promise<T> {
  const run = tfQueue.then(fn, fn)
  tfQueue = run.catch(() => undefined)
  return run
}

/** Embedding results as the core stores them: vectors, and the files that gave none with why. */
function asProgress(results: EmbedResult[]): ProgressOf<'embed'> {
  const msg: ProgressOf<'embed'> = { rows: [], failed: [] }
  for (const r of results) {
    if (r.vector) msg.rows.push({ key: r.key, vector: r.vector })
    else msg.failed.push({ key: r.key, error: r.error ?? 'unknown error' })
  }
  return msg
}

export const methods: WorkerHandlers = {
  async ping() {
    return { pid: process.pid }
  },

  /** Opens the backbone (if not yet open) and says which execution provider runs it. */
  async provider(args) {
    const e = await getEmbedder(args.modelPath, args.backbone, args.features, { batch: args.batch, lanes: args.lanes })
    return { provider: e.provider, notes: e.providerNotes }
  },

  /** Vectors of images the core decoded itself (import decodes each poster once for both uses). */
  async embedPixels(args) {
    const e = await getEmbedder(args.modelPath, args.backbone, args.features, {})
    return asProgress(await e.embedDecoded(args.items))
  },

  async embedEncoded(args) {
    const e = await getEmbedder(args.modelPath, args.backbone, args.features, {})
    // The importer's strictness: a poster it would keep is embedded, one it would refuse is refused.
    return asProgress(await e.embedEncoded(args.items, 'import'))
  },

  /** The input the importer must decode each view to. */
  async viewSpec(args) {
    return (await getEmbedder(args.modelPath, args.backbone, args.features, {})).viewSpec
  },

  async embed(args, ctx) {
    const t0 = performance.now()
    const e = await getEmbedder(args.modelPath, args.backbone, args.features, { batch: args.batch, lanes: args.lanes })
    await e.run(
      args.items.map((it) => ({ key: it.key, source: it.path })),
      (results) => ctx.progress(asProgress(results)),
      () => ctx.signal.aborted,
    )
    if (ctx.signal.aborted) throw new Error('cancelled')
    return { provider: e.provider, notes: e.providerNotes, seconds: (performance.now() - t0) / 1000 }
  },

  train(args, ctx) {
    return exclusive(async () => {
      const t0 = performance.now()
      const x = ctx.data
      if (!x) throw new Error('train: no feature rows were sent')
      const loaded = await loadTf()
      const { notes } = loaded
      const { factory, backend, reason } = await trainingEngines(loaded)
      const g = args.genres.length
      const cfg: HeadConfig = { ...DEFAULT_HEAD, ...args.head }
      const heads: HeadWeights[] = []
      let epochs: EpochReport[] = []
      for (let m = 0; m < args.ensemble; m++) {
        const r = await trainHead(
          factory,
          { x, y: args.y, dims: args.dims, genres: g, train: args.train, earlyStop: args.earlyStop, val: args.val },
          { ...cfg, seed: cfg.seed + m * 1000 },
          {
            shouldStop: () => ctx.signal.aborted,
            onEpoch: async (report) => {
              ctx.progress({ member: m, members: args.ensemble, maxEpochs: cfg.epochs, report, backend })
              // Let a cancel message in between epochs.
              await new Promise((r) => setImmediate(r))
            },
          },
        )
        heads.push(r.weights)
        if (m === 0) epochs = r.epochs
      }
      const evalRows = args.val.length ? args.val : args.earlyStop
      const p = await ensemblePredict(heads, gatherRows(x, args.dims, evalRows))
      const evaluation = evaluate(p, gatherRows(args.y, g, evalRows), args.genres, args.prior)
      // Thresholds tuned on validation for every genre (rare ones too; they are listed apart).
      const thresholds = [...evaluation.genres, ...evaluation.rare]
        .sort((a, b) => args.genres.indexOf(a.genre) - args.genres.indexOf(b.genre))
        .map((m) => m.threshold)
      saveHeads(args.weightsDir, heads)
      return { backend, reason, notes, epochs, evaluation, thresholds, seconds: (performance.now() - t0) / 1000 }
    })
  },

  trainCv(args, ctx) {
    return exclusive(async () => {
      const t0 = performance.now()
      const cpu0 = process.cpuUsage()
      const x = ctx.data
      if (!x) throw new Error('trainCv: no feature rows were sent')
      const loaded = await loadTf()
      const { notes } = loaded
      const { factory, backend, reason, threads } = await trainingEngines(loaded)
      const g = args.genres.length
      const cfg: HeadConfig = { ...DEFAULT_HEAD, ...args.head }
      const stages: Record<string, number> = {}
      let mark = performance.now()
      const lap = (name: string) => {
        const now = performance.now()
        stages[name] = (now - mark) / 1000
        mark = now
      }
      // Duplicates are found on the image features alone.
      const groups = duplicateGroups(args.items, { x, dims: args.dims, minCosine: args.minCosine })
      lap('grouping')
      const input = args.titles ? { ...titledInput(args.titles, x, args.dims, args.y, g, cfg.seed), genres: g, groups } : { x, y: args.y, dims: args.dims, genres: g, groups }
      if (args.titles) cfg.sharedScaleTail = TITLE_DIMS
      const repeats = args.repeats ?? 1
      const tasks = args.folds * repeats
      const members = tasks + args.ensemble
      const onEpoch = async (member: number, report: EpochReport) => {
        // A person reads "fold 2 of 5, repeat 2 of 2": the fold within its repeat, the run's k folds.
        const refit = member >= tasks
        const fold = refit ? args.folds : member % args.folds
        const repeat = refit ? repeats - 1 : Math.floor(member / args.folds)
        ctx.progress({ member, members, maxEpochs: cfg.epochs, report, backend, fold, folds: args.folds, repeat, repeats })
        await new Promise((r) => setImmediate(r))
      }
      // Pooled out-of-fold predictions are scored as the figures are: on human labels only.
      const ev = args.evaluation
      const score = ev ? (oof: Float32Array) => macroAp(gatherRows(oof, g, ev.rows), gatherRows(ev.y, g, ev.rows), g) : undefined
      const runner = await headRunner(factory, backend, threads, input, ctx.signal)
      let cv
      let heads: HeadWeights[]
      let figures
      try {
        cv = await crossValidate(runner.runner, input, cfg, args.folds, cfg.seed, args.ensemble, { onEpoch, score }, repeats)
        lap('folds')
        // The figures need only the out-of-fold probabilities: computed here while the refit trains in its thread.
        const { oof, fold, k } = cv
        // Scored rows (the human-labelled ones when `ev` says so), their labels and folds, once for every set of figures.
        const scoredY = ev ? gatherRows(ev.y, g, ev.rows) : args.y
        const scoredFold = ev ? Int32Array.from(ev.rows, (r) => fold[r]) : fold
        const figuresOf = (p: Float32Array, replicates?: number) =>
          honestEvaluation(ev ? gatherRows(p, g, ev.rows) : p, scoredY, args.genres, scoredFold, k, args.prior, { replicates })
        figures = figuresOf(oof, args.replicates)
        // Carried from the deals' averages to the kept model's average (refit + fold models).
        const kept = args.foldEnsemble ? args.ensemble + cv.foldWeights.length : args.ensemble
        if (cv.dealOof.length > 1)
          figures = { ...figures, evaluation: extrapolateToMembers(figures.evaluation, cv.dealOof.map((p) => figuresOf(p, 0).evaluation), kept) }
        lap('figures')
        heads = await cv.refits
        lap('refit (after the figures)')
      } finally {
        runner.runner.close()
      }
      if (ctx.signal.aborted) throw new Error('cancelled')
      const epochsAll = cv.epoch
      const { evaluation, thresholds } = figures
      // The fold ensemble: the refit and the fold models, averaged at prediction.
      saveHeads(args.weightsDir, args.foldEnsemble ? [...heads, ...cv.foldWeights] : heads)
      return {
        backend,
        reason,
        // The curves shown: the first fold's, whose validation is its held-out posters.
        epochs: cv.curves[0] ?? [],
        evaluation,
        thresholds,
        oof: cv.oof,
        fold: Array.from(cv.fold),
        bestEpochs: cv.bestEpochs,
        refitEpochs: epochsAll,
        groups: groups.count,
        nearDuplicates: groups.nearDuplicates,
        stages,
        threads: runner.threads,
        notes: runner.note ? [...notes, runner.note] : notes,
        cpuSeconds: cpuSince(cpu0),
        seconds: (performance.now() - t0) / 1000,
      }
    })
  },

  predict(args, ctx) {
    return exclusive(async () => {
      const x = ctx.data
      if (!x) throw new Error('predict: no feature rows were sent')
      // Predicted where the head trains (headPredictor): the same backend and why.
      const { backend, reason } = await trainingEngines(await loadTf())
      const heads = loadHeads(args.weightsDir)
      const d = args.dims ?? heads[0].dims
      if (x.length % d !== 0) throw new Error(`predict: rows of ${d} features expected`)
      const n = x.length / d
      const chunk = args.chunk ?? 512
      for (let s = 0; s < n; s += chunk) {
        if (ctx.signal.aborted) throw new Error('cancelled')
        const e = Math.min(n, s + chunk)
        const rows = headInput(heads[0].dims, x.subarray(s * d, e * d), d, args.titles?.slice(s, e))
        ctx.progress({ offset: s, probs: await ensemblePredict(heads, rows) })
        await new Promise((r) => setImmediate(r))
      }
      return { n, backend, reason }
    })
  },

  trainCnn(args, ctx) {
    return exclusive(async () => {
      const { tf, notes, reason } = await loadTf()
      return { ...(await withConvBackend(tf, () => trainCnn(tf, args, ctx))), backend: tf.getBackend(), notes, reason }
    })
  },

  predictCnn(args) {
    return exclusive(async () => {
      const { tf } = await loadTf()
      return { probs: await withConvBackend(tf, () => predictCnn(tf, args.weightsDir, args.paths)) }
    })
  },

  // Explore: the map layout and occlusion heat maps (explore-methods.ts).
  ...exploreMethods({ getEmbedder, ensemblePredict }),
}
