// The app's two schemes in the window, both served by the main process:
//   posterity-app://app/<path>   the page itself, from out/renderer (app-protocol.ts)
//   posterity-media://thumb/<id> and posterity-media://full/<id>: poster images, only files
//     the library names (the core process answers with mediaFile), 404 for anything else.
// The files are read here, never through the core's message loop.
import { protocol } from 'electron'
import { readFile } from 'node:fs/promises'
import { MEDIA_PROTOCOL } from '../../shared/api'
import type { MediaKind } from '../library/media'
import { parseMediaPath } from '../hosting/media-path'
import { APP_SCHEME, appProtocolHandler, methodNotAllowed, notFound } from './app-protocol'

/**
 * Must run before the app is ready, and only once (a later call replaces the earlier list).
 * Neither scheme is corsEnabled: no other origin may read the page's files, and posters
 * load into <img> as no-cors requests.
 */
export function registerSchemes(): void {
  protocol.registerSchemesAsPrivileged([
    { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true, codeCache: true } },
    { scheme: MEDIA_PROTOCOL, privileges: { standard: true, secure: true, supportFetchAPI: true, stream: true } },
  ])
}

/** The page's own files, from the built renderer folder only. */
export function handleAppProtocol(rendererDir: string): void {
  protocol.handle(APP_SCHEME, appProtocolHandler(rendererDir))
}

export type MediaLookup = (kind: MediaKind, id: string) => Promise<{ path: string; mime: string } | null>

export function handleMediaProtocol(lookup: MediaLookup): void {
  protocol.handle(MEDIA_PROTOCOL, async (request) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') return methodNotAllowed('GET, HEAD')
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
