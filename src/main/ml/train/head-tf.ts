// TensorFlow.js's head engine: the hand-written backward pass (headGradients, held against
// finite differences in test/ml/gradient-check.test.ts) and Adam in tf ops, on batches
// gathered and transposed once, so no step transposes.
import type * as TF from '@tensorflow/tfjs'
import type { Tf } from './tf-backend'
import type { HeadConfig } from './head'
import type { HeadEngine, HeadEngineFactory, HeadEngineSpec } from './engine'

/** What the loss needs of the head's configuration. */
type LossConfig = Pick<HeadConfig, 'loss' | 'weightDecay' | 'aslGammaNeg' | 'aslClip'>

/** dLoss/dlogit for each loss, before averaging over the batch. */
function logitGrad(tf: Tf, p: TF.Tensor2D, y: TF.Tensor2D, cfg: LossConfig, posWeight: TF.Tensor1D): TF.Tensor2D {
  if (cfg.loss === 'bce') return tf.sub(p, y)
  if (cfg.loss === 'balanced') {
    // w·y·(p−1) + (1−y)·p
    return tf.add(tf.mul(tf.mul(y, posWeight), tf.sub(p, 1)), tf.mul(tf.sub(1, y), p))
  }
  // Asymmetric loss (Ridnik et al. 2021), γ+ = 0: positives as BCE; negatives use the
  // shifted probability pm = max(p − m, 0) and the weight pm^γ−.
  const g = cfg.aslGammaNeg
  const pm = tf.relu(tf.sub(p, cfg.aslClip))
  const active = tf.cast(tf.greater(pm, 0), 'float32')
  const logTerm = tf.log(tf.sub(1 + 1e-6, pm))
  // dL/dpm = −γ pm^(γ−1) log(1−pm) + pm^γ / (1−pm)
  const dPm = tf.add(tf.mul(-g, tf.mul(tf.pow(tf.add(pm, 1e-12), g - 1), logTerm)), tf.div(tf.pow(pm, g), tf.sub(1 + 1e-6, pm)))
  const dNeg = tf.mul(tf.mul(dPm, active), tf.mul(p, tf.sub(1, p)))
  return tf.add(tf.mul(y, tf.sub(p, 1)), tf.mul(tf.sub(1, y), dNeg))
}

/** A batch as a step sees it: X, its transpose and the 0/1 labels, `n` rows. */
export interface HeadBatch {
  x: TF.Tensor2D
  xt: TF.Tensor2D
  y: TF.Tensor2D
  n: number
}

/**
 * The hand-written backward pass of one step: the probabilities and the gradient of
 * (1/n)·Σ rows Σ genres loss + (weightDecay/2)·‖W‖² (weight matrices only, not biases) for
 * params [W1, b1] or [W1, b1, W2, b2]. test/ml/gradient-check.test.ts holds it against finite
 * differences for each loss.
 */
export function headGradients(tf: Tf, params: TF.Tensor[], b: HeadBatch, cfg: LossConfig, posWeight: TF.Tensor1D): { p: TF.Tensor2D; grads: TF.Tensor[] } {
  const hidden = params.length === 4
  const z1 = tf.add(tf.matMul(b.x, params[0]), params[1]) as TF.Tensor2D
  const a1 = hidden ? tf.relu(z1) : z1
  const z = hidden ? (tf.add(tf.matMul(a1, params[2]), params[3]) as TF.Tensor2D) : z1
  const p = tf.sigmoid(z)
  const dz = tf.div(logitGrad(tf, p, b.y, cfg, posWeight), b.n) as TF.Tensor2D
  const grads: TF.Tensor[] = []
  if (hidden) {
    // Transposed explicitly: wasm's matMul with a transposed operand is slower than the
    // transpose and a plain product (0.9 and 1.2 ms against 0.4 and 0.3 ms a step here).
    const dw2 = tf.matMul(tf.transpose(a1), dz)
    const da1 = tf.mul(tf.matMul(dz, tf.transpose(params[2])), tf.cast(tf.greater(z1, 0), 'float32')) as TF.Tensor2D
    grads.push(tf.matMul(b.xt, da1), tf.sum(da1, 0), dw2, tf.sum(dz, 0))
  } else {
    grads.push(tf.matMul(b.xt, dz), tf.sum(dz, 0))
  }
  return { p, grads: grads.map((gr, i) => (i % 2 === 0 ? tf.add(gr, tf.mul(params[i], cfg.weightDecay)) : gr)) }
}

const ADAM = { beta1: 0.9, beta2: 0.999, eps: 1e-8 }

function bceLoss(tf: Tf, p: TF.Tensor2D, y: TF.Tensor2D): TF.Scalar {
  const e = 1e-7
  return tf.neg(tf.mean(tf.add(tf.mul(y, tf.log(tf.add(p, e))), tf.mul(tf.sub(1, y), tf.log(tf.sub(1 + e, p)))))) as TF.Scalar
}

/** The TensorFlow.js engine. */
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
        const { p, grads } = headGradients(tf, params, b, spec, posWeight)
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
