// The wasm backend's missing convolution filter gradient, registered by train/wasm-conv-grad.ts:
// checked against TensorFlow.js's own cpu kernels on the same numbers.
import { describe, expect, it } from 'vitest'
import * as tf from '@tensorflow/tfjs'
import { loadTf } from '../../src/main/ml/train/tf-backend'
import { im2col, registerWasmConvFilterGrad } from '../../src/main/ml/train/wasm-conv-grad'

const shape = [2, 9, 7, 3] as [number, number, number, number]
const xs = Float32Array.from({ length: 2 * 9 * 7 * 3 }, (_, i) => Math.sin(i))

async function filterGrad(backend: string, kernel: [number, number], pad: 'same' | 'valid'): Promise<Float32Array> {
  await tf.setBackend(backend)
  const w = tf.tensor4d(Float32Array.from({ length: kernel[0] * kernel[1] * 3 * 4 }, (_, i) => Math.cos(i * 1.7)), [...kernel, 3, 4])
  const x = tf.tensor4d(xs, shape)
  const g = tf.grad((f: tf.Tensor) => tf.conv2d(x, f as tf.Tensor4D, 1, pad).square().sum())(w)
  const out = g.dataSync() as Float32Array
  tf.dispose([w, x, g])
  return out
}

describe('wasm convolution filter gradient', () => {
  it('equals the cpu kernel for odd and even kernels, same and valid padding', async () => {
    const { backend } = await loadTf('wasm')
    expect(backend).toBe('wasm')
    registerWasmConvFilterGrad(tf)
    for (const kernel of [[3, 3], [5, 5], [2, 3]] as [number, number][]) {
      for (const pad of ['same', 'valid'] as const) {
        const want = await filterGrad('cpu', kernel, pad)
        const got = await filterGrad('wasm', kernel, pad)
        expect(got.length).toBe(want.length)
        let worst = 0
        for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i] - want[i]) / Math.max(1, Math.abs(want[i])))
        expect(worst, `${kernel} ${pad}`).toBeLessThan(1e-4)
      }
    }
    const before = tf.memory().numTensors
    await filterGrad('wasm', [3, 3], 'same')
    expect(tf.memory().numTensors).toBe(before) // the patch buffer is freed
  })

  it('refuses strides it does not implement instead of computing nonsense', async () => {
    await loadTf('wasm')
    registerWasmConvFilterGrad(tf)
    await tf.setBackend('wasm')
    const x = tf.ones([1, 6, 6, 1]) as tf.Tensor4D
    expect(() => tf.grad((f: tf.Tensor) => tf.conv2d(x, f as tf.Tensor4D, 2, 'same').sum())(tf.ones([3, 3, 1, 1]))).toThrow(/stride 1/)
  })

  it('im2col lays out zero-padded patches row by row', () => {
    // 1 image 2x2, 1 channel, 3x3 kernel, "same": each row is the 3x3 neighbourhood.
    const cols = new Float32Array(4 * 9)
    im2col(Float32Array.from([1, 2, 3, 4]), [1, 2, 2, 1], 3, 3, 1, 1, 2, 2, cols)
    expect(Array.from(cols.subarray(0, 9))).toEqual([0, 0, 0, 0, 1, 2, 0, 3, 4])
    expect(Array.from(cols.subarray(27, 36))).toEqual([1, 2, 0, 3, 4, 0, 0, 0, 0])
  })
})
