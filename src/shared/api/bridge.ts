// The shape of `window.posterity`: the contract's client, contract events, and the few
// things only a host can do. The preload (Electron) and the WebSocket client (browser)
// both build exactly this object, so the renderer code is identical in both.
import type { Event, EventName, PosterityApi } from './contract'

export interface PosterityBridge {
  api: PosterityApi
  /** Listen to a contract event; returns the function that stops listening. */
  on<N extends EventName>(name: N, listener: (payload: Event<N>) => void): () => void
  /** Host-only helpers; absent in a browser. */
  host?: {
    /** Absolute path of a file dropped on the window (Electron's webUtils.getPathForFile). */
    pathForFile(file: Blob): string
  }
}

/** The custom protocol that serves posters in the desktop app (only library files). */
export const MEDIA_PROTOCOL = 'posterity-media'

/** The one IPC channel on which the desktop app forwards core events to the window. */
export const EVENT_CHANNEL = 'posterity:event'

/** URL of a poster's thumbnail or full image, for either host. */
export function mediaUrl(kind: 'thumb' | 'full', id: string, opts: { electron: boolean; token?: string | null }): string {
  const path = `${kind}/${encodeURIComponent(id)}`
  if (opts.electron) return `${MEDIA_PROTOCOL}://${path}`
  return `/media/${path}${opts.token ? `?token=${encodeURIComponent(opts.token)}` : ''}`
}
