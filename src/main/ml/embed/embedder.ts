// Turns image files into feature vectors: sharp decodes and resizes in the libuv pool
// while onnxruntime runs the previous batch, with `lanes` batches in flight at once
// (one 1-thread session each), so both cores stay busy.
import * as ort from 'onnxruntime-node'
import { buildFeatureGraph } from '../onnx/features'
import { parseModel, withInputDims } from '../onnx/graph'
import { featureDims, type BackboneEntry, type FeatureSet, type ResizeView } from '../backbone/catalog'
import { decodeViews, imageError, toChw, type Strictness } from './preprocess'
import { openSession } from './session'

export interface EmbedOptions {
  batch?: number
  /** Concurrent decode+infer lanes, each with its own single-threaded session. */
  lanes?: number
  threadsPerLane?: number
  providers?: string[]
}

export interface EmbedItem {
  key: string
  source: string | Buffer
}

export interface EmbedResult {
  key: string
  vector: Float32Array | null
  error: string | null
}

/**
 * Images per onnxruntime run. Larger runs cost more per image on one thread: MobileNetV2 at
 * 224x320, per image 3.3 ms CPU in runs of 4, 3.6-3.8 ms in 8, 3.9-4.2 ms in 16, 4.1-4.6 ms
 * in 32 (2026-11-30, the 2-core machine; `npm run bench -- first-model-profile`).
 */
const INFER_IMAGES = 4

export class Embedder {
  private turn = 0
  /**
   * Input buffers of finished calls, reused: a fresh 3.4 MB Float32Array a run (zeroed, then
   * collected) cost the worker page faults and garbage collections; toChw overwrites every value.
   */
  private spare: Float32Array[] = []
  private constructor(
    readonly backbone: BackboneEntry,
    readonly features: FeatureSet,
    private sessions: ort.InferenceSession[],
    private outputs: string[],
    private input: string,
    readonly provider: string,
    readonly providerNotes: string[],
    readonly dims: number,
    private batch: number,
  ) {}

  static async open(modelBytes: Uint8Array, backbone: BackboneEntry, features: FeatureSet, opts: EmbedOptions = {}): Promise<Embedder> {
    // A non-square input: the fully convolutional backbone takes it once the input is re-declared.
    const bytes = features.input ? withInputDims(modelBytes, parseModel(modelBytes).inputs[0], ['N', 3, 'H', 'W']) : modelBytes
    const fg = buildFeatureGraph(bytes, features.inner ? backbone.innerStages : [])
    const lanes = opts.lanes ?? 2
    const first = await openSession(fg.bytes, { threads: opts.threadsPerLane ?? 1, providers: opts.providers })
    const sessions = [first.session]
    // An accelerator gets one lane; CPU lanes share the cores.
    const n = first.provider === 'cpu' ? lanes : 1
    for (let i = 1; i < n; i++) sessions.push((await openSession(fg.bytes, { threads: opts.threadsPerLane ?? 1, providers: [first.provider] })).session)
    const dims = featureDims(backbone, features)
    const perView = fg.dims
    if (perView * features.views.length !== dims) throw new Error(`backbone features: expected ${dims} dims, the graph gives ${perView * features.views.length}`)
    return new Embedder(backbone, features, sessions, fg.taps.map((t) => t.output), fg.input, first.provider, first.skipped, dims, opts.batch ?? 16)
  }

  /** Runs a batch of already-normalised images; returns the per-image tap vectors concatenated. */
  private get size(): { width: number; height: number } {
    const s = this.backbone.preprocessing.size
    return this.features.input ?? { width: s, height: s }
  }

  private async infer(session: ort.InferenceSession, data: Float32Array, n: number): Promise<Float32Array> {
    const { width, height } = this.size
    const res = await session.run({ [this.input]: new ort.Tensor('float32', data, [n, 3, height, width]) }, this.outputs)
    const per = this.dims / this.features.views.length
    const out = new Float32Array(n * per)
    let off = 0
    for (const name of this.outputs) {
      const t = res[name].data as Float32Array
      const c = t.length / n
      for (let i = 0; i < n; i++) out.set(t.subarray(i * c, (i + 1) * c), i * per + off)
      off += c
    }
    for (const name of Object.keys(res)) res[name].dispose?.()
    return out
  }

  /**
   * Embeds one batch: every decode starts at once, and each run of INFER_IMAGES is inferred as
   * soon as its images are decoded, while the later ones still decode. onnxruntime-node runs a
   * session on this JavaScript thread, so waiting for the whole batch left it idle while the
   * pool decoded, and the pool idle while it inferred.
   */
  private async embedBatch(session: ort.InferenceSession, items: EmbedItem[], strictness: Strictness = 'error'): Promise<EmbedResult[]> {
    const decodes = items.map((it) =>
      decodeViews(it.source, this.size, this.features.views, strictness).then(
        (v) => ({ v: v as Uint8Array[] | null, error: null as string | null }),
        (e: Error) => ({ v: null, error: imageError(e.message) }),
      ),
    )
    const out: EmbedResult[] = []
    for (let s = 0; s < items.length; s += INFER_IMAGES) {
      const decoded = await Promise.all(decodes.slice(s, s + INFER_IMAGES))
      const vectors = await this.inferViews(session, decoded.map((d) => d.v))
      decoded.forEach((d, j) => out.push({ key: items[s + j].key, vector: vectors[j], error: d.error }))
    }
    return out
  }

