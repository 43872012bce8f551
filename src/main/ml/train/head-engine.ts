// Where the head's steps compute (head.ts runs the epochs, early stopping and snapshots):
// TensorFlow.js (head.ts's headGradients and Adam in tf ops), or one onnxruntime graph per
// step (head-onnx.ts), which is ~5x faster than TensorFlow.js's wasm backend on the same
// core. A native TensorFlow backend (tfjs-node, tfjs-node-gpu) keeps the steps; under wasm
// or cpu the onnxruntime graph takes them once it has proved itself here.
import type * as TF from '@tensorflow/tfjs'
import type { LoadedTf, Tf } from './tf-backend'
import { headGradients, type HeadConfig } from './head'

/** What an engine needs to build a head's step: shapes, loss, and the initial parameters. */
export interface HeadEngineSpec {
  dims: number
  genres: number
  hidden: number
  loss: HeadConfig['loss']
  weightDecay: number
  cfg: HeadConfig
  /** [W1, b1] or [W1, b1, W2, b2], row-major. */
  init: Float32Array[]
  /** Per-genre positive weight (the balanced loss). */
  posWeight: Float32Array
}

/** One training's steps: batches and held-out rows given once, standardised. */
export interface HeadEngine {
  readonly name: string
  addBatch(x: Float32Array, y: Float32Array, n: number): void
  /** Rows predicted after every epoch (early stopping, validation); returns the set's index. */
  addHeld(x: Float32Array, n: number): number
  /** One Adam step on batch `i` at the bias-corrected rate `lr`; the batch's mean cross-entropy. */
  step(i: number, lr: number): Promise<number>
  /** Probabilities of held-out set `i` with the current parameters. */
  predictHeld(i: number): Promise<Float32Array>
  /** Copies of the current parameters, in `init`'s order. */
  weights(): Float32Array[]
  dispose(): void
}

export type HeadEngineFactory = (spec: HeadEngineSpec) => Promise<HeadEngine>

const ADAM = { beta1: 0.9, beta2: 0.999, eps: 1e-8 }

function bceLoss(tf: Tf, p: TF.Tensor2D, y: TF.Tensor2D): TF.Scalar {
  const e = 1e-7
  return tf.neg(tf.mean(tf.add(tf.mul(y, tf.log(tf.add(p, e))), tf.mul(tf.sub(1, y), tf.log(tf.sub(1 + e, p)))))) as TF.Scalar
}

/** The TensorFlow.js engine: batches gathered and transposed once, so no step transposes. */
export function tfHeadEngine(tf: Tf, spec: HeadEngineSpec): HeadEngine {
  const { dims: d, genres: g, hidden: h } = spec
  const shapes = h ? [[d, h], [h], [h, g], [g]] : [[d, g], [g]]
  const params = spec.init.map((a, i) => tf.variable(tf.tensor(a, shapes[i])))
  const m = params.map((p) => tf.variable(tf.zerosLike(p)))
  const v = params.map((p) => tf.variable(tf.zerosLike(p)))
  const posWeight = tf.tensor1d(spec.posWeight)
  const batches: { x: TF.Tensor2D; xt: TF.Tensor2D; y: TF.Tensor2D; n: number }[] = []
  const held: (TF.Tensor2D | null)[] = []
  return {
    name: tf.getBackend(),
    addBatch(x, y, n) {
      const xs = tf.tensor2d(x, [n, d])
      batches.push({ x: xs, xt: tf.transpose(xs) as TF.Tensor2D, y: tf.tensor2d(y, [n, g]), n })
    },
    addHeld(x, n) {
      return held.push(n ? tf.tensor2d(x, [n, d]) : null) - 1
    },
    async step(i, lr) {
      const b = batches[i]
      const loss = tf.tidy(() => {
        const { p, grads } = headGradients(tf, params, b, spec.cfg, posWeight)
        grads.forEach((gw, k) => {
          m[k].assign(tf.add(tf.mul(m[k], ADAM.beta1), tf.mul(gw, 1 - ADAM.beta1)))
          v[k].assign(tf.add(tf.mul(v[k], ADAM.beta2), tf.mul(tf.square(gw), 1 - ADAM.beta2)))
          params[k].assign(tf.sub(params[k], tf.mul(lr, tf.div(m[k], tf.add(tf.sqrt(v[k]), ADAM.eps)))))
        })
        return bceLoss(tf, p, b.y)
      })
      const value = (await loss.data())[0]
      loss.dispose()
      return value
    },
    async predictHeld(i) {
      const x = held[i]
      if (!x) return new Float32Array(0)
      return tf.tidy(() => {
        let z = tf.add(tf.matMul(x, params[0]), params[1]) as TF.Tensor2D
        if (h) z = tf.add(tf.matMul(tf.relu(z), params[2]), params[3]) as TF.Tensor2D
        return tf.sigmoid(z).dataSync() as Float32Array
      })
    },
    weights: () => params.map((p) => p.dataSync() as Float32Array),
    dispose() {
      tf.dispose([...params, ...m, ...v, posWeight, ...batches.flatMap((b) => [b.x, b.xt, b.y]), ...held.filter((t) => t !== null)])
    },
  }
}

