// The CLI's client of the core: every command goes through the core's dispatcher like the
// window's and the browser's calls, so arguments and results are validated by the contract
// and typed from it (api.library.stats(...), api.model.train(...)).
import { contract, type PosterityApi } from '../../shared/api'
import type { Core } from '../core'
import { UserError } from './command'

/**
 * `api.domain.command(args)` over `core.dispatch`. A refused call becomes a UserError: exit
 * status `invalidArgsExit` (2, a usage error, unless the command says otherwise) for invalid
 * arguments, 1 for anything else.
 */
export function coreApi(core: Core, invalidArgsExit = 2): PosterityApi {
  const api: Record<string, Record<string, (args: unknown) => Promise<unknown>>> = {}
  for (const [domain, commands] of Object.entries(contract)) {
    api[domain] = {}
    for (const name of Object.keys(commands)) {
      api[domain][name] = async (args) => {
        const env = await core.dispatch(`${domain}.${name}`, args)
        if (!env.ok) throw new UserError(env.error.message, env.error.code === 'invalid-args' ? invalidArgsExit : 1)
        return env.value
      }
    }
  }
  return api as PosterityApi
}
