// Failures of the disk under a library (full, read-only, no permission, failing) as one plain
// sentence each, instead of SQLite's or the file system's terse codes. SQLite rolls the failed
// transaction back in each case: the library stays as it was before the call.
export function storageProblem(err: unknown, dir: string): string | null {
  const code = (err as { code?: unknown } | null)?.code
  if (typeof code !== 'string') return null
  if (code === 'SQLITE_FULL' || code === 'ENOSPC' || code === 'EDQUOT') {
    return `the disk holding the library (${dir}) is full: free some space and try again (nothing was changed)`
  }
  if (code.startsWith('SQLITE_READONLY') || code === 'EROFS') {
    return `the library in ${dir} is on a read-only file system: Posterity writes beside the library file even to read it (its lock, SQLite's journal); copy the folder to a writable disk`
  }
  if (code === 'EACCES' || code === 'EPERM' || code === 'SQLITE_PERM' || code.startsWith('SQLITE_CANTOPEN')) {
    return `no permission to write in the library folder ${dir}: check its owner and permissions (nothing was changed)`
  }
  if (code.startsWith('SQLITE_IOERR') || code === 'EIO') {
    return `the disk holding the library (${dir}) failed to read or write (${code}): check the disk; the last change was not made`
  }
  return null
}
