// Opening the library for a CLI command: failures to open become one-line user errors.
import { existsSync, mkdirSync, readdirSync, realpathSync, rmdirSync, rmSync, statSync, type Stats } from 'node:fs'
import { basename, dirname, join, resolve, sep } from 'node:path'
import { errnoWords } from '../errno'
import { openCore, type Core } from '../core'
import { DB_FILE } from '../library/db'
import { LibraryBusyError, lockLibrary } from '../library/lock'
import { storageProblem } from '../library/storage'
import { UserError } from './command'

export interface LibraryOptions {
  /** Only `import` makes a new library: a mistyped --library elsewhere is an error, not an empty library. */
  create?: boolean
  /** A command that only reads may read a library another process (the app) holds open. */
  readOnly?: boolean
}

/**
 * An --out file the command may write: not a folder, in a folder that exists, and never inside
 * the library folder (an export written over library.sqlite would destroy the library).
 */
export function outputFile(path: string, libraryDir: string): string {
  const abs = resolve(path)
  const st = pathStat(abs, `--out ${path}`)
  if (st?.isDirectory()) throw new UserError(`--out ${path} is a folder: give a file name`, 2)
  const parent = dirname(abs)
  const up = pathStat(parent, `--out ${path}`)
  if (up && !up.isDirectory()) throw new UserError(`--out ${path}: ${parent} is a file, not a folder`, 2)
  if (!up) throw new UserError(`--out ${path}: the folder ${parent} does not exist`, 2)
  const real = (p: string) => {
    try {
      return realpathSync(p)
    } catch {
      return resolve(p)
    }
  }
  const lib = real(libraryDir)
  const target = join(real(parent), basename(abs))
  if (target === lib || target.startsWith(lib + sep)) {
    throw new UserError(`--out ${path} is inside the library folder ${libraryDir}: write it somewhere else`, 2)
  }
  return abs
}

/**
 * stat, or undefined when nothing is there; a path through a file (`/etc/passwd/x`: ENOTDIR)
 * or one that cannot be looked at is a user error naming `what`, not a crash.
 */
function pathStat(path: string, what: string): Stats | undefined {
  try {
    return statSync(path, { throwIfNoEntry: false })
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    if (code === 'ENOTDIR') throw new UserError(`${what}: a part of ${path} is a file, not a folder`, 2)
    throw new UserError(`${what}: cannot look at ${path}: ${errnoWords(err)}`, 2)
  }
}

/** The library folder a command may use: a folder, or nothing yet; never a file or a path through one. */
export function checkLibraryDir(libraryDir: string): void {
  const st = pathStat(libraryDir, `--library ${libraryDir}`)
  if (st && !st.isDirectory()) throw new UserError(`--library ${libraryDir} is a file, not a folder`, 2)
}

/**
 * Makes the folder of a new library, one level at a time, so a folder that cannot be made
 * is one line naming it (Node's recursive mkdir loops forever under /proc, whose mkdir says
 * ENOENT below an existing folder).
 */
function makeLibraryDir(libraryDir: string): void {
  const missing: string[] = []
  for (let dir = resolve(libraryDir); !pathStat(dir, `--library ${libraryDir}`); dir = dirname(dir)) {
    missing.unshift(dir)
    if (dirname(dir) === dir) break
  }
  for (const dir of missing) {
    try {
      mkdirSync(dir)
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code
      if (code === 'EEXIST' && statSync(dir).isDirectory()) continue
      const why = code === 'ENOENT' ? 'this file system does not allow it' : code === 'EEXIST' ? 'a file is in its place' : errnoWords(err)
      throw new UserError(`cannot create the library folder ${libraryDir}: ${dir === resolve(libraryDir) ? '' : `${dir}: `}${why}`)
    }
  }
}

export function openLibrary(libraryDir: string, { create = false, readOnly = false }: LibraryOptions = {}): Core {
  checkLibraryDir(libraryDir)
  if (!create && !existsSync(join(libraryDir, DB_FILE))) {
    throw new UserError(`no library in ${libraryDir}: import posters first (posterity import <folder> --library ${libraryDir})`)
  }
  if (create) makeLibraryDir(libraryDir)
  try {
    return openCore({ libraryDir, host: 'serve' })
  } catch (err) {
    if (err instanceof LibraryBusyError && readOnly) {
      process.stderr.write(`posterity: ${err.message.split(';')[0]}; reading it without changing anything\n`)
      return openCore({ libraryDir, host: 'serve', readonly: true })
    }
    throw cannotOpen(err, libraryDir) ?? new UserError(`cannot open the library in ${libraryDir}: ${(err as Error).message}`)
  }
}

/**
 * A read-only or unwritable folder, a full disk, as one line (`serve` opens the library through
 * the server, and says the same). Even reading needs to write: SQLite cannot open a WAL library
 * without creating its -shm file.
 */
export function cannotOpen(err: unknown, libraryDir: string): UserError | null {
  const problem = storageProblem(err, libraryDir)
  return problem ? new UserError(`cannot open the library in ${libraryDir}: ${problem}`) : null
}

/** Runs `fn` with the library open and always closes it. */
export async function withLibrary<T>(libraryDir: string, fn: (core: Core) => Promise<T> | T, options: LibraryOptions = {}): Promise<T> {
  const core = openLibrary(libraryDir, options)
  try {
    return await fn(core)
  } finally {
    await core.close()
  }
}

/** Removes `dir` and the empty folders below it; a folder holding any file stays, with that file. */
function removeEmptyFolders(dir: string): void {
  const entries = readdirSync(dir, { withFileTypes: true })
  for (const e of entries) if (e.isDirectory()) removeEmptyFolders(join(dir, e.name))
  try {
    rmdirSync(dir)
  } catch {
    // not empty: something other than empty folders is there, and stays
  }
}

/**
 * Takes away a library an import made and left without a poster, once closed: its file and
 * SQLite's beside it, its thumbs/ and models/ folders when they hold no file, and the library
 * folder itself when the import made it and it is empty then. Anything else stays; so does a
 * library another process opened in the meantime (its lock is taken first).
 */
export function removeEmptyLibrary(libraryDir: string, removeFolder: boolean): void {
  try {
    const release = lockLibrary(libraryDir)
    try {
      for (const f of [DB_FILE, `${DB_FILE}-wal`, `${DB_FILE}-shm`, `${DB_FILE}-journal`]) rmSync(join(libraryDir, f), { force: true })
      for (const d of ['thumbs', 'models']) if (statSync(join(libraryDir, d), { throwIfNoEntry: false })?.isDirectory()) removeEmptyFolders(join(libraryDir, d))
    } finally {
      release()
    }
    if (removeFolder) rmdirSync(libraryDir)
  } catch {
    // best effort: an empty library left behind is no loss
  }
}
