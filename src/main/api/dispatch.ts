// Validates a call against the contract, runs its handler, and wraps the outcome in an
// envelope. IPC and the WebSocket server both go through here, so both validate alike.
import type { z } from 'zod'
import type { Contract, Envelope, HandlersOf } from '../../shared/api'
import { ApiError } from '../../shared/api'
import { issuesLine } from './issues'

export type Dispatch = (channel: string, args: unknown) => Promise<Envelope>

/**
 * `explain` may turn an unexpected error into a plain one (a full or read-only disk, say),
 * answered with its message instead of the raw error's.
 */
export function createDispatch<K extends Contract>(contract: K, handlers: HandlersOf<K>, explain?: (err: unknown) => ApiError | null): Dispatch {
  const table = new Map<string, { input: z.ZodType; output: z.ZodType; run: (a: unknown) => unknown }>()
  for (const [domain, commands] of Object.entries(contract)) {
    for (const [name, cmd] of Object.entries(commands)) {
      const impl = (handlers as Record<string, Record<string, (a: unknown) => unknown>>)[domain]?.[name]
      if (!impl) throw new Error(`no handler for ${domain}.${name}`)
      table.set(`${domain}.${name}`, { input: cmd.input, output: cmd.output, run: impl })
    }
  }
  return async (channel, args) => {
    const entry = typeof channel === 'string' ? table.get(channel) : undefined
    if (!entry) return { ok: false, error: { code: 'invalid-args', message: `unknown command ${String(channel)}` } }
    const parsed = entry.input.safeParse(args)
    if (!parsed.success) {
      return { ok: false, error: { code: 'invalid-args', message: `${channel}: ${issuesLine(parsed.error)}` } }
    }
    try {
      const value = await entry.run(parsed.data)
      // Results are checked too: a handler that drifts from the contract fails loudly here.
      const out = entry.output.safeParse(value)
      if (!out.success) {
        return { ok: false, error: { code: 'internal', message: `${channel} returned an invalid result: ${issuesLine(out.error)}` } }
      }
      return { ok: true, value: out.data }
    } catch (caught) {
      const err = caught instanceof ApiError ? caught : (explain?.(caught) ?? caught)
      if (err instanceof ApiError) return { ok: false, error: { code: err.code, message: err.message } }
      return { ok: false, error: { code: 'internal', message: err instanceof Error ? err.message : String(err) } }
    }
  }
}
