// The one way the renderer reaches the core: in the desktop app a MessagePort to the core
// process (handed over by the preload as `window.posterityDesktop`), else the WebSocket of
// `posterity serve`. Both speak one protocol through one client; everything above this
// file is identical in both hosts.
import { mediaUrl, type MediaKind, type PosterityBridge, type PosterityApi } from '../../../shared/api'
import type { Connection } from './connection'
import { createPortClient } from './port-client'
import { createWsClient } from './ws-client'

interface Resolved {
  bridge: PosterityBridge
  connection: Connection
  electron: boolean
  token: string | null
}

let resolved: Resolved | null = null

function resolve(): Resolved {
  if (resolved) return resolved
  const desktop = window.posterityDesktop
  if (desktop) {
    const client = createPortClient(desktop.link)
    const bridge: PosterityBridge = { ...client.bridge, host: { pathForFile: (file) => desktop.pathForFile(file) } }
    resolved = { bridge, connection: client.connection, electron: true, token: null }
  } else {
    const token = new URLSearchParams(location.search).get('token')
    const scheme = location.protocol === 'https:' ? 'wss' : 'ws'
    const url = `${scheme}://${location.host}/api?token=${encodeURIComponent(token ?? '')}`
    const client = createWsClient({ url })
    resolved = { bridge: client.bridge, connection: client.connection, electron: false, token }
  }
  return resolved
}

export const bridge = (): PosterityBridge => resolve().bridge
export const api = (): PosterityApi => resolve().bridge.api
export const connection = (): Connection => resolve().connection
export const isElectron = (): boolean => resolve().electron
/** The serve token, when the page was opened without one the socket cannot connect. */
export const hasToken = (): boolean => resolve().electron || !!resolve().token

/** URL of a poster's thumbnail or full image for the current host. */
export function posterUrl(kind: MediaKind, id: string): string {
  const r = resolve()
  return mediaUrl(kind, id, { electron: r.electron, token: r.token })
}
