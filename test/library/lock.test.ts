// One writer per library: a second process is refused with a plain message; a lock left by a
// process that was killed is taken over; a failed migration leaves no handle or lock behind.
import { spawn } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { hostname } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import Database from 'better-sqlite3'
import { DB_FILE } from '../../src/main/library/db'
import { openLibraryDb as openDb } from '../../src/main/schema'
import { LOCK_FILE } from '../../src/main/library/lock'
import { CLI } from '../../scripts/harness'
import { open, tempDir } from './helpers'
import { killable, mod, type Killable } from './killable'

let dir: ReturnType<typeof tempDir>
beforeEach(() => (dir = tempDir()))
afterEach(() => dir.cleanup())

/** A child process that opens the library and holds it until killed; resolves once it has it. */
async function holder(lib: string): Promise<Killable> {
  const child = killable(`const { openLibraryDb } = await import(${mod('src/main/schema.ts')}); openLibraryDb(${JSON.stringify(lib)}); console.log('held'); setInterval(() => {}, 1000)`)
  await child.said
  return child
}

describe('one writer per library', () => {
  it('refuses a second process with a plain message, and takes over after that process is killed', async () => {
    const lib = join(dir.dir, 'lib')
    const child = await holder(lib)
    try {
      expect(() => openDb(lib)).toThrow(new RegExp(`open in another Posterity process ${child.pid}`))
      // A CLI command that writes says the same in one line and exits non-zero; one that only
      // reads reads the library without its lock, saying so.
      const run = async (...args: string[]) => {
        const cli = spawn(process.execPath, [CLI, ...args, '--library', lib], { stdio: ['ignore', 'pipe', 'pipe'] })
        let err = ''
        let out = ''
        cli.stderr!.on('data', (d: Buffer) => (err += d))
        cli.stdout!.on('data', (d: Buffer) => (out += d))
        const code = await new Promise<number | null>((r) => cli.on('exit', r))
        return { code, err, out }
      }
      const imp = await run('import', dir.dir)
      expect(imp.code).not.toBe(0)
      expect(imp.err).toMatch(/open in another Posterity process/)
      expect(imp.err).not.toMatch(/database is locked|SQLITE/)
      const stats = await run('stats', '--json')
      expect(stats.code).toBe(0)
      expect(JSON.parse(stats.out).posters).toBe(0)
      expect(stats.err).toMatch(/reading it without changing anything/)
      // The export reads through the contract too (library.exportPart) on the read-only connection.
      const exp = await run('export', '--format', 'json')
      expect(exp.code).toBe(0)
      expect(exp.out).toBe('[]\n')
      expect(exp.err).toMatch(/reading it without changing anything/)
    } finally {
      await child.kill()
    }
    // Killed: its lock is stale and taken over.
    expect(existsSync(join(lib, LOCK_FILE))).toBe(true)
    const db = openDb(lib)
    db.close()
    expect(existsSync(join(lib, LOCK_FILE))).toBe(false)
  })

  it('lets the same process open a library twice and keeps the lock until the last close', () => {
    const core = open(join(dir.dir, 'lib'))
    const again = openDb(join(dir.dir, 'lib'))
    again.close()
    // The same folder spelled another way is the same lock, not a stale one to take over.
    const relative = openDb(join(dir.dir, 'lib', '..', 'lib'))
    relative.close()
    expect(existsSync(join(dir.dir, 'lib', LOCK_FILE))).toBe(true)
    return core.close().then(() => expect(existsSync(join(dir.dir, 'lib', LOCK_FILE))).toBe(false))
  })

  it('closes its handle and drops the lock when the file is not a library', () => {
    const lib = join(dir.dir, 'bad')
    openDb(lib).close()
    // A newer schema than this version knows: the migration refuses.
    const raw = new Database(join(lib, DB_FILE))
    raw.pragma('user_version = 999')
    raw.close()
    expect(() => openDb(lib)).toThrow(/newer Posterity/)
    expect(existsSync(join(lib, LOCK_FILE))).toBe(false)
    writeFileSync(join(lib, DB_FILE), 'this is not a database, just text that is long enough to be read as a header')
    expect(() => openDb(lib)).toThrow()
    expect(existsSync(join(lib, LOCK_FILE))).toBe(false)
  })

  // Linux only: /proc tells a zombie and the boot time.
  it.skipIf(!existsSync('/proc/stat'))('takes over from a zombie holder and from a lock written before the machine booted, not from a live one', async () => {
    const lib = join(dir.dir, 'lib')
    mkdirSync(lib)
    const lock = (pid: number, at: number) => writeFileSync(join(lib, LOCK_FILE), JSON.stringify({ pid, host: hostname(), at }))
    // A shell whose background child exits after the shell became `sleep`, which never reaps it
    // (a child that exited sooner could be reaped by the shell before its exec).
    const sh = spawn('sh', ['-c', 'sleep 1 & echo $!; exec sleep 30'], { stdio: ['ignore', 'pipe', 'ignore'] })
    try {
      const zombie = Number(await new Promise<string>((r) => sh.stdout!.once('data', (d: Buffer) => r(String(d).trim()))))
      const state = () => {
        const stat = readFileSync(`/proc/${zombie}/stat`, 'latin1')
        return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3)
      }
      for (let i = 0; i < 250 && state() !== 'Z'; i++) await new Promise((r) => setTimeout(r, 20))
      expect(state()).toBe('Z')
      lock(zombie, Date.now())
      openDb(lib).close()
      expect(existsSync(join(lib, LOCK_FILE))).toBe(false)
      // A live process (the shell, now sleeping) holds the library...
      lock(sh.pid!, Date.now())
      expect(() => openDb(lib)).toThrow(new RegExp(`open in another Posterity process ${sh.pid}`))
      // ...unless its lock was written before this boot: the pid names another process now.
      lock(sh.pid!, Date.UTC(2000, 0, 1))
      openDb(lib).close()
      expect(existsSync(join(lib, LOCK_FILE))).toBe(false)
    } finally {
      sh.kill()
    }
  })
})
