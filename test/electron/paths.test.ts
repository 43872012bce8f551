// The desktop host's choices that do not need Electron to check: where the library is,
// and which SQLite addon it loads.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { appRoot, desktopLibraryDir, electronNativeBinding, libraryFlag, setSharedDataDefaults } from '../../src/main/electron/paths'

const saved = { lib: process.env.POSTERITY_LIBRARY, bin: process.env.POSTERITY_NATIVE_BINDING }
afterEach(() => {
  for (const [k, v] of [['POSTERITY_LIBRARY', saved.lib], ['POSTERITY_NATIVE_BINDING', saved.bin]] as const) {
    if (v === undefined) delete process.env[k]
    else process.env[k] = v
  }
})

describe('desktop library location', () => {
  it('reads --library in both spellings', () => {
    expect(libraryFlag(['/usr/bin/electron', '.', '--library', '/x/lib'])).toBe('/x/lib')
    expect(libraryFlag(['/usr/bin/electron', '.', '--library=/y/lib'])).toBe('/y/lib')
    expect(libraryFlag(['/usr/bin/electron', '.'])).toBeUndefined()
  })

  it('prefers --library, then POSTERITY_LIBRARY, then <userData>/library', () => {
    process.env.POSTERITY_LIBRARY = '/env/lib'
    expect(desktopLibraryDir(['electron', '.', '--library', 'rel/lib'], '/data')).toBe(resolve('rel/lib'))
    expect(desktopLibraryDir(['electron', '.'], '/data')).toBe('/env/lib')
    delete process.env.POSTERITY_LIBRARY
    expect(desktopLibraryDir(['electron', '.'], '/data')).toBe(join('/data', 'library'))
  })
})

describe('Electron-ABI better-sqlite3', () => {
  it('uses POSTERITY_NATIVE_BINDING when that file exists, and nothing that does not exist', () => {
    const dir = mkdtempSync(join(tmpdir(), 'posterity-native-'))
    try {
      const file = join(dir, 'better_sqlite3.node')
      mkdirSync(dir, { recursive: true })
      writeFileSync(file, '')
      process.env.POSTERITY_NATIVE_BINDING = file
      expect(electronNativeBinding()).toBe(file)
      process.env.POSTERITY_NATIVE_BINDING = join(dir, 'missing.node')
      expect(electronNativeBinding()).not.toBe(join(dir, 'missing.node'))
      // A packaged app loads the Electron build inside its own node_modules: no checkout cache.
      delete process.env.POSTERITY_NATIVE_BINDING
      expect(electronNativeBinding(true)).toBeUndefined()
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})

describe('shared data defaults', () => {
  it('point beside the app root unless configured', () => {
    const env: NodeJS.ProcessEnv = { POSTERITY_DATASET: '/mine' }
    setSharedDataDefaults(env, { packaged: false, userData: '/data' })
    expect(env.POSTERITY_MODELS).toBe(join(appRoot, '..', 'shared', 'models'))
    expect(env.POSTERITY_DATASET).toBe('/mine')
  })

  it('in a packaged app stay inside the user data folder, never ../shared', () => {
    const env: NodeJS.ProcessEnv = {}
    setSharedDataDefaults(env, { packaged: true, userData: '/home/u/.config/Posterity' })
    expect(env.POSTERITY_MODELS).toBe(join('/home/u/.config/Posterity', 'models'))
    expect(env.POSTERITY_DATASET).toBeUndefined()
    expect(JSON.stringify(env)).not.toContain('shared')
  })

  it('finds the app root from the sources as from the bundles', () => {
    expect(appRoot).toBe(resolve(__dirname, '..', '..'))
  })

})
