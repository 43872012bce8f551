// Partial fine-tuning for the accuracy bench: the backbone's last 1x1 convolution (320 → 1280,
// rebuilt in TensorFlow.js from the int8 ONNX weights, src/main/ml/train/last-conv.ts) trained
// together with the head, from the cached 320-channel maps. Two stages: the head alone on the
// frozen features (the product's head, early-stopped), then convolution + head jointly at a
// small learning rate, the convolution pulled towards its pretrained weights (L2-SP), early
// stopping on a grouped tenth of the training side.
import { tfEngines } from '../src/main/ml/train/head-tf'
import { readFileSync } from 'node:fs'
import type * as TF from '@tensorflow/tfjs'
import type { Tf } from '../src/main/ml/train/tf-backend'
import { macroAp, trainHead, type HeadConfig } from '../src/main/ml/train/head'
import { dequantizeMaps, lastConvWeights, pooledFromMaps } from '../src/main/ml/train/last-conv'
import { mulberry32 } from '../src/shared/random'

export interface FineTuneInput {
  modelPath: string
  maps: { fill: Uint8Array; hw: number; channels: number }
  /** Cached features of every poster [n × dims]: pooled (the part replaced), then inner stages (kept). */
  x: Float32Array
  y: Float32Array
  dims: number
  genres: number
  train: number[]
  stop: number[]
  epochs: number
  head: HeadConfig
  lr?: number
  batch?: number
  log: (s: string) => void
}

export async function fineTuneLastConv(tf: Tf, o: FineTuneInput): Promise<{ predict(rows: number[]): Float32Array; epochSeconds: number[] }> {
  const l = lastConvWeights(new Uint8Array(readFileSync(o.modelPath)))
  if (l.inChannels !== o.maps.channels) throw new Error(`maps have ${o.maps.channels} channels, the layer takes ${l.inChannels}`)
  const { hw } = o.maps
  const g = o.genres
  const pooledDims = l.outChannels
  const innerDims = o.dims - pooledDims
  const t0 = performance.now()
  const h0 = await trainHead(tfEngines(tf), { x: o.x, y: o.y, dims: o.dims, genres: g, train: o.train, earlyStop: o.stop, val: [] }, o.head)
  o.log(`stage 1, head on frozen features: best epoch ${h0.bestEpoch}, stop macro-AP ${h0.epochs[h0.bestEpoch - 1].valMacroAp.toFixed(3)}, ${((performance.now() - t0) / 1000).toFixed(0)} s`)
  const w = h0.weights
  const mean = tf.tensor1d(w.mean)
  const std = tf.tensor1d(w.std)
  const W0 = tf.tensor2d(l.w, [l.inChannels, l.outChannels])
  const vars = {
    W: tf.variable(W0.clone()),
    B: tf.variable(tf.tensor1d(l.b)),
    W1: tf.variable(tf.tensor2d(w.w1, [o.dims, w.hidden])),
    b1: tf.variable(tf.tensor1d(w.b1)),
    W2: tf.variable(tf.tensor2d(w.w2!, [w.hidden, g])),
    b2: tf.variable(tf.tensor1d(w.b2!)),
  }
  const inner = (rows: number[]) => {
    const out = new Float32Array(rows.length * innerDims)
    rows.forEach((r, i) => out.set(o.x.subarray(r * o.dims + pooledDims, (r + 1) * o.dims), i * innerDims))
    return tf.tensor2d(out, [rows.length, innerDims])
  }
  const logits = (rows: number[]): TF.Tensor2D => {
    const maps = dequantizeMaps(tf, o.maps.fill, rows, hw, l)
    const pooled = pooledFromMaps(tf, maps, vars.W, vars.B, hw, l)
    const z = tf.div(tf.sub(tf.concat([pooled, inner(rows)], 1), mean), std)
    return tf.add(tf.matMul(tf.relu(tf.add(tf.matMul(z, vars.W1), vars.b1)), vars.W2), vars.b2) as TF.Tensor2D
  }
  const predict = (rows: number[]): Float32Array => {
    const out = new Float32Array(rows.length * g)
    for (let s = 0; s < rows.length; s += 128) {
      const part = rows.slice(s, s + 128)
      const p = tf.tidy(() => tf.sigmoid(logits(part)))
      out.set(p.dataSync() as Float32Array, s * g)
      p.dispose()
    }
    return out
  }
  const stopY = new Float32Array(o.stop.length * g)
  o.stop.forEach((r, i) => stopY.set(o.y.subarray(r * g, (r + 1) * g), i * g))
  const score = () => macroAp(predict(o.stop), stopY, g)
  const snapshot = (): Record<string, TF.Tensor> => Object.fromEntries(Object.entries(vars).map(([k, v]) => [k, v.clone()]))
  let best = { score: score(), epoch: 0, weights: snapshot() }
  o.log(`stage 2 starts from stop macro-AP ${best.score.toFixed(3)}`)
  const opt = tf.train.adam(o.lr ?? 1e-4)
  const rand = mulberry32(o.head.seed)
  const batch = o.batch ?? 64
  const wd = o.head.weightDecay
  const epochSeconds: number[] = []
  for (let epoch = 1; epoch <= o.epochs; epoch++) {
    const e0 = performance.now()
    const order = [...o.train]
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1))
      ;[order[i], order[j]] = [order[j], order[i]]
    }
    let lossSum = 0
    for (let s = 0; s < order.length; s += batch) {
      const rows = order.slice(s, s + batch)
      const yb = new Float32Array(rows.length * g)
      rows.forEach((r, i) => yb.set(o.y.subarray(r * g, (r + 1) * g), i * g))
      const loss = tf.tidy(() => {
        const yt = tf.tensor2d(yb, [rows.length, g])
        return opt.minimize(() => {
          const z = logits(rows)
          // Mean over posters of the summed per-genre BCE (the head's loss), weight decay as in head.ts.
          const bce = tf.div(tf.sum(tf.sub(tf.softplus(z), tf.mul(yt, z))), rows.length)
          const decay = tf.mul(0.5 * wd, tf.add(tf.add(tf.sum(tf.square(vars.W1)), tf.sum(tf.square(vars.W2))), tf.sum(tf.square(tf.sub(vars.W, W0)))))
          return tf.add(bce, decay) as TF.Scalar
        }, true)!
      })
      lossSum += (await loss.data())[0] * rows.length
      loss.dispose()
      const b = s / batch + 1
      if (b % 25 === 0) o.log(`stage 2 epoch ${epoch}: batch ${b} of ${Math.ceil(order.length / batch)}, ${((performance.now() - e0) / 1000).toFixed(0)} s`)
    }
    const sc = score()
    epochSeconds.push((performance.now() - e0) / 1000)
    o.log(`stage 2 epoch ${epoch}: loss ${(lossSum / order.length).toFixed(4)}, stop macro-AP ${sc.toFixed(3)}, ${epochSeconds[epochSeconds.length - 1].toFixed(0)} s`)
    if (sc > best.score) {
      tf.dispose(Object.values(best.weights))
      best = { score: sc, epoch, weights: snapshot() }
    } else if (epoch - best.epoch >= 3) break
  }
  for (const [k, v] of Object.entries(vars) as [string, TF.Variable][]) v.assign(best.weights[k])
  tf.dispose(Object.values(best.weights))
  o.log(`stage 2 kept epoch ${best.epoch} (stop macro-AP ${best.score.toFixed(3)})`)
  return { predict, epochSeconds }
}
