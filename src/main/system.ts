// system.* handlers: facts about the running core and the host's native pickers.
import { platform } from 'node:os'
import type { ApiHandlers } from '../shared/api'
import type { CoreContext } from './context'
import { version } from './version'
import { readRecent, switchLibrary } from './libraries'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { DB_FILE } from './library/db'

export function systemHandlers(ctx: CoreContext): ApiHandlers['system'] {
  return {
    info: () => ({ version, libraryPath: ctx.dir, host: ctx.host, platform: platform() }),
    libraries: () => ({
      current: ctx.dir,
      recent: readRecent()
        .filter((p) => p !== ctx.dir)
        .map((path) => ({ path, exists: existsSync(join(path, DB_FILE)) })),
    }),
    openLibrary: ({ path, create }) => ({ libraryPath: switchLibrary(ctx, path, create) }),
    async pickPaths(args) {
      if (!ctx.hooks.pickPaths) return { supported: false, paths: [] }
      return { supported: true, paths: await ctx.hooks.pickPaths(args) }
    },
  }
}
