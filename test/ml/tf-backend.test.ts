// Choosing TensorFlow.js's backend: a native package is taken only after it proves itself
// with a real op and a gradient. Stand-in packages, written into a temp node_modules here,
// play tfjs-node: one whose registration succeeds and whose first op fails the way 4.22
// fails on Node 23+, one that cannot even load, one that works. Wasm takes over from the
// failing ones, and the reason says what happened.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { loadTfWith, polyfillLegacyUtil } from '../../src/main/ml/train/tf-backend'

const req = createRequire(import.meta.url)
const TFJS = req.resolve('@tensorflow/tfjs')
const CPU = req.resolve('@tensorflow/tfjs-backend-cpu')
const roots: string[] = []
afterAll(() => roots.forEach((r) => rmSync(r, { recursive: true, force: true })))

/** A temp folder with node_modules/@tensorflow/tfjs-node holding `body` as its main file. */
function standIn(body: string): string {
  const root = mkdtempSync(join(tmpdir(), 'posterity-tfnode-'))
  roots.push(root)
  const pkg = join(root, 'node_modules', '@tensorflow', 'tfjs-node')
  mkdirSync(pkg, { recursive: true })
  writeFileSync(join(pkg, 'package.json'), JSON.stringify({ name: '@tensorflow/tfjs-node', version: '4.22.0', main: 'index.js' }))
  writeFileSync(join(pkg, 'index.js'), body)
  return root
}

// Registers the 'tensorflow' backend (a cpu backend underneath, every cpu kernel copied),
// selects it, and exports tfjs, as tfjs-node does.
const register = (extra: string) => `
const tf = require(${JSON.stringify(TFJS)})
const { MathBackendCPU } = require(${JSON.stringify(CPU)})
tf.registerBackend('tensorflow', () => new MathBackendCPU(), 3)
for (const k of tf.getKernelsForBackend('tensorflow')) tf.unregisterKernel(k.kernelName, 'tensorflow')
for (const k of tf.getKernelsForBackend('cpu')) tf.registerKernel({ ...k, backendName: 'tensorflow' })
${extra}
tf.setBackend('tensorflow')
module.exports = tf
`

describe('legacy util polyfill', () => {
  it('puts back exactly the util.is* functions that are missing, with Node 22 semantics', () => {
    const util: Record<string, unknown> = { isArray: Array.isArray }
    const added = polyfillLegacyUtil(util)
    expect(added).toContain('isNullOrUndefined')
    expect(added).not.toContain('isArray')
    const isNullOrUndefined = util.isNullOrUndefined as (v: unknown) => boolean
    expect([null, undefined, 0, '', false].map(isNullOrUndefined)).toEqual([true, true, false, false, false])
    expect((util.isPrimitive as (v: unknown) => boolean)(Symbol('s'))).toBe(true)
    expect((util.isObject as (v: unknown) => boolean)(null)).toBe(false)
    expect(polyfillLegacyUtil(util)).toEqual([])
  })
})

describe('native backend choice', () => {
  it('falls back to wasm when tfjs-node registers fine but its first op fails, and says why', async () => {
    // What 4.22 does on Node 23+: BatchMatMul (any op) calls the removed util.isNullOrUndefined.
    const root = standIn(
      register(`tf.registerKernel({ kernelName: 'BatchMatMul', backendName: 'tensorflow', kernelFunc: () => { throw new TypeError('(0 , util_1.isNullOrUndefined) is not a function') } })`),
    )
    const got = await loadTfWith({ resolveFrom: root })
    expect(got.backend).toBe('wasm')
    expect(got.tf.getBackend()).toBe('wasm')
    expect(got.reason).toMatch(/^wasm: no native backend works here/)
    expect(got.reason).toContain('@tensorflow/tfjs-node loaded but its first op failed: (0 , util_1.isNullOrUndefined) is not a function')
    expect(got.reason).toContain('@tensorflow/tfjs-node-gpu is not installed')
    // The failed backend is gone, and the chosen one really computes.
    expect(got.tf.findBackend('tensorflow')).toBeNull()
    const y = got.tf.matMul(got.tf.tensor2d([1, 2], [1, 2]), got.tf.tensor2d([3, 4], [2, 1]))
    expect(Array.from(await y.data())).toEqual([11])
  })

  it('falls back when the package cannot load at all (no libtensorflow)', async () => {
    const root = standIn(`throw new Error('libtensorflow.so.2: cannot open shared object file')`)
    const got = await loadTfWith({ resolveFrom: root })
    expect(got.backend).toBe('wasm')
    expect(got.reason).toContain('@tensorflow/tfjs-node did not load: libtensorflow.so.2: cannot open shared object file')
  })

  it('falls back when ops give wrong numbers', async () => {
    const root = standIn(
      register(`tf.registerKernel({ kernelName: 'BatchMatMul', backendName: 'tensorflow', kernelFunc: ({ inputs, backend }) => backend.makeTensorInfo([2, 1], 'float32', new Float32Array([0, 0])) })`),
    )
    const got = await loadTfWith({ resolveFrom: root })
    expect(got.backend).toBe('wasm')
    expect(got.reason).toMatch(/tfjs-node loaded but its first op failed: wrong results \(matMul 0,0/)
  })

  it('chooses a native backend that proves itself', async () => {
    const root = standIn(register(''))
    const got = await loadTfWith({ resolveFrom: root })
    expect(got.backend).toBe('tensorflow')
    expect(got.tf.getBackend()).toBe('tensorflow')
    expect(got.reason).toMatch(/^tensorflow: @tensorflow\/tfjs-node passed a matMul and a gradient/)
  })
})
