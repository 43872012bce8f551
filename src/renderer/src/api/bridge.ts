// The one way the renderer reaches the core: `window.posterity` from the Electron preload,
// else the WebSocket client of `posterity serve`. Everything above this file is identical
// in both hosts.
import { mediaUrl, type PosterityBridge, type PosterityApi } from '../../../shared/api'
import { alwaysOpen, type Connection } from './connection'
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
  if (window.posterity) {
    resolved = { bridge: window.posterity, connection: alwaysOpen, electron: true, token: null }
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
export function posterUrl(kind: 'thumb' | 'full', id: string): string {
  const r = resolve()
  return mediaUrl(kind, id, { electron: r.electron, token: r.token })
}
