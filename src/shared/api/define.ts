// Building blocks of the API contract: a command is a pair of runtime schemas
// (argument, result); the TypeScript types of every side are inferred from them.
import { z } from 'zod'

export interface Command<I extends z.ZodType = z.ZodType, O extends z.ZodType = z.ZodType> {
  readonly input: I
  readonly output: O
}

export const command = <I extends z.ZodType, O extends z.ZodType>(input: I, output: O): Command<I, O> => ({
  input,
  output,
})

/** A domain groups related commands: `library.stats`, `labels.set`, ... */
export type Domain = Record<string, Command>
export type Contract = Record<string, Domain>

/** Every command takes exactly one object argument. */
export const noArgs = z.object({}).strict()
export const ok = z.object({ ok: z.literal(true) })

export type Input<C extends Command> = z.input<C['input']>
export type ParsedInput<C extends Command> = z.output<C['input']>
export type Output<C extends Command> = z.output<C['output']>

/** The client view of a contract: `api.domain.command(args) => Promise<result>`. */
export type ClientOf<K extends Contract> = {
  [D in keyof K]: {
    [C in keyof K[D]]: (args: Input<K[D][C]>) => Promise<Output<K[D][C]>>
  }
}

/** The server view: handlers receive parsed, validated arguments. */
export type HandlersOf<K extends Contract> = {
  [D in keyof K]: {
    [C in keyof K[D]]: (args: ParsedInput<K[D][C]>) => Promise<Output<K[D][C]>> | Output<K[D][C]>
  }
}

export type EventMap = Record<string, z.ZodType>
export type EventPayload<E extends EventMap, N extends keyof E> = z.output<E[N]>
