// The checkout (or packaged app) root, found by walking up from this code to Posterity's
// package.json: the same answer from the TypeScript sources (tests), the built bundles in
// out/main (CLI, worker, core process, Electron) and an asar archive, whatever the chunking.
import { existsSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

let cached: string | null = null

export function appRoot(): string {
  cached ??= findRoot(dirname(fileURLToPath(import.meta.url)))
  return cached
}

export function findRoot(from: string): string {
  for (let dir = from; ; ) {
    const pkg = join(dir, 'package.json')
    if (existsSync(pkg)) {
      try {
        if ((JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'posterity') return dir
      } catch {
        /* not ours: keep walking */
      }
    }
    const up = dirname(dir)
    if (up === dir) throw new Error(`cannot find Posterity's package.json above ${from}`)
    dir = up
  }
}

/** out/ of the root: the built renderer, CLI, model worker and core process. */
export const outDir = (): string => join(appRoot(), 'out')
