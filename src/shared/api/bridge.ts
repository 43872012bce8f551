// The renderer's bridge to the core: the contract's client, contract events, and the few
// things only a host can do. The renderer builds exactly this object over the desktop
// app's port (from the preload's DesktopBridge) or over the WebSocket of `posterity serve`,
// so the code above it is identical in both.
import type { Event, EventName, PosterityApi } from './contract'

/** A File from a drop on the window: opaque here (shared code sees no DOM types), the preload reads it. */
export type DroppedFile = object

export interface PosterityBridge {
  api: PosterityApi
  /** Listen to a contract event; returns the function that stops listening. */
  on<N extends EventName>(name: N, listener: (payload: Event<N>) => void): () => void
  /** Host-only helpers; absent in a browser. */
  host?: {
    /** Absolute path of a file dropped on the window (Electron's webUtils.getPathForFile). */
    pathForFile(file: DroppedFile): string
  }
}

/** The custom protocol that serves posters in the desktop app (only library files). */
export const MEDIA_PROTOCOL = 'posterity-media'

/**
 * What the desktop preload exposes as `window.posterityDesktop`: a raw link to the core
 * process (a MessagePort behind it) and host helpers. Only data crosses it, as structured
 * clones; the renderer builds the typed client, so errors are rebuilt on its side with
 * their codes (contextBridge would keep an Error's message only).
 */
export interface DesktopBridge {
  link: CoreLink
  /** Absolute path of a file dropped on the window (Electron's webUtils.getPathForFile). */
  pathForFile(file: DroppedFile): string
}

export interface CoreLinkEvents {
  open(): void
  message(data: unknown): void
  closed(reason?: string): void
}

export interface CoreLink {
  /** Asks the main process for a port to the core; what follows comes through `events`. */
  open(events: CoreLinkEvents): void
  /** Posts one protocol message on the current port (dropped while there is none). */
  send(msg: unknown): void
  close(): void
}

/** IPC channels between the preload and the main process (messages themselves go over the port). */
export const CORE_CHANNELS = {
  /** renderer → main: give me a port to the core. */
  connect: 'posterity:core-connect',
  /** main → renderer: here is the port (in event.ports). */
  port: 'posterity:core-port',
  /** main → renderer: the core process went down (a reason string); ask again to reconnect. */
  down: 'posterity:core-down',
} as const

/** URL of a poster's thumbnail or full image, for either host. */
/** A poster's thumbnail or its original file. */
export type MediaKind = 'thumb' | 'full'

export function mediaUrl(kind: MediaKind, id: string, opts: { electron: boolean; token?: string | null }): string {
  const path = `${kind}/${encodeURIComponent(id)}`
  if (opts.electron) return `${MEDIA_PROTOCOL}://${path}`
  return `/media/${path}${opts.token ? `?token=${encodeURIComponent(opts.token)}` : ''}`
}
