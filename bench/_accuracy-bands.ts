// Where on the poster: the accuracy bench's band features. The pooled embedding averages the
// backbone's last map over the whole poster, so a face at the top and a title at the bottom
// read alike. These features average the same map over horizontal bands (top, middle,
// bottom) instead, from the cached 320-channel map entering the last 1x1 convolution: either
// that map itself (`bands`, 3 x 320) or the convolution's 1280-channel output (`bands1280`,
// 3 x 1280, the same layer and clamp the pooled embedding averages), run on onnxruntime.
import * as ort from 'onnxruntime-node'
import { readFileSync } from 'node:fs'
import { buildModel } from '../src/main/ml/onnx/graph'
import { lastConvWeights } from '../src/main/ml/train/last-conv'
import type { ViewCache } from './_accuracy-views'

/** Row ranges of the map (rows × cols positions, row-major) that make the bands. */
function bandRows(rows: number, bands: number): [number, number][] {
  return Array.from({ length: bands }, (_, b) => [Math.round((b * rows) / bands), Math.round(((b + 1) * rows) / bands)])
}

/** Band means of the dequantized 320-channel map: n × (bands · channels). */
export function mapBands(map: ViewCache['map'], n: number, cols: number, bands = 3): Float32Array {
  const { hw, channels, scale, zeroPoint } = map
  const rows = hw / cols
  const ranges = bandRows(rows, bands)
  const out = new Float32Array(n * bands * channels)
  const per = hw * channels
  for (let i = 0; i < n; i++) {
    const m = map.fill.subarray(i * per, (i + 1) * per)
    ranges.forEach(([r0, r1], b) => {
      const o = (i * bands + b) * channels
      for (let p = r0 * cols; p < r1 * cols; p++) for (let c = 0; c < channels; c++) out[o + c] += m[p * channels + c]
      const k = (r1 - r0) * cols
      for (let c = 0; c < channels; c++) out[o + c] = (out[o + c] / k - zeroPoint) * scale
    })
  }
  return out
}

/** Band means of the last convolution's clamped output (the pooled embedding's map): n × (bands · 1280). */
export async function convBands(modelPath: string, map: ViewCache['map'], n: number, cols: number, bands = 3): Promise<Float32Array> {
  const l = lastConvWeights(new Uint8Array(readFileSync(modelPath)))
  const { hw, channels, scale, zeroPoint } = map
  const out = l.outChannels
  const bytes = buildModel({
    name: 'bands',
    inputs: [['X', ['M', channels]]],
    outputs: [['Y', ['M', out]]],
    constants: { W: { dims: [channels, out], values: l.w }, B: { dims: [out], values: l.b }, LO: { dims: [], values: Float32Array.of(l.lo) }, HI: { dims: [], values: Float32Array.of(l.hi) } },
    nodes: [
      { op: 'MatMul', inputs: ['X', 'W'], outputs: ['Z'] },
      { op: 'Add', inputs: ['Z', 'B'], outputs: ['A'] },
      { op: 'Clip', inputs: ['A', 'LO', 'HI'], outputs: ['Y'] },
    ],
  })
  const session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 2, logSeverityLevel: 3 })
  const rows = hw / cols
  const ranges = bandRows(rows, bands)
  const result = new Float32Array(n * bands * out)
  const chunk = 128
  const per = hw * channels
  for (let s = 0; s < n; s += chunk) {
    const e = Math.min(n, s + chunk)
    const x = new Float32Array((e - s) * per)
    const q = map.fill.subarray(s * per, e * per)
    for (let j = 0; j < q.length; j++) x[j] = (q[j] - zeroPoint) * scale
    const y = (await session.run({ X: new ort.Tensor('float32', x, [(e - s) * hw, channels]) })).Y.data as Float32Array
    for (let i = s; i < e; i++) {
      const base = (i - s) * hw * out
      ranges.forEach(([r0, r1], b) => {
        const o = (i * bands + b) * out
        for (let p = r0 * cols; p < r1 * cols; p++) for (let c = 0; c < out; c++) result[o + c] += y[base + p * out + c]
        const k = (r1 - r0) * cols
        for (let c = 0; c < out; c++) result[o + c] /= k
      })
    }
  }
  await session.release()
  return result
}