  /** Vectors of already decoded images (one RGB buffer per view each; null: skipped). */
  private async inferViews(session: ort.InferenceSession, decoded: (Uint8Array[] | null)[]): Promise<(Float32Array | null)[]> {
    const p = this.backbone.preprocessing
    const views = this.features.views
    const ok = decoded.map((v, i) => ({ v, i })).filter((x): x is { v: Uint8Array[]; i: number } => x.v !== null)
    const copies = this.features.mirror ? 2 : 1
    const plane = 3 * this.size.width * this.size.height
    const per = this.dims / views.length
    const vectors = ok.map(() => new Float32Array(this.dims))
    // One input buffer for the call's runs (each awaited before the next fills it), taken from
    // and given back to the spares; calls in flight at once each hold their own.
    const size = INFER_IMAGES * copies * plane
    const input = this.spare.pop() ?? new Float32Array(size)
    try {
      // Runs of a few images: onnxruntime's activations then stay in the cache (the same vectors).
      for (let vi = 0; vi < views.length; vi++) {
        for (let s = 0; s < ok.length; s += INFER_IMAGES) {
          const part = ok.slice(s, s + INFER_IMAGES)
          const data = part.length === INFER_IMAGES ? input : input.subarray(0, part.length * copies * plane)
          part.forEach((x, j) => {
            if (x.v[vi].length !== plane) throw new Error(`decoded view ${vi}: ${x.v[vi].length} bytes, expected ${plane}`)
            for (let c = 0; c < copies; c++) toChw(x.v[vi], p, data, (j * copies + c) * plane, c === 1, this.size)
          })
          const feats = await this.infer(session, data, part.length * copies)
          part.forEach((_x, j) => {
            const dst = vectors[s + j].subarray(vi * per, (vi + 1) * per)
            for (let c = 0; c < copies; c++) {
              const src = feats.subarray((j * copies + c) * per, (j * copies + c + 1) * per)
              for (let k = 0; k < per; k++) dst[k] += src[k] / copies
            }
          })
        }
      }
    } finally {
      if (this.spare.length < this.sessions.length) this.spare.push(input)
    }
    const byIndex = new Map(ok.map((x, j) => [x.i, vectors[j]]))
    return decoded.map((_v, i) => byIndex.get(i) ?? null)
  }

  /** The input each view must be decoded to (RGB, HWC), for callers that decode themselves. */
  get viewSpec(): { width: number; height: number; views: ResizeView[] } {
    return { ...this.size, views: this.features.views }
  }

  /**
   * Embeds images someone else decoded (the importer, from the decode that made the
   * thumbnail). Calls take the sessions in turn, so two calls in flight use both lanes.
   */
  async embedDecoded(items: { key: string; views: Uint8Array[] }[]): Promise<EmbedResult[]> {
    const session = this.sessions[this.turn++ % this.sessions.length]
    const vectors = await this.inferViews(session, items.map((it) => it.views))
    return items.map((it, i) => ({ key: it.key, vector: vectors[i], error: vectors[i] ? null : 'no pixels' }))
  }

  /**
   * Embeds image files someone else read (the importer, whose check that every pixel decodes
   * is this decode: `strictness` 'import' refuses what the importer refuses). Calls take the
   * sessions in turn, as embedDecoded's.
   */
  async embedEncoded(items: { key: string; bytes: Uint8Array }[], strictness: Strictness): Promise<EmbedResult[]> {
    const session = this.sessions[this.turn++ % this.sessions.length]
    const asBuffer = (b: Uint8Array) => (Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength))
    return this.embedBatch(session, items.map((it) => ({ key: it.key, source: asBuffer(it.bytes) })), strictness)
  }

  /**
   * Embeds every item, calling `onBatch` as batches finish (order not guaranteed).
   * `shouldStop` is polled between batches.
   */
  async run(items: EmbedItem[], onBatch: (results: EmbedResult[]) => void | Promise<void>, shouldStop: () => boolean = () => false): Promise<void> {
    let next = 0
    const lane = async (session: ort.InferenceSession) => {
      while (next < items.length && !shouldStop()) {
        const chunk = items.slice(next, next + this.batch)
        next += chunk.length
        await onBatch(await this.embedBatch(session, chunk))
      }
    }
    await Promise.all(this.sessions.map(lane))
  }

  /** Bare inference on one ready batch (for the benchmark's baseline). */
  async inferOnly(data: Float32Array, n: number): Promise<void> {
    await this.infer(this.sessions[0], data, n)
  }

  async close(): Promise<void> {
    await Promise.all(this.sessions.map((s) => s.release()))
  }
}
