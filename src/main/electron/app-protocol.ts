// posterity-app://app/<path>: the window's own page, served from the built renderer folder
// (out/renderer) instead of file://, so the page has a real origin of its own and no file
// on disk outside that folder is reachable from it. GET only, one host, no path out of the
// folder (encoded or through a symlink), the type each file is, and the server's security
// headers (the CSP among them) on every response. No electron import: protocols.ts hands
// this to protocol.handle, and unit tests call it with real Requests.
import { readFile } from 'node:fs/promises'
import { SECURITY_HEADERS } from '../hosting/csp'
import { locateRendererFile, rendererMime } from '../hosting/renderer-files'

export const APP_SCHEME = 'posterity-app'
export const APP_HOST = 'app'
/** The page the window loads; every URL on this scheme and host is the app's own. */
export const APP_URL = `${APP_SCHEME}://${APP_HOST}/index.html`

const TEXT = { 'content-type': 'text/plain; charset=utf-8', 'x-content-type-options': 'nosniff' }

export const notFound = (): Response => new Response('not found', { status: 404, headers: TEXT })

export const methodNotAllowed = (allow: string): Response => new Response(null, { status: 405, headers: { allow } })

export type ProtocolHandler = (request: Request) => Promise<Response>

/** The handler for the app's scheme, serving files of `rendererDir` only. */
export function appProtocolHandler(rendererDir: string): ProtocolHandler {
  return async (request) => {
    if (request.method !== 'GET') return methodNotAllowed('GET')
    let url: URL
    try {
      url = new URL(request.url)
    } catch {
      return notFound()
    }
    if (url.protocol !== `${APP_SCHEME}:` || url.hostname.toLowerCase() !== APP_HOST) return notFound()
    if (url.port || url.username || url.password) return notFound()
    const file = await locateRendererFile(rendererDir, url.pathname || '/')
    if (!file) return notFound()
    let body: Uint8Array<ArrayBuffer>
    try {
      const bytes = await readFile(file)
      // The same bytes, typed as the fetch API's body (a file's Buffer owns its ArrayBuffer).
      body = new Uint8Array(bytes.buffer as ArrayBuffer, bytes.byteOffset, bytes.byteLength)
    } catch {
      return notFound()
    }
    return new Response(body, {
      status: 200,
      headers: {
        ...SECURITY_HEADERS,
        'Content-Type': rendererMime(file),
        'Content-Length': String(body.length),
        // The shell and its hashed assets come from the app itself: a new build is a new app.
        'Cache-Control': 'no-cache',
      },
    })
  }
}
