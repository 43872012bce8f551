// A fresh temporary folder for each test of a scan, and empty files placed in it: the layouts
// are names, not contents.
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeEach } from 'vitest'
import { tempDir } from '../library/helpers'

export function useFolder(prefix: string): { readonly dir: string; touch(...parts: string[]): string } {
  let t: ReturnType<typeof tempDir>
  beforeEach(() => (t = tempDir(prefix)))
  afterEach(() => t.cleanup())
  return {
    get dir() {
      return t.dir
    },
    /** An empty file at `parts` under the folder (its folders made); its path. */
    touch(...parts: string[]): string {
      const p = join(t.dir, ...parts)
      mkdirSync(join(p, '..'), { recursive: true })
      writeFileSync(p, 'x')
      return p
    },
  }
}
