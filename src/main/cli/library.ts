// Opening the library for a CLI command: failures to open become one-line user errors.
import { existsSync } from 'node:fs'
import { join } from 'node:path'
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

export function openLibrary(libraryDir: string, { create = false, readOnly = false }: LibraryOptions = {}): Core {
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
    // A read-only or unwritable folder, a full disk: said plainly. (Even reading needs to write:
    // SQLite cannot open a WAL library on read-only media without its -shm file.)
    const problem = storageProblem(err, libraryDir)
    throw new UserError(`cannot open the library in ${libraryDir}: ${problem ?? (err as Error).message}`)
  }
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