/** Steps on TensorFlow.js alone (tests and benchmarks compare the engines with it). */
export const tfEngines =
  (tf: Tf): HeadEngineFactory =>
  async (spec) =>
    tfHeadEngine(tf, spec)

export interface HeadEngines {
  factory: HeadEngineFactory
  /** The run's backend: 'onnxruntime' or TensorFlow.js's. */
  backend: string
  /** Why (what was tried first and failed). */
  reason: string
}

let onnxProof: Promise<string | null> | null = null

/**
 * Whether onnxruntime's step graph loads and computes here: one step of a tiny head checked
 * against TensorFlow.js's engine. The failure's first line, or null when it works.
 */
function proveOnnx(tf: Tf): Promise<string | null> {
  onnxProof ??= (async () => {
    try {
      const { onnxHeadEngine } = await import('./head-onnx')
      const spec: HeadEngineSpec = {
        dims: 3,
        genres: 2,
        hidden: 2,
        loss: 'bce',
        weightDecay: 0.1,
        cfg: { hidden: 2, loss: 'bce', weightDecay: 0.1 } as HeadConfig,
        init: [Float32Array.of(0.1, -0.2, 0.3, 0.4, -0.5, 0.6), Float32Array.of(0, 0.1), Float32Array.of(0.7, -0.8, 0.9, 1), Float32Array.of(-1, 0.5)],
        posWeight: Float32Array.of(1, 1),
      }
      const x = Float32Array.of(1, 2, 3, -1, 0.5, 2)
      const y = Float32Array.of(1, 0, 0, 1)
      const engines = [(await onnxHeadEngine(spec))!, tfHeadEngine(tf, spec)]
      const got: number[][] = []
      for (const e of engines) {
        e.addBatch(x, y, 2)
        const loss = await e.step(0, 0.01)
        got.push([loss, ...e.weights().flatMap((w) => [...w])])
        e.dispose()
      }
      const off = got[0].findIndex((a, i) => !(Math.abs(a - got[1][i]) <= 1e-4 * (1 + Math.abs(got[1][i]))))
      return off < 0 ? null : `its step disagrees with TensorFlow.js's (value ${off}: ${got[0][off]} against ${got[1][off]})`
    } catch (err) {
      return (err instanceof Error ? err.message : String(err)).split('\n')[0]
    }
  })()
  return onnxProof
}

/**
 * The engines for the loaded TensorFlow.js: onnxruntime's under wasm or cpu once proved, else
 * TensorFlow.js's own. onnxruntime computes each step on `threads` threads (it trains in this
 * thread only, one training after another; TensorFlow.js's wasm trains one per worker thread).
 */
export async function headEngines(loaded: Pick<LoadedTf, 'tf' | 'backend'>, threads = 1): Promise<HeadEngines> {
  const { tf, backend } = loaded
  const own = tfEngines(tf)
  if (backend !== 'wasm' && backend !== 'cpu') return { factory: own, backend, reason: `${backend}: a native TensorFlow.js backend trains the head` }
  const failed = await proveOnnx(tf)
  if (failed !== null) return { factory: own, backend, reason: `${backend}: onnxruntime did not take the head's steps here (${failed})` }
  const { onnxHeadEngine } = await import('./head-onnx')
  return {
    backend: 'onnxruntime',
    reason: `onnxruntime: the head's steps run as one graph on its native CPU kernels, faster than TensorFlow.js ${backend} (which trains the asymmetric loss)`,
    // A graph that cannot be built for this head (or a session that cannot open) leaves it to TensorFlow.js.
    factory: async (spec) => (await onnxHeadEngine(spec, threads).catch(() => null)) ?? tfHeadEngine(tf, spec),
  }
}
