// Opening the library for a CLI command: failures to open become one-line user errors.
import { existsSync, realpathSync, statSync } from 'node:fs'
import { basename, dirname, join, resolve, sep } from 'node:path'
import { openCore, type Core } from '../core'
import { DB_FILE } from '../library/db'
import { LibraryBusyError } from '../library/lock'
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
  const st = statSync(abs, { throwIfNoEntry: false })
  if (st?.isDirectory()) throw new UserError(`--out ${path} is a folder: give a file name`, 2)
  const parent = dirname(abs)
  if (!statSync(parent, { throwIfNoEntry: false })?.isDirectory()) throw new UserError(`--out ${path}: the folder ${parent} does not exist`, 2)
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

export function openLibrary(libraryDir: string, { create = false, readOnly = false }: LibraryOptions = {}): Core {
  const st = statSync(libraryDir, { throwIfNoEntry: false })
  if (st && !st.isDirectory()) throw new UserError(`--library ${libraryDir} is a file, not a folder`, 2)
  if (!create && !existsSync(join(libraryDir, DB_FILE))) {
    throw new UserError(`no library in ${libraryDir}: import posters first (posterity import <folder> --library ${libraryDir})`)
  }
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
