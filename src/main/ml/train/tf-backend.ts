// Loads TensorFlow.js with the fastest backend that PROVES to work here: tfjs-node-gpu (CUDA),
// tfjs-node, the wasm backend (SIMD, one thread under Node), else the plain JS cpu backend.
// The native packages are optional dependencies. A native backend is chosen only after a
// real op and a gradient give the right numbers: @tensorflow/tfjs-node 4.22 (the last
// release) registers fine on Node 23+ (Electron 45 runs Node 24) and then throws on its
// first op, calling util.isNullOrUndefined, which Node 23 removed (tensorflow/tfjs#8609).
// The legacy util.is* functions are put back before loading it, and any failure falls back
// to wasm. Which backend runs and why is reported (`reason`), down to the Train view.
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { pathToFileURL } from 'node:url'
import type * as TF from '@tensorflow/tfjs'

export type Tf = typeof TF

export interface LoadedTf {
  tf: Tf
  /** 'tensorflow-gpu' | 'tensorflow' | 'wasm' | 'cpu' */
  backend: string
  /** One line: which backend runs and why (what failed before it). */
  reason: string
  notes: string[]
}

export interface LoadOptions {
  /** Force one backend (tests, benchmarks; POSTERITY_TF_BACKEND). */
  only?: string
  /** Folder whose node_modules the native packages are looked up from (tests); default: this code's. */
  resolveFrom?: string
}

let loaded: Promise<LoadedTf> | null = null

const nativeModules: [string, string][] = [
  ['@tensorflow/tfjs-node-gpu', 'tensorflow-gpu'],
  ['@tensorflow/tfjs-node', 'tensorflow'],
]

/** The util.is* helpers Node 23 removed (DEP0044-DEP0058), as Node 22 defined them. */
const legacyUtil: Record<string, (v: unknown) => boolean> = {
  isArray: (v) => Array.isArray(v),
  isBoolean: (v) => typeof v === 'boolean',
  isBuffer: (v) => Buffer.isBuffer(v),
  isDate: (v) => v instanceof Date,
  isError: (v) => v instanceof Error,
  isFunction: (v) => typeof v === 'function',
  isNull: (v) => v === null,
  isNullOrUndefined: (v) => v === null || v === undefined,
  isNumber: (v) => typeof v === 'number',
  isObject: (v) => v !== null && typeof v === 'object',
  isPrimitive: (v) => v === null || (typeof v !== 'object' && typeof v !== 'function'),
  isRegExp: (v) => v instanceof RegExp,
  isString: (v) => typeof v === 'string',
  isSymbol: (v) => typeof v === 'symbol',
  isUndefined: (v) => v === undefined,
}

/** Puts back the util.is* functions this Node lacks; returns their names. */
export function polyfillLegacyUtil(util: Record<string, unknown> = createRequire(import.meta.url)('node:util') as Record<string, unknown>): string[] {
  const added: string[] = []
  for (const [name, fn] of Object.entries(legacyUtil)) {
    if (typeof util[name] === 'function') continue
    util[name] = fn
    added.push(name)
  }
  return added
}

/** A real op and a real gradient, checked against known numbers; throws when they fail. */
export async function proveBackend(tf: Tf): Promise<void> {
  const product = tf.tidy(() => tf.matMul(tf.tensor2d([1, 2, 3, 4], [2, 2]), tf.tensor2d([5, 6], [2, 1])))
  // d/dx sum(x^2) = 2x: what training needs (the optimizer runs on gradients).
  const grad = tf.tidy(() => tf.grad((x: TF.Tensor) => x.square().sum())(tf.tensor1d([1, -2, 3])))
  try {
    const [p, g] = [Array.from(await product.data()), Array.from(await grad.data())]
    if (p.join() !== '17,39' || g.join() !== '2,-4,6') throw new Error(`wrong results (matMul ${p.join()}, gradient ${g.join()})`)
  } finally {
    product.dispose()
    grad.dispose()
  }
}

const firstLine = (err: unknown) => (err instanceof Error ? err.message : String(err)).split('\n')[0]

/** Where the wasm binaries live: next to the package's main file in node_modules. */
function wasmDir(): string {
  const main = createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm')
  return dirname(main)
}

async function loadNative(mod: string, resolveFrom: string | undefined, notes: string[]): Promise<Tf | null> {
  let file: string
  try {
    // A resolved path, not a bare import: the packages may be absent, and bundlers must not resolve them.
    file = (resolveFrom ? createRequire(join(resolveFrom, 'noop.js')) : createRequire(import.meta.url)).resolve(mod)
  } catch {
    notes.push(`${mod} is not installed`)
    return null
  }
  let tf: Tf
  try {
    const added = polyfillLegacyUtil()
    if (added.length) notes.push(`util.${added.includes('isNullOrUndefined') ? 'isNullOrUndefined' : added[0]} and ${added.length - 1} other legacy helpers polyfilled for ${mod}`)
    tf = (await import(/* @vite-ignore */ pathToFileURL(file).href)) as Tf
    await tf.ready()
  } catch (err) {
    notes.push(`${mod} did not load: ${firstLine(err)}`)
    return null
  }
  try {
    await proveBackend(tf)
    return tf
  } catch (err) {
    notes.push(`${mod} loaded but its first op failed: ${firstLine(err)}`)
    // Leave nothing behind that could be picked later.
    try {
      tf.removeBackend(tf.getBackend())
    } catch {
      /* already gone */
    }
    return null
  }
}

async function load(options: LoadOptions): Promise<LoadedTf> {
  const notes: string[] = []
  const only = options.only
  const want = (b: string) => !only || only === b
  const done = (tf: Tf, backend: string, why: string): LoadedTf => ({ tf, backend, notes, reason: [why, ...notes].join('; ') })
  for (const [mod, name] of nativeModules) {
    if (!want(name)) continue
    const tf = await loadNative(mod, options.resolveFrom, notes)
    if (tf) return done(tf, name, `${name}: ${mod} passed a matMul and a gradient`)
  }
  const tf = await import('@tensorflow/tfjs')
  if (want('wasm')) {
    try {
      const wasm = await import('@tensorflow/tfjs-backend-wasm')
      const dir = wasmDir()
      // Node reads the binaries from disk: give full file paths, the SIMD build where possible.
      wasm.setWasmPaths({
        'tfjs-backend-wasm.wasm': join(dir, 'tfjs-backend-wasm.wasm'),
        'tfjs-backend-wasm-simd.wasm': join(dir, 'tfjs-backend-wasm-simd.wasm'),
        'tfjs-backend-wasm-threaded-simd.wasm': join(dir, 'tfjs-backend-wasm-threaded-simd.wasm'),
      })
      wasm.setThreadsCount?.(1)
      if (await tf.setBackend('wasm')) {
        await tf.ready()
        await proveBackend(tf)
        return done(tf, 'wasm', only ? 'wasm: forced' : 'wasm: no native backend works here')
      }
      notes.push('wasm: backend failed to initialise')
    } catch (err) {
      notes.push(`wasm: ${firstLine(err)}`)
    }
  }
  await tf.setBackend('cpu')
  await tf.ready()
  return done(tf, 'cpu', only === 'cpu' ? 'cpu: forced' : 'cpu: neither a native nor the wasm backend works here')
}

/** The process-wide TensorFlow.js, loaded once. */
export function loadTf(only?: string): Promise<LoadedTf> {
  loaded ??= load({ only: only ?? process.env.POSTERITY_TF_BACKEND })
  return loaded
}

/** A fresh load with explicit options, not cached (tests). */
export const loadTfWith = (options: LoadOptions): Promise<LoadedTf> => load(options)
