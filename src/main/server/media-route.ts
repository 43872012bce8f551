// /media/thumb/<id> and /media/full/<id>: poster images, only those the library itself
// names (mediaFile looks the id up; no path is ever built from the URL).
import { createReadStream, statSync } from 'node:fs'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { PosterId } from '../../shared/api/common'
import type { CoreContext } from '../context'
import { mediaFile, type MediaKind } from '../library/media'
import { sendError } from './respond'

/**
 * `<kind>/<encoded id>` (what follows /media/ here, or posterity-media:// in the desktop app)
 * → the kind and a valid poster id, or null. An encoded `/` or `..` never survives as a path.
 */
export function parseMediaPath(rest: string): { kind: MediaKind; id: string } | null {
  const parts = rest.split('/')
  if (parts.length !== 2 || (parts[0] !== 'thumb' && parts[0] !== 'full')) return null
  let id: string
  try {
    id = decodeURIComponent(parts[1])
  } catch {
    return null
  }
  return PosterId.safeParse(id).success ? { kind: parts[0], id } : null
}

export function serveMedia(ctx: CoreContext, req: IncomingMessage, res: ServerResponse, rest: string): void {
  const target = parseMediaPath(rest)
  if (!target) return sendError(res, 404, 'not found')
  const found = mediaFile(ctx, target.kind, target.id)
  if (!found) return sendError(res, 404, 'no such poster image')
  let size: number
  let mtime: number
  try {
    const st = statSync(found.path)
    if (!st.isFile()) return sendError(res, 404, 'no such poster image')
    size = st.size
    mtime = st.mtimeMs
  } catch {
    return sendError(res, 404, 'poster file is missing')
  }
  // Re-imports can replace a poster's file under the same id, so validate instead of caching blindly.
  const etag = `"${size.toString(36)}-${Math.floor(mtime).toString(36)}"`
  res.setHeader('ETag', etag)
  res.setHeader('Cache-Control', 'private, no-cache')
  if (req.headers['if-none-match'] === etag) {
    res.statusCode = 304
    return void res.end()
  }
  res.statusCode = 200
  res.setHeader('Content-Type', found.mime)
  res.setHeader('Content-Length', size)
  if (req.method === 'HEAD') return void res.end()
  const stream = createReadStream(found.path)
  stream.on('error', () => res.destroy())
  stream.pipe(res)
}
