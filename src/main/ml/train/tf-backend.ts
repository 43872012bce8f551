// Loads TensorFlow.js with the fastest backend that works here: tfjs-node-gpu (CUDA),
// tfjs-node, the wasm backend (SIMD, one thread under Node), else the plain JS cpu backend.
// The native packages are optional dependencies: a missing one is a note, never a failure.
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { pathToFileURL } from 'node:url'
import type * as TF from '@tensorflow/tfjs'

export type Tf = typeof TF

export interface LoadedTf {
  tf: Tf
  /** 'tensorflow-gpu' | 'tensorflow' | 'wasm' | 'cpu' */
  backend: string
  notes: string[]
}

let loaded: Promise<LoadedTf> | null = null

const nativeModules: [string, string][] = [
  ['@tensorflow/tfjs-node-gpu', 'tensorflow-gpu'],
  ['@tensorflow/tfjs-node', 'tensorflow'],
]

/** Where the wasm binaries live: next to the package's main file in node_modules. */
function wasmDir(): string {
  const main = createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm')
  return dirname(main)
}

async function load(only?: string): Promise<LoadedTf> {
  const notes: string[] = []
  const want = (b: string) => !only || only === b
  for (const [mod, name] of nativeModules) {
    if (!want(name)) continue
    try {
      // A variable specifier: these packages may be absent, and bundlers must not resolve them.
      const tf = (await import(/* @vite-ignore */ mod)) as Tf
      await tf.ready()
      return { tf, backend: name, notes }
    } catch (err) {
      notes.push(`${mod}: ${(err as Error).message.split('\n')[0]}`)
    }
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
        return { tf, backend: 'wasm', notes }
      }
      notes.push('wasm: backend failed to initialise')
    } catch (err) {
      notes.push(`wasm: ${(err as Error).message.split('\n')[0]}`)
    }
  }
  await tf.setBackend('cpu')
  await tf.ready()
  return { tf, backend: 'cpu', notes }
}

/** The process-wide TensorFlow.js, loaded once. `only` forces one backend (tests, benchmarks). */
export function loadTf(only?: string): Promise<LoadedTf> {
  loaded ??= load(only ?? process.env.POSTERITY_TF_BACKEND)
  return loaded
}

export const _internal = { wasmDir, pathToFileURL }
