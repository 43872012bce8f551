// What a CLI command is: its help text, its flags (node:util parseArgs) and what it runs.
// Every command gets the common `--library DIR` and `--help` flags for free.
import type { ParseArgsConfig } from 'node:util'
import { ApiError } from '../../shared/api'

export type Options = NonNullable<ParseArgsConfig['options']>

/** Parsed flags: strings, booleans, or arrays of them for `multiple: true` options. */
export type Values = Record<string, string | boolean | (string | boolean)[] | undefined>

export interface RunArgs {
  values: Values
  positionals: string[]
  /** --library DIR, else POSTERITY_LIBRARY, else the per-user data folder (resolveLibraryDir). */
  libraryDir: string
  hosts: OtherHosts
}

/**
 * What the CLI starts but does not import: the executable (src/main/cli-main.ts) passes the
 * server in, so the two hosts stay apart. Absent where the CLI runs without it (tests).
 */
export interface OtherHosts {
  startServer?(options: { libraryDir: string; port: number; host: string }): Promise<{ url: string; close(): Promise<void> }>
}

export interface Command {
  /** One line for `posterity --help`. */
  summary: string
  /** The full `posterity <cmd> --help` text, starting with the usage line. */
  help: string
  options: Options
  /** Whether the command takes positional arguments (paths, ...). */
  positionals?: boolean
  /** Returns the exit code. Throw UserError (or ApiError) for failures the user can fix. */
  run(args: RunArgs): Promise<number>
}

/** A failure caused by the user's input: printed as one line on stderr, no stack trace. */
export class UserError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message)
    this.name = 'UserError'
  }
}

export function isUserError(err: unknown): err is UserError | ApiError {
  return err instanceof UserError || (err instanceof ApiError && err.code !== 'internal')
}

/** A string flag's value (undefined when absent). */
export function str(values: Values, name: string): string | undefined {
  const v = values[name]
  return typeof v === 'string' ? v : undefined
}

/** An integer flag, with a clear error when it is not one. */
export function int(values: Values, name: string, fallback?: number): number | undefined {
  const v = str(values, name)
  if (v === undefined) return fallback
  if (!/^-?\d+$/.test(v)) throw new UserError(`--${name} expects a whole number, got "${v}"`, 2)
  return Number(v)
}

/** A probability flag (--min-prob): a decimal between 0 and 1 (0.5, .5, 1), not hex or an exponent. */
export function probability(values: Values, name: string): number | undefined {
  const v = str(values, name)
  if (v === undefined) return undefined
  const p = Number(v)
  if (!/^\s*(0|1|0?\.\d+|0\.|1\.0*)\s*$/.test(v) || !(p >= 0 && p <= 1)) throw new UserError(`--${name} expects a probability between 0 and 1, got "${v}"`, 2)
  return p
}
