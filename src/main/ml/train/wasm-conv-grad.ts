// TensorFlow.js's wasm backend computes convolutions and their input gradient but has no
// kernel for the filter gradient (Conv2DBackpropFilter), so a CNN could not train on it.
// This registers one: the input patches are laid out once (im2col, a memory copy) and the
// gradient is one matrix product through the backend's own BatchMatMul kernel, the
// fast path of the wasm build. Checked against finite differences in the tests.
import type { Tf } from './tf-backend'

interface Info {
  dataId: object
  shape: number[]
  dtype: string
}
interface WasmBackend {
  makeOutput(shape: number[], dtype: string): Info
  typedArrayFromHeap(t: Info): Float32Array
  disposeData(dataId: object, force?: boolean): boolean
}
interface KernelArgs {
  inputs: { x: Info; dy: Info }
  backend: WasmBackend
  attrs: { strides: number | number[]; pad: unknown; dataFormat?: string; dilations?: number | number[]; filterShape: number[] }
}

const pair = (v: number | number[] | undefined): number[] => (v === undefined ? [1, 1] : Array.isArray(v) ? v : [v, v])

/** Fills `cols` ([n*oh*ow, kh*kw*c], row-major) with the zero-padded input patches of stride 1. */
export function im2col(x: Float32Array, [n, h, w, c]: number[], kh: number, kw: number, top: number, left: number, oh: number, ow: number, cols: Float32Array): void {
  const K = kh * kw * c
  let row = 0
  for (let b = 0; b < n; b++) {
    for (let oy = 0; oy < oh; oy++) {
      for (let ox = 0; ox < ow; ox++, row++) {
        const base = row * K
        for (let i = 0; i < kh; i++) {
          const y = oy + i - top
          for (let j = 0; j < kw; j++) {
            const at = base + (i * kw + j) * c
            const xx = ox + j - left
            if (y < 0 || y >= h || xx < 0 || xx >= w) for (let k = 0; k < c; k++) cols[at + k] = 0
            else {
              const src = ((b * h + y) * w + xx) * c
              for (let k = 0; k < c; k++) cols[at + k] = x[src + k]
            }
          }
        }
      }
    }
  }
}

let registered = false

/** Registers the kernel for the wasm backend once; a no-op where the backend has its own. */
export function registerWasmConvFilterGrad(tf: Tf): void {
  if (registered || tf.getKernel('Conv2DBackpropFilter', 'wasm')) return
  const matMul = tf.getKernel('BatchMatMul', 'wasm')
  if (!matMul) return
  tf.registerKernel({
    kernelName: 'Conv2DBackpropFilter',
    backendName: 'wasm',
    kernelFunc: (args) => {
      const { inputs, backend, attrs } = args as unknown as KernelArgs
      const { x, dy } = inputs
      const [kh, kw, c, co] = attrs.filterShape
      const [sh, sw] = pair(attrs.strides)
      const [dh, dw] = pair(attrs.dilations)
      if ((attrs.dataFormat ?? 'NHWC') !== 'NHWC' || sh !== 1 || sw !== 1 || dh !== 1 || dw !== 1 || (attrs.pad !== 'same' && attrs.pad !== 'valid')) {
        throw new Error('wasm Conv2DBackpropFilter: only NHWC, stride 1, no dilation, "same" or "valid" padding')
      }
      const [n, , , ] = x.shape
      const [, oh, ow] = dy.shape
      const top = attrs.pad === 'same' ? Math.floor((kh - 1) / 2) : 0
      const left = attrs.pad === 'same' ? Math.floor((kw - 1) / 2) : 0
      const rows = n * oh * ow
      const cols = backend.makeOutput([1, rows, kh * kw * c], 'float32')
      try {
        im2col(backend.typedArrayFromHeap(x), x.shape, kh, kw, top, left, oh, ow, backend.typedArrayFromHeap(cols))
        const out = matMul.kernelFunc({
          inputs: { a: cols, b: { ...dy, shape: [1, rows, co] } },
          backend: backend as never,
          attrs: { transposeA: true, transposeB: false },
        } as never) as Info
        return { ...out, shape: [kh, kw, c, co] } as never
      } finally {
        backend.disposeData(cols.dataId, true)
      }
    },
  })
  registered = true
}
