// Which file on disk serves a poster's thumbnail or full image. Only files that belong to the
// library are ever returned: the id is looked up, never turned into a path, so a crafted id
// cannot reach anything else.
import { createHash } from 'node:crypto'
import { lstatSync, readFileSync, statSync } from 'node:fs'
import { extname } from 'node:path'
import type { CoreContext } from '../context'
import { plainShard, thumbMime, thumbPaths } from './thumbs'

import type { MediaKind } from '../../shared/api'

export type { MediaKind }

const MIME: Record<string, string> = {
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.png': 'image/png',
  '.webp': 'image/webp',
  '.gif': 'image/gif',
  '.avif': 'image/avif',
  '.tif': 'image/tiff',
  '.tiff': 'image/tiff',
}

/** A regular file that is not a link (thumbnails are written by us, never as links). */
function isPlainFile(path: string): boolean {
  try {
    return lstatSync(path).isFile()
  } catch {
    return false
  }
}

/**
 * The original still holds what was imported: a regular file of the recorded size whose bytes
 * hash to the recorded hash. A file swapped for another (a link to /etc/passwd, a key, even
 * one of the same size) after the import is refused. One poster at a time is opened full size,
 * so reading it once more here costs little.
 */
function isImported(path: string, size: number, hash: string): boolean {
  try {
    const st = statSync(path)
    if (!st.isFile() || st.size !== size) return false
    return createHash('sha256').update(readFileSync(path)).digest('hex') === hash
  } catch {
    return false
  }
}

export function mediaFile(ctx: CoreContext, kind: MediaKind, id: string): { path: string; mime: string } | null {
  if (typeof id !== 'string' || id.length === 0 || id.length > 128) return null
  const row = ctx.db.prepare('SELECT hash, path, size FROM posters WHERE id = ?').get(id) as { hash: string; path: string; size: number } | undefined
  if (!row) return null
  if (kind === 'thumb') {
    // JPEG, or WebP written by an older version: served as it is, never re-encoded.
    // Through real folders only: a linked thumbs/ or shard would reach outside the library.
    const path = plainShard(ctx.dir, row.hash) ? thumbPaths(ctx.dir, row.hash).find(isPlainFile) : undefined
    return path ? { path, mime: thumbMime(path) } : null
  }
  if (kind !== 'full') return null
  const mime = MIME[extname(row.path).toLowerCase()]
  // The recorded original: only while it is still the file that was imported.
  return mime && isImported(row.path, row.size, row.hash) ? { path: row.path, mime } : null
}
