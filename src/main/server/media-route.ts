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
  if (req.headers['if-none-match'] === etag) {
    res.statusCode = 304
    res.setHeader('ETag', etag)
    res.setHeader('Cache-Control', 'private, no-cache')
    return void res.end()
  }
  // A full image is read whole (one poster at a time) and sent only if these very bytes are the
  // imported ones, so a file swapped after the lookup is never sent; a thumbnail streams.
  let bytes: Buffer | null = null
  if (found.sha256) {
    try {
      bytes = verifiedBytes(found, readFileSync(found.path))
    } catch {
      bytes = null
    }
    if (!bytes) return sendError(res, 404, 'no such poster image')
  }
  res.statusCode = 200
  res.setHeader('ETag', etag)
  res.setHeader('Cache-Control', 'private, no-cache')
  res.setHeader('Content-Type', found.mime)
  res.setHeader('Content-Length', bytes?.length ?? size)
  if (req.method === 'HEAD') return void res.end()
  if (bytes) return void res.end(bytes)
  const stream = createReadStream(found.path)
  stream.on('error', () => res.destroy())
  stream.pipe(res)
}
