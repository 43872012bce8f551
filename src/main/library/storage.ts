// Failures of the disk under a library (full, read-only, no permission, failing) as one plain
// sentence each, instead of SQLite's or the file system's terse codes. SQLite rolls the failed
// transaction back in each case: the library stays as it was before the call.
import { accessSync, constants } from 'node:fs'
import { join, relative, sep } from 'node:path'
import { printable } from '../../shared/printable'
import { DB_FILE, type Db } from './db'

/** The errno code of trying to write `path`, or null when it may be written. */
function writeDenied(path: string): string | null {
  try {
    accessSync(path, constants.W_OK)
    return null
  } catch (err) {
    return (err as NodeJS.ErrnoException).code ?? 'EACCES'
  }
}

/**
 * SQLite says only "readonly" when it may not write the library file: a read-only file system,
 * or a file or folder this user may not write (made by another user, say). The folder is asked.
 */
function readOnlyWhy(dir: string): 'file system' | 'folder' | 'file' {
  const folder = writeDenied(dir)
  if (folder === 'EROFS') return 'file system'
  if (folder) return 'folder'
  const file = writeDenied(join(dir, DB_FILE))
  return file === 'EACCES' || file === 'EPERM' ? 'file' : 'file system'
}

export function storageProblem(err: unknown, dir: string): string | null {
  const code = (err as { code?: unknown } | null)?.code
  if (typeof code !== 'string') return null
  if (code === 'SQLITE_FULL' || code === 'ENOSPC' || code === 'EDQUOT') {
    return `the disk holding the library (${dir}) is full: free some space and try again (nothing was changed)`
  }
  const why = code.startsWith('SQLITE_READONLY') ? readOnlyWhy(dir) : code === 'EROFS' ? 'file system' : null
  if (why === 'file system') {
    return `the library in ${dir} is on a read-only file system: Posterity writes beside the library file even to read it (its lock, SQLite's journal); copy the folder to a writable disk`
  }
  if (why === 'file') {
    return `no permission to write the library file ${join(dir, DB_FILE)}: check its owner and permissions (nothing was changed)`
  }
  if (why === 'folder' || code === 'EACCES' || code === 'EPERM' || code === 'SQLITE_PERM' || code.startsWith('SQLITE_CANTOPEN')) {
    // A folder inside the library (models/, thumbs/) is named when that is what refused.
    const path = (err as { path?: unknown }).path
    const inside = typeof path === 'string' && path.startsWith(dir + sep) ? ` (${printable(relative(dir, path))})` : ''
    return `no permission to write in the library folder ${dir}${inside}: Posterity writes beside the library file even to read it (its lock, SQLite's journal); check the folder's owner and permissions (nothing was changed)`
  }
  if (code.startsWith('SQLITE_IOERR') || code === 'EIO') {
    return `the disk holding the library (${dir}) failed to read or write (${code}): check the disk; the last change was not made`
  }
  return null
}

/**
 * Throws SQLite's own error (which storageProblem words) when the library file cannot be
 * written, found by a write that is rolled back: long work (a training) checks before it
 * starts instead of failing at its end.
 */
export function checkWritable(db: Db): void {
  const rollback = new Error('rolled back')
  try {
    db.transaction(() => {
      db.prepare("INSERT OR IGNORE INTO thumb_orphans (hash) VALUES ('')").run()
      throw rollback
    })()
  } catch (err) {
    if (err !== rollback) throw err
  }
}
