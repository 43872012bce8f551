// The `posterity` CLI entry: a table of commands, one module each under ./commands.
// To add a command, write commands/<name>.ts with `export default { summary, help, options, run }`
// (the Command interface in ./command) and add ONE line to `commands` below, e.g.
//   serve: () => import('./commands/serve'),
// Modules load lazily, so a heavy command (training) costs nothing to the others.
import { parseArgs } from 'node:util'
import { resolveLibraryDir } from '../paths'
import { version } from '../version'
import { isUserError, type Command, type Options, type OtherHosts } from './command'
import { printable } from '../../shared/printable'
import { cliMessage } from './errors'

type Loader = () => Promise<{ default: Command }>

export const commands: Record<string, Loader> = {
  import: () => import('./commands/import'),
  stats: () => import('./commands/stats'),
  export: () => import('./commands/export'),
  serve: () => import('./commands/serve'),
  train: () => import('./commands/train'),
  predict: () => import('./commands/predict'),
  eval: () => import('./commands/eval'),
  accept: () => import('./commands/accept'),
  review: () => import('./commands/review'),
  tag: () => import('./commands/tag'),
  similar: () => import('./commands/similar'),
  duplicates: () => import('./commands/duplicates'),
}

const common: Options = {
  library: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
}

async function topHelp(): Promise<string> {
  const lines = ['Usage: posterity <command> [options]', '', 'Commands:']
  for (const [name, load] of Object.entries(commands)) {
    const summary = await load().then(
      (m) => m.default.summary,
      () => '(failed to load)',
    )
    lines.push(`  ${name.padEnd(10)} ${summary}`)
  }
  lines.push(
    '',
    'Common options:',
    '  --library DIR   the library folder (default: $POSTERITY_LIBRARY, else the per-user data folder)',
    '  -h, --help      help for a command: posterity <command> --help',
    '  --version       print the version',
  )
  return lines.join('\n') + '\n'
}

/** Runs the CLI; returns the exit code (0 ok, 1 failure, 2 usage error). */
export async function main(argv: string[], hosts: OtherHosts = {}): Promise<number> {
  const [name, ...rest] = argv
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(await topHelp())
    return name ? 0 : 2
  }
  if (name === '--version' || name === '-v') {
    process.stdout.write(`${version}\n`)
    return 0
  }
  const load = Object.hasOwn(commands, name) ? commands[name] : undefined
  if (!load) {
    process.stderr.write(`posterity: unknown command "${name}" (see posterity --help)\n`)
    return 2
  }
  const cmd = (await load()).default
  let parsed: ReturnType<typeof parseArgs>
  try {
    parsed = parseArgs({ args: rest, options: { ...common, ...cmd.options }, allowPositionals: !!cmd.positionals, strict: true })
  } catch (err) {
    process.stderr.write(`posterity ${name}: ${(err as Error).message}\n\n${cmd.help}\n`)
    return 2
  }
  if (parsed.values.help) {
    process.stdout.write(cmd.help.endsWith('\n') ? cmd.help : `${cmd.help}\n`)
    return 0
  }
  const lib = parsed.values.library
  // An empty value (an unset variable in a script) never means "all posters" or "the default library".
  for (const [k, v] of Object.entries(parsed.values)) {
    if (typeof v === 'string' && v.trim() === '') {
      process.stderr.write(`posterity ${name}: --${k} needs a value, got an empty one\n`)
      return 2
    }
  }
  try {
    return await cmd.run({
      values: parsed.values,
      positionals: parsed.positionals,
      libraryDir: resolveLibraryDir(typeof lib === 'string' ? lib : undefined),
      hosts,
    })
  } catch (err) {
    if (isUserError(err)) {
      process.stderr.write(`posterity ${name}: ${printable(cliMessage(err.message))}\n`)
      return 'exitCode' in err && typeof err.exitCode === 'number' ? err.exitCode : 1
    }
    // A bug, not a user error: keep the stack when asked for it.
    const e = err instanceof Error ? err : new Error(String(err))
    process.stderr.write(`posterity ${name}: ${printable(e.message)}\n`)
    if (process.env.POSTERITY_DEBUG) process.stderr.write(`${e.stack}\n`)
    else process.stderr.write('(set POSTERITY_DEBUG=1 for the stack trace)\n')
    return 1
  }
}
