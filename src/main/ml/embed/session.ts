// Creates the onnxruntime session for a backbone, trying the platform's accelerated
// execution provider first and falling back to the CPU; reports which one ran.
import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import * as ort from 'onnxruntime-node'

/** CUDA needs provider libraries that the npm package only has after a GPU install. */
function cudaInstalled(): boolean {
  try {
    const pkg = dirname(createRequire(import.meta.url).resolve('onnxruntime-node/package.json'))
    return existsSync(join(pkg, 'bin', 'napi-v6', process.platform, process.arch, 'libonnxruntime_providers_cuda.so'))
  } catch {
    return false
  }
}

/** Accelerated providers worth trying on each platform (CPU is always the fallback). */
export function candidateProviders(platform = process.platform, arch = process.arch): string[] {
  if (platform === 'win32') return ['dml', 'cpu']
  if (platform === 'darwin') return ['coreml', 'cpu']
  if (platform === 'linux' && arch === 'x64') return ['cuda', 'cpu']
  return ['cpu']
}

export interface OpenedSession {
  session: ort.InferenceSession
  provider: string
  /** Why faster providers were skipped (for the log). */
  skipped: string[]
}

export async function openSession(
  model: Uint8Array,
  opts: { threads?: number; providers?: string[] } = {},
): Promise<OpenedSession> {
  const skipped: string[] = []
  const providers = opts.providers ?? candidateProviders()
  const available = new Set(ort.listSupportedBackends?.().map((b) => b.name) ?? ['cpu'])
  for (const ep of providers) {
    if (ep === 'cuda' && !cudaInstalled()) {
      skipped.push('cuda: provider libraries not installed')
      continue
    }
    if (ep !== 'cpu' && !available.has(ep) && !(ep === 'dml' && process.platform === 'win32') && !(ep === 'coreml' && process.platform === 'darwin')) {
      skipped.push(`${ep}: not in this onnxruntime build`)
      continue
    }
    try {
      const session = await ort.InferenceSession.create(model, {
        executionProviders: [ep],
        intraOpNumThreads: opts.threads ?? 1,
        interOpNumThreads: 1,
        graphOptimizationLevel: 'all',
        // A missing accelerator library is expected; keep its loader noise out of the console.
        logSeverityLevel: ep === 'cpu' ? 2 : 4,
      })
      return { session, provider: ep, skipped }
    } catch (err) {
      skipped.push(`${ep}: ${(err as Error).message.split('\n')[0]}`)
    }
  }
  throw new Error(`could not open the backbone with any execution provider: ${skipped.join('; ')}`)
}
