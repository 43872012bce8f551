// Which file on disk serves a poster's thumbnail or full image. Only files that belong to the
// library are ever returned: the id is looked up, never turned into a path, so a crafted id
// cannot reach anything else.
import { createHash } from 'node:crypto'
import { lstatSync, statSync } from 'node:fs'
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
 * The original still looks like what was imported: a regular file of the recorded size. Its
 * bytes are checked against the recorded hash by whoever reads them to serve them (verifiedBytes),
 * on the very bytes sent: a check here and a second read there would let a file swapped in
 * between (a link to /etc/passwd, a key of the same size) through.
 */
function looksImported(path: string, size: number): boolean {
  try {
    const st = statSync(path)
    return st.isFile() && st.size === size
  } catch {
    return false
  }
}

/** The file a poster's image is read from; a full image carries the sha256 its bytes must have. */
export interface MediaFile {
  path: string
  mime: string
  sha256?: string
}

/** `bytes` when they are what was imported (or no hash is asked for), else null. */
export function verifiedBytes(file: MediaFile, bytes: Buffer): Buffer | null {
  return !file.sha256 || createHash('sha256').update(bytes).digest('hex') === file.sha256 ? bytes : null
}

export function mediaFile(ctx: CoreContext, kind: MediaKind, id: string): MediaFile | null {
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
  return mime && looksImported(row.path, row.size) ? { path: row.path, mime, sha256: row.hash } : null
}
