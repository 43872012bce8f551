// Facts about the running core and the host it runs in.
import { z } from 'zod'
import { command, noArgs } from './define'

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
  /** A native file / folder picker. Only the desktop app has one: `supported` is false in a browser. */
  pickPaths: command(
    z.strictObject({ kind: z.enum(['folder', 'file']), multiple: z.boolean().default(false), title: z.string().max(200).optional() }),
    z.object({ supported: z.boolean(), paths: z.array(z.string()) }),
  ),
}
