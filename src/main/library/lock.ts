// One writer per library: a lock file beside the SQLite file names the process that has the
// library open. A second process is refused with a plain message instead of meeting raw
// SQLite errors ("database is locked", UNIQUE constraints) halfway through an import. A lock
// left by a process that died (same machine: pid gone, a zombie, or written before a reboot)
// is taken over.
import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs'
import { hostname } from 'node:os'
import { join, resolve } from 'node:path'
import { processExists } from '../errno'

export const LOCK_FILE = 'library.lock'

interface Holder {
  pid: number
  host: string
  at: number
}

export class LibraryBusyError extends Error {
  constructor(
    readonly dir: string,
    readonly holder: Holder,
  ) {
    const where = holder.host === hostname() ? `process ${holder.pid}` : `process ${holder.pid} on ${holder.host}`
    super(
      `this library is open in another Posterity ${where} since ${new Date(holder.at).toISOString()}; close it there first ` +
        `(if that process is gone for good, delete ${join(dir, LOCK_FILE)})`,
    )
    this.name = 'LibraryBusyError'
  }
}

/** Locks held by this process, by library folder, with how many opens share each. */
const held = new Map<string, number>()

/** Linux's view of a process: its state letter (Z: killed but not yet reaped by its parent). */
function procState(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1')
    // "pid (comm) S ...": comm may hold spaces and parentheses, so read after the last one.
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) || null
  } catch {
    return null
  }
}

/** When this machine booted (ms since the epoch), where Linux says; null elsewhere. */
function bootTime(): number | null {
  try {
    const m = /^btime (\d+)$/m.exec(readFileSync('/proc/stat', 'latin1'))
    return m ? Number(m[1]) * 1000 : null
  } catch {
    return null
  }
}

/** Slack for a clock stepped since the lock was written (NTP at boot): only a lock clearly older than the boot is stale for it. */
const BOOT_SLACK_MS = 10 * 60 * 1000

/**
 * Whether the holder's process still runs. A lock written before this machine booted is stale
 * whatever its pid now names (pids start again after a reboot, and a crash followed by a reboot
 * would otherwise lock the library until the file is deleted by hand); a zombie (a killed
 * process its parent has not reaped yet) holds nothing.
 */
function alive(holder: Holder): boolean {
  const boot = bootTime()
  if (boot !== null && holder.at < boot - BOOT_SLACK_MS) return false
  return processExists(holder.pid) && procState(holder.pid) !== 'Z'
}

function readHolder(path: string): Holder | null {
  try {
    const h = JSON.parse(readFileSync(path, 'utf8')) as Holder
    return Number.isInteger(h.pid) && typeof h.host === 'string' ? h : null
  } catch {
    return null
  }
}

/** Takes the library's lock (re-entrant within this process); returns its release. */
export function lockLibrary(folder: string): () => void {
  // One key per folder however it was spelled, so a second open re-enters instead of taking
  // the lock over from this very process.
  const dir = resolve(folder)
  const path = join(dir, LOCK_FILE)
  const mine = held.get(dir)
  if (mine) {
    held.set(dir, mine + 1)
    return once(dir, path)
  }
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, 'wx')
      writeSync(fd, JSON.stringify({ pid: process.pid, host: hostname(), at: Date.now() } satisfies Holder))
      closeSync(fd)
      held.set(dir, 1)
      return once(dir, path)
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
    }
    const holder = readHolder(path)
    // Another live process here, or any process on another machine (its pid means nothing here).
    if (holder && (holder.host !== hostname() || (holder.pid !== process.pid && alive(holder)))) throw new LibraryBusyError(dir, holder)
    // Stale (its process died) or unreadable: remove it and try once more; a racing opener wins cleanly.
    try {
      unlinkSync(path)
    } catch {
      /* someone else removed it first */
    }
  }
  throw new LibraryBusyError(dir, readHolder(path) ?? { pid: 0, host: 'unknown', at: Date.now() })
}

function once(dir: string, path: string): () => void {
  let done = false
  return () => {
    if (done) return
    done = true
    const n = (held.get(dir) ?? 1) - 1
    if (n > 0) return void held.set(dir, n)
    held.delete(dir)
    try {
      if (readHolder(path)?.pid === process.pid) unlinkSync(path)
    } catch {
      /* already gone */
    }
  }
}
