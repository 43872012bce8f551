// Where the desktop app finds its library, its built files, its Electron-ABI SQLite addon
// and its models. No electron import: the app passes what Electron knows (packaged or not,
// userData), so tests can check every choice.
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { appRoot as findAppRoot } from '../app-root'
import { resolveLibraryDir } from '../paths'

/** The checkout (or packaged app) root. */
export const appRoot = findAppRoot()
/** out/main: the main bundle, the core process and the model worker. */
export const mainDir = join(appRoot, 'out', 'main')
export const preloadPath = join(appRoot, 'out', 'preload', 'index.cjs')
/** out/renderer: the built page, served to the window as posterity-app://app/ (app-protocol.ts). */
export const rendererDir = join(appRoot, 'out', 'renderer')

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
 * better-sqlite3 compiled for Electron's ABI. From a checkout, `npm start` / `npm run dev`
 * build it beside Node's copy (node_modules keeps Node's build for the CLI and tests); a
 * packaged app carries the Electron build in node_modules itself (see package.json "build").
 * POSTERITY_NATIVE_BINDING overrides.
 */
export function electronNativeBinding(packaged = false): string | undefined {
  const candidates = [
    process.env.POSTERITY_NATIVE_BINDING,
    packaged ? undefined : join(appRoot, '.cache', 'electron-native', 'node_modules', 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node'),
  ]
  return candidates.find((p): p is string => !!p && existsSync(p))
}

/**
 * Where the core looks for a configured backbone (POSTERITY_MODELS) and the dataset
 * (POSTERITY_DATASET). From a checkout: ../shared beside it. A packaged app never looks
 * outside the user's data folder: models live in <userData>/models (the library's own
 * copy is downloaded on first run and checked), and there is no default dataset.
 */
export function setSharedDataDefaults(env: NodeJS.ProcessEnv, where: { packaged: boolean; userData: string }): void {
  if (where.packaged) {
    env.POSTERITY_MODELS ||= join(where.userData, 'models')
    return
  }
  env.POSTERITY_MODELS ||= join(appRoot, '..', 'shared', 'models')
  env.POSTERITY_DATASET ||= join(appRoot, '..', 'shared', 'datasets', 'movie-posters')
}
