// The electron-builder configuration (package.json "build"). Packaging itself cannot run
// here (it downloads Electron), so this checks what it would do: the configuration is valid
// for electron-builder's own schema, the targets, which files go into the app (every
// bundle the app runs, nothing of the sources, tests or the checkout's ../shared), the
// native modules unpacked from the asar, and better-sqlite3's Electron build (from
// .cache/electron-native) in place of Node's, with node_modules never rebuilt.
import { readdirSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join, relative, resolve, sep } from 'node:path'
import { minimatch } from 'minimatch'
import { describe, expect, it } from 'vitest'

const repo = resolve(__dirname, '../..')
const pkg = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8'))
const build = pkg.build as {
  files: (string | { from: string; to: string; filter: string[] })[]
  asarUnpack: string[]
  asar: boolean
  npmRebuild: boolean
  directories: { output: string }
  linux: { target: string[] }
  mac: { target: string[] }
  win: { target: string[] }
}
const patterns = build.files.filter((f): f is string => typeof f === 'string')

/** electron-builder's rule: the last pattern that matches decides; dependencies start included. */
function packaged(path: string): boolean {
  let included = path.startsWith('node_modules/')
  for (const p of patterns) {
    const negative = p.startsWith('!')
    if (minimatch(path, negative ? p.slice(1) : p, { dot: true })) included = !negative
  }
  return included
}
const unpacked = (path: string) => build.asarUnpack.some((p) => minimatch(path, p, { dot: true }))

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)]))
}

describe('packaging configuration', () => {
  it("is valid for electron-builder's schema", async () => {
    const req = createRequire(join(repo, 'node_modules', 'electron-builder', 'package.json'))
    const { validateConfiguration } = req('app-builder-lib/out/util/config/config.js') as {
      validateConfiguration(config: unknown, log: { isEnabled: boolean; add(): void }): Promise<void>
    }
    await expect(validateConfiguration(build, { isEnabled: false, add() {} })).resolves.toBeUndefined()
    // And a typo is caught, so the check above means something.
    await expect(validateConfiguration({ ...build, asarUnpak: [] }, { isEnabled: false, add() {} })).rejects.toThrow(/asarUnpak/)
  })

  it('builds AppImage and deb, dmg, nsis, into dist/ (ignored by git)', () => {
    expect(build.linux.target).toEqual(['AppImage', 'deb'])
    expect(build.mac.target).toEqual(['dmg'])
    expect(build.win.target).toEqual(['nsis'])
    expect(build.directories.output).toBe('dist')
    expect(readFileSync(join(repo, '.gitignore'), 'utf8')).toMatch(/^dist\/$/m)
    expect(pkg.scripts.dist).toBe('node scripts/dist.mjs')
  })

  it('packs every built bundle the app runs, and no sources, tests, CLI or source maps', () => {
    const built = walk(join(repo, 'out')).map((f) => relative(repo, f).split(sep).join('/'))
    expect(built).toContain('out/main/core-host.js')
    for (const f of built) {
      const want = !(f === 'out/main/cli.js' || f.endsWith('.map'))
      expect(packaged(f), f).toBe(want)
    }
    for (const f of ['out/main/index.js', 'out/main/core-host.js', 'out/main/worker.js', 'out/preload/index.cjs', 'out/renderer/index.html', 'package.json']) {
      expect(packaged(f), f).toBe(true)
    }
    for (const f of ['src/main/core.ts', 'test/vitest.config.ts', 'scripts/start.mjs', 'bench/model.ts', '.cache/e2e/x', 'resources/screenshot.png', 'README.md']) {
      expect(packaged(f), f).toBe(false)
    }
    // The packaged app never reaches for the checkout's ../shared (models, dataset).
    expect(JSON.stringify(build)).not.toMatch(/\.\.\/|shared/)
  })

  it('unpacks the native modules from the asar', () => {
    for (const f of [
      'node_modules/better-sqlite3/build/Release/better_sqlite3.node',
      'node_modules/better-sqlite3/lib/database.js',
      'node_modules/sharp/lib/sharp.js',
      'node_modules/@img/sharp-linux-x64/lib/sharp-linux-x64.node',
      'node_modules/@img/sharp-libvips-linux-x64/lib/libvips-cpp.so.8.17.3',
      'node_modules/onnxruntime-node/bin/napi-v6/linux/x64/onnxruntime_binding.node',
      'node_modules/onnxruntime-node/bin/napi-v6/linux/x64/libonnxruntime.so.1',
    ]) {
      expect(unpacked(f), f).toBe(true)
    }
    expect(unpacked('out/main/index.js')).toBe(false)
    expect(unpacked('node_modules/zod/index.js')).toBe(false)
  })

  it("ships better-sqlite3's Electron build in place of Node's, without rebuilding node_modules", () => {
    expect(build.npmRebuild).toBe(false)
    expect(packaged('node_modules/better-sqlite3/build/Release/better_sqlite3.node')).toBe(false)
    expect(packaged('node_modules/better-sqlite3/lib/index.js')).toBe(true)
    const mapped = build.files.filter((f) => typeof f !== 'string')
    expect(mapped).toEqual([
      { from: '.cache/electron-native/node_modules/better-sqlite3/build/Release', to: 'node_modules/better-sqlite3/build/Release', filter: ['better_sqlite3.node'] },
    ])
    // What `npm start` builds is what `npm run dist` packs.
    expect(readFileSync(join(repo, 'scripts/start.mjs'), 'utf8')).toContain("join(root, '.cache', 'electron-native')")
  })

  it('leaves the optional native TensorFlow packages out (the packaged app trains on proven wasm)', () => {
    expect(packaged('node_modules/@tensorflow/tfjs-node/dist/index.js')).toBe(false)
    expect(packaged('node_modules/@tensorflow/tfjs-node-gpu/dist/index.js')).toBe(false)
    expect(packaged('node_modules/@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm')).toBe(true)
  })
})
