// How calls, results and events travel (the desktop app's MessagePort and the WebSocket
// alike), and the generic client that turns a transport into the typed API.
import { z } from 'zod'
import type { Contract, ClientOf } from './define'

export const ErrorCode = z.enum(['invalid-args', 'not-found', 'conflict', 'unsupported', 'internal'])
export type ErrorCode = z.infer<typeof ErrorCode>

export const WireError = z.object({ code: ErrorCode, message: z.string() })
export type WireError = z.infer<typeof WireError>

export const Envelope = z.discriminatedUnion('ok', [
  z.object({ ok: z.literal(true), value: z.unknown() }),
  z.object({ ok: z.literal(false), error: WireError }),
])
export type Envelope = z.infer<typeof Envelope>

/** Client → core, over the WebSocket or the port. */
export const WsCall = z.strictObject({ type: z.literal('call'), id: z.number().int(), channel: z.string().max(100), args: z.unknown() })
/** Core → client, over the WebSocket or the port. */
export const WsMessage = z.discriminatedUnion('type', [
  z.object({ type: z.literal('result'), id: z.number().int(), envelope: Envelope }),
  z.object({ type: z.literal('event'), name: z.string(), payload: z.unknown() }),
])
export type WsMessage = z.infer<typeof WsMessage>

/** A failure with a code that survives the trip across IPC or the socket. */
export class ApiError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message)
    this.name = 'ApiError'
  }
}

export type Invoke = (channel: string, args: unknown) => Promise<Envelope>

/** Builds `api.domain.command(args)` for every command of the contract over `invoke`. */
export function createClient<K extends Contract>(contract: K, invoke: Invoke): ClientOf<K> {
  const client: Record<string, Record<string, (args: unknown) => Promise<unknown>>> = {}
  for (const [domain, commands] of Object.entries(contract)) {
    client[domain] = {}
    for (const name of Object.keys(commands)) {
      client[domain][name] = async (args: unknown) => {
        const envelope = await invoke(`${domain}.${name}`, args ?? {})
        if (envelope.ok) return envelope.value
        throw new ApiError(envelope.error.code, envelope.error.message)
      }
    }
  }
  return client as ClientOf<K>
}

/** Listen to a contract event; returns the function that stops listening. */
export type Subscribe = (name: string, listener: (payload: unknown) => void) => () => void
