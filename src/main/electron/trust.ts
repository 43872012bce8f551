// Who may talk to the core, and where a frame may go: only our own app, judged by the
// frame's URL (Electron's security guide, VS Code's validatedIpcMain), never by comparing
// objects, which says nothing about what the frame is showing now. Our app is the built
// page on posterity-app://app (or the dev server under `electron-vite dev`); file:// is
// never trusted. No electron import: unit tests pass stand-in frames.

/** The part of Electron's WebFrameMain the check reads. */
export interface FrameLike {
  readonly url: string
  readonly parent: FrameLike | null
}

/**
 * Same app: same scheme, host and port, no credentials. A file: URL is never the app (every
 * file is one "null" origin, and the app no longer loads from disk).
 */
export function sameApp(url: string, appUrl: string): boolean {
  let a: URL
  let b: URL
  try {
    a = new URL(url)
    b = new URL(appUrl)
  } catch {
    return false
  }
  if (a.protocol === 'file:' || b.protocol === 'file:') return false
  if (a.username || a.password) return false
  // host is hostname:port; custom schemes keep the host's case in Node (Chromium lowers it).
  return a.protocol === b.protocol && a.host.toLowerCase() === b.host.toLowerCase()
}

/** True for the top frame of our app's page; false for subframes, other pages, a gone frame. */
export function trustedFrame(frame: FrameLike | null | undefined, appUrl: string): boolean {
  if (!frame || frame.parent !== null) return false
  return sameApp(frame.url, appUrl)
}

/**
 * May a subframe navigate to `url`? Only within our own app: never to another site, a
 * file, about:blank, data: or javascript:. (The app has no frames of its own; this is what
 * keeps an injected one from going anywhere. The top frame never navigates at all.)
 */
export function subframeNavigationAllowed(url: string, appUrl: string): boolean {
  return sameApp(url, appUrl)
}
