// The model side of one open library: the worker process, the backbone file, the embedding
// cache, and probability computation for stored runs. Jobs (train / predict) build on it.
// Embeddings are kept per catalog feature set: `features` is the default (the cross-validated
// runs' and explore's), a quick first model uses FIRST_FEATURES, and a run is always predicted
// with the set it was trained on.
import { ApiError } from '../../../shared/api'
import type { CoreContext } from '../../context'
import type { Db } from '../../library/db'
import { backboneById, DEFAULT_BACKBONE, DEFAULT_FEATURES, FEATURE_SETS, featureDims, featureSetByVersion, type BackboneEntry, type FeatureSet } from '../backbone/catalog'
import { resolveBackbone, type ResolvedBackbone } from '../backbone/resolve'
import { missingHashes, putEmbeddings, type FeatureKey } from '../store/embeddings'
import { getPredictions, putPredictions, type StoredRun } from '../store/runs'
import { WorkerClient } from '../worker/client'
import type { EmbedArgs, TitleArg } from '../worker/protocol'
import { featureMatrix, postersFor, titlesOf, yieldToLoop, type PosterRow } from './data'

export interface EmbedReport {
  embedded: number
  failed: { id: string; error: string }[]
  provider: string | null
}

export class ModelService {
  readonly worker: WorkerClient
  readonly backbone: BackboneEntry
  /** The default feature set (POSTERITY_FEATURES, else DEFAULT_FEATURES). */
  readonly features: FeatureSet
  provider: string | null = null
  backend: string | null = null
  /** Why that backend (what failed before it), from the worker's last report. */
  backendReason: string | null = null

  constructor(readonly ctx: CoreContext) {
    this.worker = new WorkerClient()
    this.backbone = backboneById(process.env.POSTERITY_BACKBONE ?? DEFAULT_BACKBONE)
    const featureSet = FEATURE_SETS[process.env.POSTERITY_FEATURES ?? DEFAULT_FEATURES]
    if (!featureSet) throw new Error(`unknown feature set ${process.env.POSTERITY_FEATURES}`)
    this.features = featureSet
  }

  get db(): Db {
    return this.ctx.db
  }

  get key(): FeatureKey {
    return this.keyOf(this.features)
  }

  get dims(): number {
    return this.dimsOf(this.features)
  }

  keyOf(f: FeatureSet): FeatureKey {
    return { backbone: this.backbone.id, features: f.version }
  }

  dimsOf(f: FeatureSet): number {
    return featureDims(this.backbone, f)
  }

  resolveBackbone(): ResolvedBackbone | null {
    return resolveBackbone(this.ctx.dir, this.backbone, (m) => process.stderr.write(`posterity: ${m}\n`))
  }

  backbonePath(): string {
    const r = this.resolveBackbone()
    if (!r)
      throw new ApiError(
        'not-found',
        `the ${this.backbone.title} backbone is not installed: download it (model.downloadBackbone, "Download" in the Train view) or import the file ${this.backbone.file}`,
      )
    return r.path
  }

  /**
   * Embeds the posters whose content is not cached yet (identical artwork once), writing
   * vectors as batches arrive. A poster that cannot be decoded is reported, not fatal.
   */
  async ensureEmbeddings(
    posters: PosterRow[],
    signal: AbortSignal,
    onProgress?: (done: number, total: number, failed: number) => void,
    features: FeatureSet = this.features,
  ): Promise<EmbedReport> {
    const key = this.keyOf(features)
    const missing = new Set(missingHashes(this.db, key, posters.map((p) => p.hash)))
    const byHash = new Map<string, PosterRow>()
    for (const p of posters) if (missing.has(p.hash) && !byHash.has(p.hash)) byHash.set(p.hash, p)
    const items = [...byHash.values()].map((p) => ({ key: p.hash, path: p.path }))
    const failed: { id: string; error: string }[] = []
    if (items.length === 0) return { embedded: 0, failed, provider: this.provider }
    let done = 0
    onProgress?.(0, items.length, 0)
    const args: EmbedArgs = { modelPath: this.backbonePath(), backbone: this.backbone.id, features: featureSetName(features), items }
    const res = await this.worker.call('embed', args, {
      signal,
      onProgress: (p) => {
        if (p.rows.length) putEmbeddings(this.db, key, p.rows.map((r) => ({ hash: r.key, vector: r.vector })))
        for (const f of p.failed) failed.push({ id: byHash.get(f.key)?.id ?? f.key, error: f.error })
        done += p.rows.length + p.failed.length
        onProgress?.(done, items.length, failed.length)
      },
    })
    this.provider = res.provider
    return { embedded: done - failed.length, failed, provider: res.provider }
  }

