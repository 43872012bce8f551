// A file-system error in words a user acts on, for the importer (images, label files, NFOs),
// the collection scan and the NFO write-back alike. Only ENOENT depends on where it happened
// (a file that vanished, a folder that is gone), so each caller names that; a code without
// words keeps Node's message unless the caller says otherwise (one that must not repeat the
// path Node's message carries).
const WORDS: Record<string, string> = {
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  ENOSPC: 'disk full',
  EDQUOT: 'disk quota exceeded',
  EROFS: 'read-only file system',
  ELOOP: 'too many levels of symbolic links',
  ENOTDIR: 'not a folder',
  EISDIR: 'it is a folder',
}

export function errnoWords(err: unknown, missing = 'no such file or folder', other?: (code: string | undefined) => string): string {
  const code = (err as NodeJS.ErrnoException | null)?.code
  if (code === 'ENOENT') return missing
  return (code && WORDS[code]) ?? (other ? other(code) : (err as Error).message)
}

/**
 * Whether process `pid` exists, by a signal-0 probe: EPERM means it does (another user's).
 * Leftovers of a process that is gone (a lock, an import, a temporary file) are stale.
 */
export function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}
