// Facts about the running core and the host it runs in.
import { z } from 'zod'
import { command, noArgs } from './define'
import { FsPath } from './common'

export const system = {
  info: command(
    noArgs,
    z.object({
      version: z.string(),
      libraryPath: z.string(),
      /** electron: the desktop app; serve: `posterity serve` in a browser. */
      host: z.enum(['electron', 'serve']),
      platform: z.string(),
    }),
  ),
  /** The open library and the recently opened ones (newest first). */
  libraries: command(
    noArgs,
    z.object({ current: z.string(), recent: z.array(z.object({ path: z.string(), exists: z.boolean() })) }),
  ),
  /**
   * Opens another library folder (`create`: makes a new one there; the folder must be new or
   * empty). Only a path the user typed or picked; running jobs must finish first.
   */
  openLibrary: command(
    z.strictObject({ path: FsPath, create: z.boolean().default(false) }),
    z.object({ libraryPath: z.string() }),
  ),
  /** A native file / folder picker. Only the desktop app has one: `supported` is false in a browser. */
  pickPaths: command(
    z.strictObject({ kind: z.enum(['folder', 'file']), multiple: z.boolean().default(false), title: z.string().max(200).optional() }),
    z.object({ supported: z.boolean(), paths: z.array(z.string()) }),
  ),
}