  /** The execution provider the backbone runs on (opens it in the worker when nothing was embedded yet). */
  async probeProvider(): Promise<string> {
    if (this.provider) return this.provider
    const r = await this.worker.call('provider', { modelPath: this.backbonePath(), backbone: this.backbone.id, features: featureSetName(this.features) })
    this.provider = r.provider
    return r.provider
  }

  /** Embeds files outside the library (nothing cached): vectors by path, or errors. */
  async embedFiles(paths: string[], signal?: AbortSignal, features: FeatureSet = this.features): Promise<Map<string, Float32Array | string>> {
    const out = new Map<string, Float32Array | string>()
    const res = await this.worker.call(
      'embed',
      { modelPath: this.backbonePath(), backbone: this.backbone.id, features: featureSetName(features), items: paths.map((p) => ({ key: p, path: p })) } satisfies EmbedArgs,
      {
        signal,
        onProgress: (p) => {
          for (const r of p.rows) out.set(r.key, r.vector)
          for (const f of p.failed) out.set(f.key, f.error)
        },
      },
    )
    this.provider = res.provider
    return out
  }

  /**
   * Probabilities of `run` for feature rows, streamed per chunk. `titles` (one a row, null for
   * none) feed runs that learnt from titles; the others ignore them.
   */
  async predictRows(
    run: StoredRun,
    x: Float32Array,
    signal: AbortSignal | undefined,
    onChunk: (offset: number, probs: Float32Array) => void,
    titles?: (TitleArg | null)[],
  ): Promise<void> {
    const res = await this.worker.call('predict', { weightsDir: run.weightsPath, dims: this.dimsOf(this.runFeatures(run)), titles: run.config.titles === true ? titles : undefined }, {
      signal,
      upload: x,
      onProgress: (p) => onChunk(p.offset, p.probs),
    })
    this.backend = res.backend
    this.backendReason = res.reason
  }

  /** The tail of the stored-prediction computations: one at a time (storedPredictions). */
  private storing: Promise<unknown> = Promise.resolve()

  /**
   * `run`'s stored probabilities for these posters, those not stored yet predicted and stored
   * first. One such prediction at a time per library, the next reading what the first stored:
   * two callers at once (the Collection view's plan and a script's, a poster's detail) would
   * otherwise each predict the same posters in other batches and each use its own figures while
   * the store kept the last, so a near tie could be proposed one way and written another.
   */
  storedPredictions(run: StoredRun, ids: string[], signal: AbortSignal): Promise<Map<string, Float32Array>> {
    const mine = this.storing.then(async () => {
      const probs = getPredictions(this.db, run.id, ids)
      const missing = ids.filter((id) => !probs.has(id))
      if (missing.length)
        await this.predictPosters(run, postersFor(this.db, { ids: missing }), signal, (rows) => {
          putPredictions(this.db, run.id, rows.map((r) => ({ id: r.poster.id, probs: r.probs })))
          for (const r of rows) probs.set(r.poster.id, r.probs)
        })
      return probs
    })
    this.storing = mine.catch(() => undefined)
    return mine
  }

