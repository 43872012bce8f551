// The convolutional network of the original poster project, trained end to end from
// pixels: four conv blocks (conv → batch norm → max-pool → dropout) and two dense layers
// with sigmoid outputs. Meant for machines with a GPU backend; on CPU only a smoke run.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import sharp from 'sharp'
import type * as TF from '@tensorflow/tfjs'
import type { Tf } from './tf-backend'
import { binaryAccuracy, evaluate } from '../eval/metrics'
import type { ModelEvaluation } from '../../../shared/api'
import type { TrainProgress } from './progress'

export interface CnnArgs {
  items: { path: string; labels: number[] }[]
  genres: string[]
  inputSize: number
  epochs: number
  seed: number
  val: number[]
  prior: number[]
  weightsDir: string
}

interface Ctx {
  signal: AbortSignal
  progress(d: TrainProgress): void
}

/** Posters a batch: small enough for steady progress, large enough for the wasm matmuls. */
export const CNN_BATCH = 32
/** Default input side: an epoch over the 8,052 shared posters fits in minutes on one wasm thread. */
export const CNN_INPUT = 48
/** Per-batch progress at most this often (ms). */
const BATCH_REPORT_MS = 500

export function buildCnn(tf: Tf, inputSize: number, genres: number, seed: number): TF.Sequential {
  const m = tf.sequential()
  const filters = [16, 32, 64, 64]
  filters.forEach((f, i) => {
    m.add(
      tf.layers.conv2d({
        ...(i === 0 ? { inputShape: [inputSize, inputSize, 3] } : {}),
        filters: f,
        kernelSize: i === 0 ? 5 : 3,
        activation: 'relu',
        padding: 'same',
        kernelInitializer: tf.initializers.heNormal({ seed: seed + i }),
      }),
    )
    m.add(tf.layers.batchNormalization())
    m.add(tf.layers.maxPooling2d({ poolSize: 2 }))
    m.add(tf.layers.dropout({ rate: 0.25, seed: seed + 10 + i }))
  })
  m.add(tf.layers.flatten())
  m.add(tf.layers.dense({ units: 128, activation: 'relu', kernelInitializer: tf.initializers.heNormal({ seed: seed + 20 }) }))
  m.add(tf.layers.dropout({ rate: 0.5, seed: seed + 21 }))
  m.add(tf.layers.dense({ units: genres, activation: 'sigmoid', kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 22 }) }))
  return m
}

/** Posters as [n, size, size, 3] floats in [0, 1]. */
export async function loadPixels(paths: string[], size: number): Promise<Float32Array> {
  const out = new Float32Array(paths.length * size * size * 3)
  await Promise.all(
    paths.map(async (p, i) => {
      const buf = await sharp(p, { limitInputPixels: 100_000_000 }).removeAlpha().toColourspace('srgb').resize(size, size, { fit: 'fill' }).raw().toBuffer()
      for (let k = 0; k < buf.length; k++) out[i * buf.length + k] = buf[k] / 255
    }),
  )
  return out
}

