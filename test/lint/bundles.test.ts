// What electron-vite built must be loadable where it runs: the sandboxed preload can
// require nothing but electron (every dependency bundled in), and the preload exposes
// exactly one global. Checked on the build output, so a config change that breaks it fails.
import { existsSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
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

  it('the preload exposes exactly window.posterityDesktop', () => {
    const code = readFileSync(preload, 'utf8')
    const exposed = [...code.matchAll(/exposeInMainWorld\(\s*["']([^"']+)["']/g)].map((m) => m[1])
    expect(exposed).toEqual(['posterityDesktop'])
    expect(code).not.toMatch(/exposeInIsolatedWorld/)
  })

  it('the Electron main process holds no core: the core process bundle does, with native modules external', () => {
    const main = imports('out/main/index.js')
    expect(main).toContain('electron')
    for (const heavy of ['better-sqlite3', 'sharp', 'onnxruntime-node', '@tensorflow/tfjs', 'ws']) expect(main, heavy).not.toContain(heavy)
    const host = imports('out/main/core-host.js')
    expect(host).toContain('better-sqlite3')
    expect(host).not.toContain('electron')
    expect(imports('out/main/cli.js')).not.toContain('electron')
    expect(imports('out/main/worker.js')).not.toContain('electron')
  })

  it('the files loaded by path sit where the code looks for them', () => {
    // paths.ts resolves them from the app root, never from a chunk's own folder.
    const main = readFileSync(join(repo, 'out/main/index.js'), 'utf8')
    expect(main).toMatch(/join\(appRoot, "out", "preload", "index\.cjs"\)/)
    expect(main).toMatch(/join\(mainDir, "core-host\.js"\)/)
    for (const f of ['out/main/worker.js', 'out/main/core-host.js', 'out/main/cli.js', 'out/renderer/index.html']) expect(existsSync(join(repo, f)), f).toBe(true)
    expect(readFileSync(join(repo, 'out/main/cli.js'), 'utf8')).toMatch(/^#!\/usr\/bin\/env node\n/)
  })
})

/** Every bare module a built bundle imports, following its own chunks. */
function imports(entry: string, seen = new Set<string>()): Set<string> {
  const out = new Set<string>()
  if (seen.has(entry)) return out
  seen.add(entry)
  const code = readFileSync(join(repo, entry), 'utf8')
  const found = [...code.matchAll(/^(?:import|export)\b[^'"]*?["']([^"']+)["']/gm), ...code.matchAll(/\bimport\(\s*["']([^"']+)["']\s*\)/g)]
  for (const m of found) {
    const spec = m[1]
    if (spec.startsWith('.')) for (const x of imports(join(dirname(entry), spec), seen)) out.add(x)
    else out.add(spec)
  }
  return out
}
