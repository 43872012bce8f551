// Explore's model-worker methods (pure compute, like the rest of the worker): the map layout
// and the occlusion heat map. methods.ts passes in its cached embedder and ensemble predictor.
import sharp from 'sharp'
import type { Embedder } from '../embed/embedder'
import type { HeadWeights } from '../train/head'
import { loadHeads } from '../store/weights'
import { headInput } from '../text/title-features'
import { placeAmong, umapLayout } from '../map-layout'
import type { WorkerHandlers } from './protocol'

export interface ExploreDeps {
  getEmbedder(modelPath: string, backbone: string, features: string, opts: { batch?: number; lanes?: number }): Promise<Embedder>
  ensemblePredict(heads: HeadWeights[], x: Float32Array): Promise<Float32Array>
}

export function exploreMethods(deps: ExploreDeps): Pick<WorkerHandlers, 'layout' | 'occlusion'> {
  return {
    async layout(args, ctx) {
      const x = ctx.data
      if (!x) throw new Error('layout needs the rows uploaded')
      const d = args.dims
      const n = x.length / d
      const fitRows = x.subarray(0, args.fit * d)
      const rest = x.subarray(args.fit * d)
      // Progress counts UMAP epochs and placed rows on one scale.
      const restN = n - args.fit
      let epochs = 0
      const report = (done: number, total: number) => {
        ctx.progress({ stage: 'projecting', done, total })
        return ctx.signal.aborted
      }
      const anchorXY =
        args.anchorXY ??
        umapLayout(fitRows, d, {
          seed: args.seed,
          onProgress: (done, total) => {
            epochs = total
            return done % 10 === 0 || done === total ? report(done, total + restN) : ctx.signal.aborted
          },
        })
      const placed = restN > 0 ? placeAmong(fitRows, anchorXY, rest, d, 5, (done) => report(epochs + done, epochs + restN)) : new Float32Array(0)
      const xy = new Float32Array(2 * n)
      if (!args.anchorXY) xy.set(anchorXY)
      xy.set(placed, 2 * args.fit)
      return { xy }
    },

    /**
     * Occlusion sensitivity: the poster at the model's input size, then one copy per grid cell
     * with that cell filled by the poster's mean colour; every copy embedded and scored by
     * the run's head. A cell's value is how much the genre's probability drops without it.
     */
    async occlusion(args, ctx) {
      const t0 = performance.now()
      const e = await deps.getEmbedder(args.modelPath, args.backbone, args.features, {})
      const { width, height } = e.features.input ?? { width: e.backbone.preprocessing.size, height: e.backbone.preprocessing.size }
      const { data } = await sharp(args.path, { failOn: 'error' })
        .rotate()
        .removeAlpha()
        .toColourspace('srgb')
        .resize(width, height, { fit: 'fill' })
        .raw()
        .toBuffer({ resolveWithObject: true })
      const mean = [0, 0, 0]
      for (let i = 0; i < data.length; i++) mean[i % 3] += data[i]
      for (let c = 0; c < 3; c++) mean[c] = Math.round(mean[c] / (data.length / 3))
      const cols = args.grid
      const rows = Math.max(2, Math.round((args.grid * height) / width))
      const variants: Buffer[] = [data]
      for (let gy = 0; gy < rows; gy++) {
        for (let gx = 0; gx < cols; gx++) {
          const v = Buffer.from(data)
          const x0 = Math.floor((gx * width) / cols), x1 = Math.floor(((gx + 1) * width) / cols)
          const y0 = Math.floor((gy * height) / rows), y1 = Math.floor(((gy + 1) * height) / rows)
          for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) for (let c = 0; c < 3; c++) v[(y * width + x) * 3 + c] = mean[c]
          variants.push(v)
        }
      }
      const total = variants.length
      // Lossless, uncompressed PNG: the embedder decodes it back to the very same pixels.
      const encoded = await Promise.all(variants.map((v) => sharp(v, { raw: { width, height, channels: 3 } }).png({ compressionLevel: 0 }).toBuffer()))
      const vectors = new Array<Float32Array | null>(total).fill(null)
      let done = 0
      await e.run(
        encoded.map((source, i) => ({ key: String(i), source })),
        (results) => {
          for (const r of results) {
            if (!r.vector) throw new Error(`occlusion: ${r.error ?? 'embedding failed'}`)
            vectors[Number(r.key)] = r.vector
          }
          done += results.length
          ctx.progress({ done, total })
        },
        () => ctx.signal.aborted,
      )
      if (ctx.signal.aborted) throw new Error('cancelled')
      const d = e.dims
      const x = new Float32Array(total * d)
      vectors.forEach((v, i) => x.set(v!, i * d))
      const heads = loadHeads(args.weightsDir)
      const g = heads[0].genres
      if (args.genre < 0 || args.genre >= g) throw new Error(`genre column ${args.genre} outside the run's ${g} genres`)
      const probs = await deps.ensemblePredict(heads, headInput(heads[0].dims, x, d, args.title ? new Array(total).fill(args.title) : undefined))
      const base = probs[args.genre]
      const drops = Array.from({ length: total - 1 }, (_, i) => base - probs[(i + 1) * g + args.genre])
      return { probability: base, cols, rows, drops, seconds: (performance.now() - t0) / 1000 }
    },
  }
}