export async function trainCnn(tf: Tf, a: CnnArgs, ctx: Ctx): Promise<{ evaluation: ModelEvaluation; thresholds: number[]; epochs: { epoch: number; loss: number; valLoss: number; valMacroAp: number; seconds: number }[]; seconds: number }> {
  const t0 = performance.now()
  const g = a.genres.length
  const s = a.inputSize
  const n = a.items.length
  const isVal = new Set(a.val)
  const trainIdx = a.items.map((_, i) => i).filter((i) => !isVal.has(i))
  const valIdx = a.val.length ? a.val : trainIdx.slice(0, Math.max(1, Math.floor(n / 5)))
  const px = await loadPixels(a.items.map((it) => it.path), s)
  const y = new Float32Array(n * g)
  a.items.forEach((it, i) => it.labels.forEach((c) => (y[i * g + c] = 1)))
  const take = (idx: number[]) => {
    const X = new Float32Array(idx.length * s * s * 3)
    const Y = new Float32Array(idx.length * g)
    idx.forEach((r, j) => {
      X.set(px.subarray(r * s * s * 3, (r + 1) * s * s * 3), j * s * s * 3)
      Y.set(y.subarray(r * g, (r + 1) * g), j * g)
    })
    return [tf.tensor4d(X, [idx.length, s, s, 3]), tf.tensor2d(Y, [idx.length, g])] as const
  }
  const [xt, yt] = take(trainIdx)
  const [xv, yv] = take(valIdx)
  const model = buildCnn(tf, s, g, a.seed)
  model.compile({ optimizer: tf.train.adam(1e-3), loss: 'binaryCrossentropy' })
  const epochs: { epoch: number; loss: number; valLoss: number; valMacroAp: number; seconds: number }[] = []
  const batches = Math.ceil(trainIdx.length / CNN_BATCH)
  const backend = tf.getBackend()
  try {
    for (let e = 1; e <= a.epochs; e++) {
      if (ctx.signal.aborted) throw new Error('cancelled')
      const te = performance.now()
      let reported = te
      const h = await model.fit(xt, yt, {
        epochs: 1,
        batchSize: CNN_BATCH,
        shuffle: true,
        validationData: [xv, yv],
        verbose: 0,
        callbacks: {
          onBatchEnd: async (batch, logs) => {
            // A cancel stops within a batch, not at the end of a slow epoch.
            if (ctx.signal.aborted) model.stopTraining = true
            const now = performance.now()
            if (now - reported < BATCH_REPORT_MS && batch + 1 < batches) return
            reported = now
            ctx.progress({ member: 0, members: 1, maxEpochs: a.epochs, backend, batch: { epoch: e, batch: batch + 1, batches, loss: Number(logs?.loss ?? 0), seconds: (now - te) / 1000 } })
          },
        },
      })
      if (ctx.signal.aborted) throw new Error('cancelled')
      const pv = (model.predict(xv) as TF.Tensor).dataSync() as Float32Array
      const ev = evaluate(pv, yv.dataSync() as Float32Array, a.genres, a.prior)
      const rep = { epoch: e, loss: Number(h.history.loss[0]), valLoss: Number(h.history.val_loss[0]), valMacroAp: ev.model.macroAp, seconds: (performance.now() - te) / 1000 }
      epochs.push(rep)
      ctx.progress({ member: 0, members: 1, maxEpochs: a.epochs, report: rep, backend })
    }
    const pv = (model.predict(xv) as TF.Tensor).dataSync() as Float32Array
    const truth = yv.dataSync() as Float32Array
    const evaluation = evaluate(pv, truth, a.genres, a.prior)
    const thresholds = a.genres.map((name) => [...evaluation.genres, ...evaluation.rare].find((m) => m.genre === name)?.threshold ?? 0.5)
    // What the original projects reported (every cell at 0.5), beside calling every genre absent.
    evaluation.binaryAccuracy = binaryAccuracy(pv, truth, a.genres.map(() => 0.5))
    await saveCnn(tf, model, a.weightsDir, s)
    return { evaluation, thresholds, epochs, seconds: (performance.now() - t0) / 1000 }
  } finally {
    tf.dispose([xt, yt, xv, yv])
    model.dispose()
  }
}

async function saveCnn(tf: Tf, model: TF.Sequential, dir: string, inputSize: number): Promise<void> {
  mkdirSync(dir, { recursive: true })
  await model.save(
    tf.io.withSaveHandler(async (art) => {
      writeFileSync(join(dir, 'cnn.json'), JSON.stringify({ format: 'posterity-cnn-v1', inputSize, modelTopology: art.modelTopology, weightSpecs: art.weightSpecs }))
      writeFileSync(join(dir, 'cnn.bin'), Buffer.from(art.weightData as ArrayBuffer))
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } }
    }),
  )
}

export async function predictCnn(tf: Tf, dir: string, paths: string[]): Promise<Float32Array> {
  const meta = JSON.parse(readFileSync(join(dir, 'cnn.json'), 'utf8')) as { inputSize: number; modelTopology: object; weightSpecs: TF.io.WeightsManifestEntry[] }
  const bin = readFileSync(join(dir, 'cnn.bin'))
  const model = await tf.loadLayersModel(
    tf.io.fromMemory({ modelTopology: meta.modelTopology, weightSpecs: meta.weightSpecs, weightData: new Uint8Array(bin).buffer }),
  )
  const s = meta.inputSize
  const px = await loadPixels(paths, s)
  const x = tf.tensor4d(px, [paths.length, s, s, 3])
  const p = model.predict(x) as TF.Tensor
  const out = p.dataSync() as Float32Array
  tf.dispose([x, p])
  model.dispose()
  return out
}
