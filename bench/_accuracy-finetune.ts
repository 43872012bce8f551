// Partial fine-tuning for the accuracy bench: the backbone's last 1x1 convolution (320 → 1280,
// dequantized from the int8 ONNX weights, src/main/ml/train/last-conv.ts) trained together
// with the head, from the cached 320-channel maps, one onnxruntime graph a step
// (bench/_finetune-graph.ts). Two stages: the head alone on the
// frozen features (the product's head, early-stopped), then convolution + head jointly at a
// small learning rate, the convolution pulled towards its pretrained weights (L2-SP), early
// stopping on a grouped tenth of the training side.
import { headEngines } from '../src/main/ml/train/head-engine'
import { readFileSync } from 'node:fs'
import * as ort from 'onnxruntime-node'
import { finetunePredictGraph, finetuneStepGraph, paramShapes, PARAMS, type FineTuneShape } from './_finetune-graph'
import type { Tf } from '../src/main/ml/train/tf-backend'
import { macroAp, trainHead, type HeadConfig } from '../src/main/ml/train/head'
import { lastConvWeights } from '../src/main/ml/train/last-conv'
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
  /** Weight decay of stage 2 (head weights towards 0, the convolution towards its pretrained weights); default the head's. */
  weightDecay?: number
  log: (s: string) => void
}

export async function fineTuneLastConv(tf: Tf, o: FineTuneInput): Promise<{ predict(rows: number[]): Promise<Float32Array>; epochSeconds: number[] }> {
  const l = lastConvWeights(new Uint8Array(readFileSync(o.modelPath)))
  if (l.inChannels !== o.maps.channels) throw new Error(`maps have ${o.maps.channels} channels, the layer takes ${l.inChannels}`)
  const { hw } = o.maps
  const g = o.genres
  const pooledDims = l.outChannels
  const innerDims = o.dims - pooledDims
  const t0 = performance.now()
  const h0 = await trainHead((await headEngines({ tf, backend: tf.getBackend() }, 2)).factory, { x: o.x, y: o.y, dims: o.dims, genres: g, train: o.train, earlyStop: o.stop, val: [] }, o.head)
  o.log(`stage 1, head on frozen features: best epoch ${h0.bestEpoch}, stop macro-AP ${h0.epochs[h0.bestEpoch - 1].valMacroAp.toFixed(3)}, ${((performance.now() - t0) / 1000).toFixed(0)} s`)
  const w = h0.weights
  // Stage 2 on onnxruntime: one graph a step (bench/_finetune-graph.ts).
  const shape: FineTuneShape = { hw, channels: l.inChannels, out: pooledDims, inner: innerDims, hidden: w.hidden, genres: g, scale: l.input.scale, zeroPoint: l.input.zeroPoint, lo: l.lo, hi: l.hi }
  const options: ort.InferenceSession.SessionOptions = { intraOpNumThreads: 2, interOpNumThreads: 1, graphOptimizationLevel: 'all', logSeverityLevel: 3, extra: { session: { intra_op: { allow_spinning: '0' } } } }
  const [stepS, predictS] = await Promise.all([ort.InferenceSession.create(finetuneStepGraph(shape), options), ort.InferenceSession.create(finetunePredictGraph(shape), options)])
  const sh = paramShapes(shape)
  const T = (a: Float32Array, dims: number[]) => new ort.Tensor('float32', a, dims)
  const W0 = Float32Array.from(l.w)
  let params: Record<string, Float32Array> = { W: W0.slice(), B: Float32Array.from(l.b), W1: w.w1, B1: w.b1, W2: w.w2!, B2: w.b2! }
  const m: Record<string, Float32Array> = Object.fromEntries(PARAMS.map((p) => [p, new Float32Array(params[p].length)]))
  const v: Record<string, Float32Array> = Object.fromEntries(PARAMS.map((p) => [p, new Float32Array(params[p].length)]))
  const per = hw * l.inChannels
  const mapsOf = (rows: number[]) => {
    const out = new Uint8Array(rows.length * per)
    rows.forEach((r, j) => out.set(o.maps.fill.subarray(r * per, (r + 1) * per), j * per))
    return new ort.Tensor('uint8', out, [rows.length * hw, l.inChannels])
  }
  const innerOf = (rows: number[]) => {
    const out = new Float32Array(rows.length * innerDims)
    rows.forEach((r, i) => out.set(o.x.subarray(r * o.dims + pooledDims, (r + 1) * o.dims), i * innerDims))
    return T(out, [rows.length, innerDims])
  }
  const common = () => ({ MEAN: T(w.mean, [o.dims]), STD: T(w.std, [o.dims]), ...Object.fromEntries(PARAMS.map((p) => [p, T(params[p], sh[p])])) })
  const predict = async (rows: number[]): Promise<Float32Array> => {
    const out = new Float32Array(rows.length * g)
    for (let s = 0; s < rows.length; s += 256) {
      const part = rows.slice(s, s + 256)
      const r = await predictS.run({ MQ: mapsOf(part), INNER: innerOf(part), ...common() })
      out.set(r.P.data as Float32Array, s * g)
    }
    return out
  }
  const stopY = new Float32Array(o.stop.length * g)
  o.stop.forEach((r, i) => stopY.set(o.y.subarray(r * g, (r + 1) * g), i * g))
  const score = async () => macroAp(await predict(o.stop), stopY, g)
  let best = { score: await score(), epoch: 0, weights: params }
  o.log(`stage 2 starts from stop macro-AP ${best.score.toFixed(3)} (onnxruntime, lr ${o.lr ?? 1e-4}, batch ${o.batch ?? 64}, weight decay ${o.weightDecay ?? o.head.weightDecay})`)
  const rand = mulberry32(o.head.seed)
  const batch = o.batch ?? 64
  const lr0 = o.lr ?? 1e-4
  const wd = o.weightDecay ?? o.head.weightDecay
  const epochSeconds: number[] = []
  let step = 0
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
      step++
      const lr = (lr0 * Math.sqrt(1 - 0.999 ** step)) / (1 - 0.9 ** step)
      const feeds: Record<string, ort.Tensor> = { MQ: mapsOf(rows), INNER: innerOf(rows), ...common(), Y: T(yb, [rows.length, g]), LR: T(Float32Array.of(lr), []), INVN: T(Float32Array.of(1 / rows.length), []), WD: T(Float32Array.of(wd), []), W0: T(W0, sh.W) }
      for (const p of PARAMS) {
        feeds[`M_${p}`] = T(m[p], sh[p])
        feeds[`V_${p}`] = T(v[p], sh[p])
      }
      const r = await stepS.run(feeds)
      params = Object.fromEntries(PARAMS.map((p) => [p, r[`NEW_${p}`].data as Float32Array]))
      for (const p of PARAMS) {
        m[p] = r[`NEWM_${p}`].data as Float32Array
        v[p] = r[`NEWV_${p}`].data as Float32Array
      }
      lossSum += (r.LOSS.data as Float32Array)[0] * rows.length
    }
    const sc = await score()
    epochSeconds.push((performance.now() - e0) / 1000)
    o.log(`stage 2 epoch ${epoch}: loss ${(lossSum / order.length).toFixed(4)}, stop macro-AP ${sc.toFixed(3)}, ${epochSeconds[epochSeconds.length - 1].toFixed(1)} s`)
    if (sc > best.score) best = { score: sc, epoch, weights: params }
    else if (epoch - best.epoch >= 3) break
  }
  params = best.weights
  o.log(`stage 2 kept epoch ${best.epoch} (stop macro-AP ${best.score.toFixed(3)})`)
  return { predict, epochSeconds }
}
