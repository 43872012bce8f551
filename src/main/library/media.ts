// Which file on disk serves a poster's thumbnail or full image. Only files that belong to the
// library are ever returned: the id is looked up, never turned into a path, so a crafted id
// cannot reach anything else.
import { statSync } from 'node:fs'
import { extname } from 'node:path'
import type { CoreContext } from '../context'
import { thumbPath } from './thumbs'

export type MediaKind = 'thumb' | 'full'

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

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile()
  } catch {
    return false
  }
}

export function mediaFile(ctx: CoreContext, kind: MediaKind, id: string): { path: string; mime: string } | null {
  if (typeof id !== 'string' || id.length === 0 || id.length > 128) return null
  const row = ctx.db.prepare('SELECT hash, path FROM posters WHERE id = ?').get(id) as { hash: string; path: string } | undefined
  if (!row) return null
  if (kind === 'thumb') {
    const path = thumbPath(ctx.dir, row.hash)
    return isFile(path) ? { path, mime: 'image/webp' } : null
  }
  if (kind !== 'full') return null
  const mime = MIME[extname(row.path).toLowerCase()]
  // The recorded original: only while it still exists as a regular file.
  return mime && isFile(row.path) ? { path: row.path, mime } : null
}
