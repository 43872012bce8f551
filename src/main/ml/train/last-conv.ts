// The backbone's last 1x1 convolution (MobileNetV2: 320 → 1280 channels, ReLU6, then the
// global-average pool that makes the pooled embedding), rebuilt in TensorFlow.js from the
// int8 ONNX weights so it can be trained with the head (partial fine-tuning). The layer is
// found structurally: the convolution whose output the pooled embedding averages. A 1x1
// convolution over an h×w map is one matrix product of the [h·w, in] pixels with the
// [in, out] weights, which the wasm backend trains (it lacks the conv filter gradient).
import type * as TF from '@tensorflow/tfjs'
import type { Tf } from './tf-backend'
import { findPooledEmbedding } from '../onnx/features'
import { initializerValues, parseModel } from '../onnx/graph'

export interface LastConvWeights {
  inChannels: number
  outChannels: number
  /** Dequantized weights, row-major [in × out] (ready for x·W). */
  w: Float32Array
  b: Float32Array
  /** The output clamp of the quantized layer: its uint8 range, [0, ~6] for ReLU6. */
  lo: number
  hi: number
  /** Quantization of the layer's input map (what a uint8 cache of it stores), with the graph's tensor names. */
  input: { tensor: string; scale: number; zeroPoint: number; scaleTensor: string; zeroPointTensor: string }
}

/** Dequantizes the pooled embedding's convolution: weight = scale·(q − zero point), bias = q·x_scale·w_scale. */
export function lastConvWeights(modelBytes: Uint8Array): LastConvWeights {
  const g = parseModel(modelBytes)
  const pooled = findPooledEmbedding(g)
  const conv = g.nodes.find((n) => n.outputs.includes(pooled.map))
  if (!conv || conv.opType !== 'QLinearConv') throw new Error(`backbone: the pooled map ${pooled.map} does not come from a quantized convolution (${conv?.opType ?? 'nothing'})`)
  // QLinearConv inputs: x, x_scale, x_zp, w, w_scale, w_zp, y_scale, y_zp, bias.
  const names = conv.inputs.slice(1, 9).filter((n) => n !== '')
  for (const n of names) if (!g.initializers.has(n)) throw new Error(`backbone: initializer ${n} of the last convolution is missing`)
  const wInit = g.initializers.get(conv.inputs[3])!
  const [out, inC, kh, kw] = wInit.dims
  if (kh !== 1 || kw !== 1) throw new Error(`backbone: the last convolution is ${kh}x${kw}, a 1x1 was expected`)
  const v = initializerValues(modelBytes, names)
  const xScale = v.get(conv.inputs[1])![0]
  const xZero = v.get(conv.inputs[2])![0]
  const q = v.get(conv.inputs[3])!
  const wScale = v.get(conv.inputs[4])!
  const wZero = v.get(conv.inputs[5])!
  const yScale = v.get(conv.inputs[6])![0]
  const yZero = v.get(conv.inputs[7])![0]
  const bias = conv.inputs[8] ? v.get(conv.inputs[8])! : new Array<number>(out).fill(0)
  const per = (a: number[], o: number) => (a.length === 1 ? a[0] : a[o])
  const w = new Float32Array(inC * out)
  const b = new Float32Array(out)
  for (let o = 0; o < out; o++) {
    const s = per(wScale, o)
    const z = per(wZero, o)
    for (let i = 0; i < inC; i++) w[i * out + o] = s * (q[o * inC + i] - z)
    b[o] = bias[o] * xScale * s
  }
  return { inChannels: inC, outChannels: out, w, b, lo: yScale * (0 - yZero), hi: yScale * (255 - yZero), input: { tensor: conv.inputs[0], scale: xScale, zeroPoint: xZero, scaleTensor: conv.inputs[1], zeroPointTensor: conv.inputs[2] } }
}

/**
 * uint8 maps [n × hw × in] (channels last, the quantized values) → float [n·hw, in], the
 * layer's dequantized input.
 */
export function dequantizeMaps(tf: Tf, maps: Uint8Array, rows: number[], hw: number, l: LastConvWeights): TF.Tensor2D {
  const per = hw * l.inChannels
  const out = new Float32Array(rows.length * per)
  const { scale, zeroPoint } = l.input
  rows.forEach((r, j) => {
    const src = maps.subarray(r * per, (r + 1) * per)
    const dst = j * per
    for (let k = 0; k < per; k++) out[dst + k] = scale * (src[k] - zeroPoint)
  })
  return tf.tensor2d(out, [rows.length * hw, l.inChannels])
}

/** Pooled embedding [n × out] of dequantized maps [n·hw × in]: matmul, bias, clamp, mean over the map. */
export function pooledFromMaps(tf: Tf, x: TF.Tensor2D, w: TF.Tensor2D, b: TF.Tensor1D, hw: number, l: Pick<LastConvWeights, 'lo' | 'hi' | 'outChannels'>): TF.Tensor2D {
  const z = tf.clipByValue(tf.add(tf.matMul(x, w), b), l.lo, l.hi)
  return tf.mean(tf.reshape(z, [x.shape[0] / hw, hw, l.outChannels]), 1) as TF.Tensor2D
}
