// Where a library lives when none is named: --library DIR, else POSTERITY_LIBRARY, else
// the platform's per-user data folder (the desktop app passes Electron's userData instead).
import { homedir } from 'node:os'
import { join, resolve } from 'node:path'

export function defaultDataDir(): string {
  const home = homedir()
  switch (process.platform) {
    case 'darwin':
      return join(home, 'Library', 'Application Support', 'Posterity')
    case 'win32':
      return join(process.env.APPDATA ?? join(home, 'AppData', 'Roaming'), 'Posterity')
    default:
      return join(process.env.XDG_DATA_HOME ?? join(home, '.local', 'share'), 'posterity')
  }
}

export function resolveLibraryDir(flag?: string, dataDir = defaultDataDir()): string {
  if (flag) return resolve(flag)
  if (process.env.POSTERITY_LIBRARY) return resolve(process.env.POSTERITY_LIBRARY)
  return join(dataDir, 'library')
}
