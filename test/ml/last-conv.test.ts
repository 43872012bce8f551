// The backbone's last 1x1 convolution rebuilt in TensorFlow.js (train/last-conv.ts) must give
// the pooled embedding onnxruntime gives, on real posters: fed the same 320-channel map, the
// rebuilt layer (dequantized weights, bias, ReLU6 clamp, mean pool) matches the int8 graph
// within its quantization step. And it must train: gradients reach the weights.
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import * as ort from 'onnxruntime-node'
import { buildFeatureGraph, findPooledEmbedding } from '../../src/main/ml/onnx/features'
import { initializerValues, parseModel, withExtraOutputs } from '../../src/main/ml/onnx/graph'
import { decodeViews, toChw } from '../../src/main/ml/embed/preprocess'
import { MOBILENET_V2 } from '../../src/main/ml/backbone/catalog'
import { lastConvWeights, pooledFromMaps } from '../../src/main/ml/train/last-conv'
import { loadTf } from '../../src/main/ml/train/tf-backend'

const modelsDir = process.env.POSTERITY_MODELS ?? resolve(__dirname, '../../../shared/models')
const datasetDir = process.env.POSTERITY_DATASET ?? resolve(__dirname, '../../../shared/datasets/movie-posters')
const stock = join(modelsDir, MOBILENET_V2.file)
const have = existsSync(stock) && existsSync(join(datasetDir, 'posters'))
if (!have) console.warn(`[test/ml] no backbone in ${modelsDir} or no posters in ${datasetDir}: skipping the rebuilt last-convolution tests`)

/** ORT's pooled embedding and the last convolution's input map ([n·hw, channels], channels last) for real posters. */
async function ortReference(bytes: Uint8Array, paths: string[]) {
  const l = lastConvWeights(bytes)
  const fg = buildFeatureGraph(bytes)
  const model = withExtraOutputs(fg.bytes, [{ opType: 'DequantizeLinear', inputs: [l.input.tensor, l.input.scaleTensor, l.input.zeroPointTensor], outputs: ['map'], name: 'map_dq' }], ['map'])
  const s = await ort.InferenceSession.create(model, { intraOpNumThreads: 1 })
  const size = MOBILENET_V2.preprocessing.size
  const plane = 3 * size * size
  const data = new Float32Array(paths.length * plane)
  for (const [i, p] of paths.entries()) toChw((await decodeViews(p, size, ['fill']))[0], MOBILENET_V2.preprocessing, data, i * plane)
  const res = await s.run({ [fg.input]: new ort.Tensor('float32', data, [paths.length, 3, size, size]) })
  await s.release()
  const map = res.map.data as Float32Array
  const [n, c, h, w] = res.map.dims as number[]
  const hw = h * w
  const hwc = new Float32Array(map.length)
  for (let i = 0; i < n; i++) for (let ch = 0; ch < c; ch++) for (let k = 0; k < hw; k++) hwc[(i * hw + k) * c + ch] = map[(i * c + ch) * hw + k]
  return { l, pooled: res[fg.taps[0].output].data as Float32Array, hwc, hw, n }
}

describe.skipIf(!have)('the last 1x1 convolution rebuilt in TensorFlow.js', () => {
  const bytes = have ? new Uint8Array(readFileSync(stock)) : new Uint8Array()
  const posters = have ? readdirSync(join(datasetDir, 'posters')).sort().filter((_, i) => i % 997 === 0).slice(0, 8).map((f) => join(datasetDir, 'posters', f)) : []

  it('finds the convolution structurally and dequantizes it', () => {
    const l = lastConvWeights(bytes)
    expect([l.inChannels, l.outChannels]).toEqual([320, 1280])
    // ReLU6 survives quantization as the uint8 output range.
    expect(l.lo).toBeCloseTo(0, 5)
    expect(l.hi).toBeGreaterThan(5.5)
    expect(l.hi).toBeLessThan(6.5)
    expect(l.w.some((v) => v !== 0)).toBe(true)
  })

  it('matches onnxruntime on real posters within the int8 pool step', async () => {
    const { tf } = await loadTf()
    const { l, pooled, hwc, hw, n } = await ortReference(bytes, posters)
    const g = parseModel(bytes)
    const pooledInfo = findPooledEmbedding(g)
    // The pooled embedding ORT returns is requantized to this step.
    const step = initializerValues(bytes, [pooledInfo.scale!]).get(pooledInfo.scale!)![0]
    const run = (bias: boolean) =>
      tf.tidy(() => pooledFromMaps(tf, tf.tensor2d(hwc, [n * hw, l.inChannels]), tf.tensor2d(l.w, [l.inChannels, l.outChannels]), tf.tensor1d(bias ? l.b : new Float32Array(l.outChannels)), hw, l).dataSync() as Float32Array)
    const maxDiff = (a: Float32Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - pooled[i])), 0)
    const mine = run(true)
    expect(mine.length).toBe(pooled.length)
    // Requantizing the conv output to uint8 before the pool, and the pool's own rounding: within two steps.
    expect(maxDiff(mine)).toBeLessThan(2 * step)
    // The same comparison fails for a rebuild that drops the bias: the tolerance is not vacuous.
    expect(maxDiff(run(false))).toBeGreaterThan(4 * step)
  })

  it('trains: the gradient of a loss on the pooled output reaches the weights', async () => {
    const { tf } = await loadTf()
    const { l, hwc, hw, n } = await ortReference(bytes, posters.slice(0, 2))
    const W = tf.variable(tf.tensor2d(l.w, [l.inChannels, l.outChannels]))
    const b = tf.variable(tf.tensor1d(l.b))
    const x = tf.tensor2d(hwc, [n * hw, l.inChannels])
    const { value, grads } = tf.variableGrads(() => tf.sum(tf.square(pooledFromMaps(tf, x, W, b, hw, l))) as never, [W, b])
    const gw = grads[W.name].dataSync() as Float32Array
    expect(Number.isFinite(value.dataSync()[0])).toBe(true)
    expect(gw.some((v) => v !== 0)).toBe(true)
    expect(gw.every((v) => Number.isFinite(v))).toBe(true)
    tf.dispose([W, b, x, value, ...Object.values(grads)])
  })
})
