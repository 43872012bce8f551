// /media/thumb/<id> and /media/full/<id>: poster images, only those the library itself
// names (mediaFile looks the id up; no path is ever built from the URL).
import { createReadStream, readFileSync, statSync } from 'node:fs'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { CoreContext } from '../context'
import { mediaFile, verifiedBytes } from '../library/media'
import { parseMediaPath } from '../hosting/media-path'
import { sendError } from './respond'

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
  if (!found.sha256) {
    res.setHeader('Content-Length', size)
    if (req.method === 'HEAD') return void res.end()
    const stream = createReadStream(found.path)
    stream.on('error', () => res.destroy())
    return void stream.pipe(res)
  }
  // A full image: read whole (one poster at a time) and sent only if these very bytes are the
  // imported ones, so a file swapped after the lookup is never sent.
  let bytes: Buffer | null
  try {
    bytes = verifiedBytes(found, readFileSync(found.path))
  } catch {
    bytes = null
  }
  if (!bytes) {
    res.removeHeader('Content-Type')
    res.removeHeader('ETag')
    return sendError(res, 404, 'no such poster image')
  }
  res.setHeader('Content-Length', bytes.length)
  res.end(req.method === 'HEAD' ? undefined : bytes)
}
