// Where the desktop app finds its library, its built files and its Electron-ABI SQLite addon.
import { existsSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { resolveLibraryDir } from '../paths'

/** out/main, where this bundle runs from. */
export const mainDir = dirname(fileURLToPath(import.meta.url))
/** The checkout (or packaged app) root: out/main/../.. */
export const appRoot = resolve(mainDir, '..', '..')
export const preloadPath = join(mainDir, '..', 'preload', 'index.cjs')
export const rendererIndex = join(mainDir, '..', 'renderer', 'index.html')

/** `--library DIR` or `--library=DIR` among Electron's own arguments. */
export function libraryFlag(argv: string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]
    if (a === '--library') return argv[i + 1]
    if (a.startsWith('--library=')) return a.slice('--library='.length)
  }
  return undefined
}

/** --library, else POSTERITY_LIBRARY, else <userData>/library. */
export function desktopLibraryDir(argv: string[], userData: string): string {
  return resolveLibraryDir(libraryFlag(argv), userData)
}

/**
 * better-sqlite3 compiled for Electron's ABI, which `npm start` builds beside Node's copy
 * (node_modules keeps Node's build for the CLI and tests). POSTERITY_NATIVE_BINDING overrides.
 */
export function electronNativeBinding(): string | undefined {
  const candidates = [
    process.env.POSTERITY_NATIVE_BINDING,
    join(appRoot, '.cache', 'electron-native', 'node_modules', 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node'),
  ]
  return candidates.find((p): p is string => !!p && existsSync(p))
}

/**
 * The core's defaults for shared data (POSTERITY_MODELS, POSTERITY_DATASET: ../shared/...
 * beside the checkout) are computed from source file locations, which mean nothing inside
 * the bundle; the desktop host states them from the real app root instead.
 */
export function setSharedDataDefaults(env: NodeJS.ProcessEnv = process.env): void {
  env.POSTERITY_MODELS ||= join(appRoot, '..', 'shared', 'models')
  env.POSTERITY_DATASET ||= join(appRoot, '..', 'shared', 'datasets', 'movie-posters')
}
