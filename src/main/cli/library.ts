// Opening the library for a CLI command: failures to open become one-line user errors.
import { openCore, type Core } from '../core'
import { UserError } from './command'

export function openLibrary(libraryDir: string): Core {
  try {
    return openCore({ libraryDir, host: 'serve' })
  } catch (err) {
    throw new UserError(`cannot open the library in ${libraryDir}: ${(err as Error).message}`)
  }
}

/** Runs `fn` with the library open and always closes it. */
export async function withLibrary<T>(libraryDir: string, fn: (core: Core) => Promise<T> | T): Promise<T> {
  const core = openLibrary(libraryDir)
  try {
    return await fn(core)
  } finally {
    await core.close()
  }
}
