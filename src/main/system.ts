// system.* handlers: facts about the running core and the host's native pickers.
import { platform } from 'node:os'
import type { ApiHandlers } from '../shared/api'
import type { CoreContext } from './context'
import { version } from './version'

export function systemHandlers(ctx: CoreContext): ApiHandlers['system'] {
  return {
    info: () => ({ version, libraryPath: ctx.dir, host: ctx.host, platform: platform() }),
    async pickPaths(args) {
      if (!ctx.hooks.pickPaths) return { supported: false, paths: [] }
      return { supported: true, paths: await ctx.hooks.pickPaths(args) }
    },
  }
}
