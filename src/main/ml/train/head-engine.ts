// Which engine takes the head's steps: TensorFlow.js's own (head-tf.ts), or one onnxruntime
// graph a step (head-onnx.ts), ~4x faster an epoch than TensorFlow.js's wasm backend on the
// same core. A native TensorFlow backend (tfjs-node, tfjs-node-gpu) keeps the steps; under
// wasm or cpu the onnxruntime graph takes them once it has proved itself here.
import type { LoadedTf, Tf } from './tf-backend'
import type { HeadEngineFactory, HeadEngineSpec } from './engine'
import { tfEngines, tfHeadEngine } from './head-tf'

export interface HeadEngines {
  factory: HeadEngineFactory
  /** The run's backend: 'onnxruntime' or TensorFlow.js's. */
  backend: string
  /** Why (what was tried first and failed). */
  reason: string
}

/** How the onnxruntime engine is loaded (tests hand in one that fails). */
export type OnnxEngineLoader = () => Promise<Pick<typeof import('./head-onnx'), 'onnxHeadEngine'>>
const loadOnnx: OnnxEngineLoader = () => import('./head-onnx')

/** Proofs by loader: the real one is proved once a process. */
const proofs = new WeakMap<OnnxEngineLoader, Promise<string | null>>()

/**
 * Whether onnxruntime's step graph loads and computes here: one step of a tiny head checked
 * against TensorFlow.js's engine. The failure's first line, or null when it works.
 */
function proveOnnx(tf: Tf, load: OnnxEngineLoader): Promise<string | null> {
  const known = proofs.get(load)
  if (known) return known
  const proof = (async () => {
    try {
      const { onnxHeadEngine } = await load()
      const spec: HeadEngineSpec = {
        dims: 3,
        genres: 2,
        hidden: 2,
        loss: 'bce',
        weightDecay: 0.1,
        aslGammaNeg: 2,
        aslClip: 0.05,
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
  proofs.set(load, proof)
  return proof
}

/**
 * The engines for the loaded TensorFlow.js: onnxruntime's under wasm or cpu once proved, else
 * TensorFlow.js's own. onnxruntime computes each step on `threads` threads (it trains in this
 * thread only, one training after another; TensorFlow.js's wasm trains one per worker thread).
 */
export async function headEngines(loaded: Pick<LoadedTf, 'tf' | 'backend'>, threads = 1, load: OnnxEngineLoader = loadOnnx): Promise<HeadEngines> {
  const { tf, backend } = loaded
  const own = tfEngines(tf)
  if (backend !== 'wasm' && backend !== 'cpu') return { factory: own, backend, reason: `${backend}: a native TensorFlow.js backend trains the head` }
  const failed = await proveOnnx(tf, load)
  if (failed !== null) return { factory: own, backend, reason: `${backend}: onnxruntime did not take the head's steps here (${failed})` }
  const { onnxHeadEngine } = await load()
  return {
    backend: 'onnxruntime',
    reason: `onnxruntime: the head's steps run as one graph on its native CPU kernels, faster than TensorFlow.js ${backend} (which trains the asymmetric loss)`,
    // A graph that cannot be built for this head (or a session that cannot open) leaves it to TensorFlow.js.
    factory: async (spec) => (await onnxHeadEngine(spec, threads).catch(() => null)) ?? tfHeadEngine(tf, spec),
  }
}
