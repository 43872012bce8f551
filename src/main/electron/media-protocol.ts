// posterity-media://thumb/<id> and posterity-media://full/<id>: poster images for the window,
// only files the library names (the core answers the lookup with mediaFile), 404 for
// anything else. No electron import: protocols.ts hands this to protocol.handle, and unit
// tests call it with real Requests over a real library.
import { readFile } from 'node:fs/promises'
import { verifiedBytes, type MediaFile, type MediaKind } from '../library/media'
import { parseMediaPath } from '../hosting/media-path'
import { methodNotAllowed, notFound, type ProtocolHandler } from './app-protocol'

export type MediaLookup = (kind: MediaKind, id: string) => Promise<MediaFile | null>

export function mediaProtocolHandler(lookup: MediaLookup): ProtocolHandler {
  return async (request) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') return methodNotAllowed('GET, HEAD')
    let url: URL
    try {
      url = new URL(request.url)
    } catch {
      return notFound()
    }
    // A standard scheme parses as posterity-media://<kind>/<id>; nothing else rides along.
    if (url.port || url.username || url.password) return notFound()
    const target = parseMediaPath(`${url.hostname}${url.pathname}`)
    if (!target) return notFound()
    const file = await lookup(target.kind, target.id)
    if (!file) return notFound()
    try {
      // A full image is sent only if the bytes read are the imported ones (checked on these very bytes).
      const bytes = verifiedBytes(file, await readFile(file.path))
      if (!bytes) return notFound()
      const body = new Uint8Array(bytes.buffer as ArrayBuffer, bytes.byteOffset, bytes.byteLength)
      return new Response(request.method === 'HEAD' ? null : body, {
        headers: { 'content-type': file.mime, 'content-length': String(body.length), 'x-content-type-options': 'nosniff', 'cache-control': 'no-cache' },
      })
    } catch {
      return notFound()
    }
  }
}
