// The app's two schemes in the window, both served by the main process:
//   posterity-app://app/<path>   the page itself, from out/renderer (app-protocol.ts)
//   posterity-media://thumb/<id> and posterity-media://full/<id>: poster images, only files
//     the library names (the core process answers with mediaFile), 404 for anything else
//     (media-protocol.ts).
// The files are read here, never through the core's message loop.
import { protocol } from 'electron'
import { MEDIA_PROTOCOL } from '../../shared/api'
import { APP_SCHEME, appProtocolHandler } from './app-protocol'
import { mediaProtocolHandler, type MediaLookup } from './media-protocol'

export type { MediaLookup }

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

export function handleMediaProtocol(lookup: MediaLookup): void {
  protocol.handle(MEDIA_PROTOCOL, mediaProtocolHandler(lookup))
}
