// posterity-media://thumb/<id> and posterity-media://full/<id>: poster images for the
// window, only files the library names (the core process answers with mediaFile), 404
// for anything else. The file itself is read here, never through the core's message loop.
import { protocol } from 'electron'
import { readFile } from 'node:fs/promises'
import { MEDIA_PROTOCOL } from '../../shared/api'
import type { MediaKind } from '../library/media'
import { parseMediaPath } from '../hosting/media-path'

/** Must run before the app is ready. */
export function registerMediaScheme(): void {
  protocol.registerSchemesAsPrivileged([
    { scheme: MEDIA_PROTOCOL, privileges: { standard: true, secure: true, supportFetchAPI: true, stream: true } },
  ])
}

const notFound = (): Response => new Response('not found', { status: 404, headers: { 'content-type': 'text/plain' } })

export type MediaLookup = (kind: MediaKind, id: string) => Promise<{ path: string; mime: string } | null>

export function handleMediaProtocol(lookup: MediaLookup): void {
  protocol.handle(MEDIA_PROTOCOL, async (request) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') return new Response(null, { status: 405 })
    let url: URL
    try {
      url = new URL(request.url)
    } catch {
      return notFound()
    }
    // A standard scheme parses as posterity-media://<kind>/<id>.
    const target = parseMediaPath(`${url.hostname}${url.pathname}`)
    if (!target) return notFound()
    const file = await lookup(target.kind, target.id)
    if (!file) return notFound()
    try {
      const body = await readFile(file.path)
      return new Response(request.method === 'HEAD' ? null : body, {
        headers: { 'content-type': file.mime, 'content-length': String(body.length), 'x-content-type-options': 'nosniff', 'cache-control': 'no-cache' },
      })
    } catch {
      return notFound()
    }
  })
}
