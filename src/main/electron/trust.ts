// Who may talk to the core: only the top frame of a page that is our own app, judged by the
// frame's URL (Electron's security guide, VS Code's validatedIpcMain), never by comparing
// objects, which says nothing about what the frame is showing now. No electron import:
// unit tests pass stand-in frames.

/** The part of Electron's WebFrameMain the check reads. */
export interface FrameLike {
  readonly url: string
  readonly parent: FrameLike | null
}

/** Same app: same scheme and host; for file: also the same page (any file is "null" origin). */
export function sameApp(url: string, appUrl: string): boolean {
  let a: URL
  let b: URL
  try {
    a = new URL(url)
    b = new URL(appUrl)
  } catch {
    return false
  }
  if (a.protocol !== b.protocol || a.host !== b.host) return false
  if (a.username || a.password) return false
  return a.protocol !== 'file:' || a.pathname === b.pathname
}

/** True for the top frame of our app's page; false for subframes, other pages, a gone frame. */
export function trustedFrame(frame: FrameLike | null | undefined, appUrl: string): boolean {
  if (!frame || frame.parent !== null) return false
  return sameApp(frame.url, appUrl)
}
