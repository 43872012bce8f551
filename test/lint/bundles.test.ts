// What electron-vite built must be loadable where it runs: the sandboxed preload can
// require nothing but electron (every dependency bundled in), and the preload exposes
// exactly one global. Checked on the build output, so a config change that breaks it fails.
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const repo = fileURLToPath(new URL('../..', import.meta.url))
const preload = join(repo, 'out/preload/index.cjs')
const built = existsSync(preload)
if (!built) console.warn('[bundles] skipped: out/preload is not built (run `npm run build`; .ci/run does before testing)')

describe.skipIf(!built)('built bundles', () => {
  it('the preload is CommonJS and requires only electron', () => {
    const code = readFileSync(preload, 'utf8')
    const required = [...code.matchAll(/\brequire\(\s*["']([^"']+)["']\s*\)/g)].map((m) => m[1])
    expect(new Set(required)).toEqual(new Set(['electron']))
    expect(code).not.toMatch(/^\s*import\s/m)
    expect(code).not.toMatch(/^\s*export\s/m)
  })

  it('the preload exposes exactly window.posterity', () => {
    const code = readFileSync(preload, 'utf8')
    const exposed = [...code.matchAll(/exposeInMainWorld\(\s*["']([^"']+)["']/g)].map((m) => m[1])
    expect(exposed).toEqual(['posterity'])
    expect(code).not.toMatch(/exposeInIsolatedWorld/)
  })

  it('the main bundle is the Electron entry and keeps native modules external', () => {
    const main = readFileSync(join(repo, 'out/main/index.js'), 'utf8')
    expect(main).toMatch(/from ["']electron["']/)
    expect(main).toMatch(/from ["']better-sqlite3["']/)
  })

  it('the files the main process loads by path sit where it looks for them', () => {
    // paths.ts resolves them from out/main (the bundle's own folder), never from a chunk.
    const main = readFileSync(join(repo, 'out/main/index.js'), 'utf8')
    expect(main).toMatch(/join\(mainDir, "\.\.", "preload", "index\.cjs"\)/)
    expect(main).toMatch(/join\(mainDir, "worker\.js"\)/)
    expect(existsSync(join(repo, 'out/main/worker.js'))).toBe(true)
    expect(existsSync(join(repo, 'out/renderer/index.html'))).toBe(true)
  })
})