  /**
   * Probabilities of `run` for library posters, in chunks (embedding what is missing):
   * `onChunk` gets the posters of each chunk with their probabilities.
   */
  async predictPosters(
    run: StoredRun,
    posters: PosterRow[],
    signal: AbortSignal,
    onChunk: (rows: { poster: PosterRow; probs: Float32Array }[]) => void,
    onEmbed?: (done: number, total: number, failed: number) => void,
  ): Promise<{ failed: { id: string; error: string }[] }> {
    if (run.kind === 'cnn') return this.predictPostersCnn(run, posters, signal, onChunk)
    const features = this.runFeatures(run)
    const key = this.keyOf(features)
    const report = await this.ensureEmbeddings(posters, signal, onEmbed, features)
    const bad = new Set(report.failed.map((f) => f.id))
    const ok = posters.filter((p) => !bad.has(p.id))
    const usable = new Set(missingHashes(this.db, key, ok.map((p) => p.hash)))
    const ready = ok.filter((p) => !usable.has(p.hash))
    const CHUNK = 1000
    for (let s = 0; s < ready.length; s += CHUNK) {
      if (signal.aborted) throw new ApiError('conflict', 'cancelled')
      const part = ready.slice(s, s + CHUNK)
      const x = await featureMatrix(this.db, key, part, this.dimsOf(features))
      const g = run.genres.length
      await this.predictRows(
        run,
        x,
        signal,
        (offset, probs) => {
          const n = probs.length / g
          onChunk(Array.from({ length: n }, (_, i) => ({ poster: part[offset + i], probs: probs.slice(i * g, (i + 1) * g) })))
        },
        titlesOf(this.db, part.map((p) => p.id)),
      )
      await yieldToLoop()
    }
    return { failed: report.failed }
  }

  private async predictPostersCnn(run: StoredRun, posters: PosterRow[], signal: AbortSignal, onChunk: (rows: { poster: PosterRow; probs: Float32Array }[]) => void): Promise<{ failed: { id: string; error: string }[] }> {
    const g = run.genres.length
    for (let s = 0; s < posters.length; s += 256) {
      const part = posters.slice(s, s + 256)
      const { probs } = await this.worker.call('predictCnn', { weightsDir: run.weightsPath, paths: part.map((p) => p.path) }, { signal })
      onChunk(part.map((poster, i) => ({ poster, probs: probs.slice(i * g, (i + 1) * g) })))
    }
    return { failed: [] }
  }

  /**
   * The catalog feature set a head run was trained on (its recorded version); a run of another
   * backbone or of a version this build does not know is refused.
   */
  runFeatures(run: StoredRun): FeatureSet {
    const f = run.features === null ? undefined : featureSetByVersion(run.features)
    if (run.backbone !== this.backbone.id)
      throw new ApiError('conflict', `run ${run.id} was trained on the backbone ${run.backbone}, this library now uses ${this.backbone.id}; retrain`)
    if (!f)
      throw new ApiError(
        'conflict',
        `run ${run.id} was trained on the feature set ${run.features ?? '(none recorded)'}, which this version of Posterity does not know (it knows ${Object.values(FEATURE_SETS)
          .map((x) => x.version)
          .join(', ')}); retrain`,
      )
    return f
  }
}

export function featureSetName(f: FeatureSet): string {
  return Object.entries(FEATURE_SETS).find(([, v]) => v.version === f.version)![0]
}

const services = new WeakMap<Db, ModelService>()

/** The one model service of an open library (handlers and CLI commands share it). */
export function modelService(ctx: CoreContext): ModelService {
  let s = services.get(ctx.db)
  if (!s) services.set(ctx.db, (s = new ModelService(ctx)))
  return s
}

/** The library `db` is closing: its model worker stops now rather than after its idle time. */
export function stopModelService(db: Db): void {
  services.get(db)?.worker.stop()
  services.delete(db)
}
