// A child process to kill (SIGKILL) at a moment it chooses: it runs an ES-module script under
// tsx in the repository root and prints a line when it has reached that moment; the test then
// kills it there, as a crash or a power cut would, and opens the library it left behind.
import { spawn } from 'node:child_process'
import { join } from 'node:path'

export const ROOT = join(__dirname, '../..')

/** A repository file as an import specifier for the child's script. */
export const mod = (p: string): string => JSON.stringify(join(ROOT, p).replace(/\\/g, '/'))

export interface Killable {
  /** The child's first line of output (rejects if it exits before printing one). */
  said: Promise<string>
  pid: number
  /** SIGKILL, resolved once it has exited. */
  kill(): Promise<void>
}

export function killable(code: string): Killable {
  const p = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] })
  const exited = new Promise<void>((r) => p.once('exit', () => r()))
  const said = new Promise<string>((resolve, reject) => {
    let out = ''
    p.stdout!.on('data', (d: Buffer) => {
      out += d
      if (out.includes('\n')) resolve(out.slice(0, out.indexOf('\n')).trim())
    })
    p.once('exit', (c) => reject(new Error(`the child exited (${c}) before saying anything`)))
  })
  return {
    said,
    pid: p.pid!,
    kill: async () => {
      if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL')
      await exited
    },
  }
}

/**
 * Script lines for the child (at its top level, once): polls every millisecond (so between the slices of a change) and
 * once `condition` (a JS expression) holds prints "go <detail>" and freezes the process until it
 * is killed, so the kill lands exactly there however slow the machine.
 */
export const freezeWhen = (condition: string, detail = "''"): string =>
  `const { writeSync: say } = await import('node:fs'); ` +
  `const poll = setInterval(() => { if (${condition}) { clearInterval(poll); say(1, 'go ' + (${detail}) + '\\n'); Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0) } }, 1)`

/**
 * A child that opens the library `lib` (a core, as the app does) and runs `script` with `core`,
 * `ok(channel, args)` (a call through the dispatcher that throws on refusal) and `count(genre)`
 * (posters labelled with it); it then stays alive until killed.
 */
export function coreChild(lib: string, script: string): Killable {
  return killable(`
    const { openCore } = await import(${mod('src/main/core.ts')})
    const core = openCore({ libraryDir: ${JSON.stringify(lib)} })
    const ok = async (ch, args) => { const e = await core.dispatch(ch, args); if (!e.ok) throw new Error(e.error.message); return e.value }
    const count = (g) => core.db.prepare('SELECT COUNT(*) FROM labels l JOIN genres g ON g.id = l.genre_id WHERE g.name = ?').pluck().get(g)
    ${script}
    setInterval(() => {}, 1000)
  `)
}
