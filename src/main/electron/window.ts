// The one window, locked down: isolated sandboxed renderer, no Node, our CSP, our page
// from posterity-app://app (never file://), no navigation, no frame leaving the app, no new
// windows, no permissions. External http(s) links open in the browser.
import { app, BrowserWindow, session, shell, type WebContents } from 'electron'
import { CSP, DEV_SERVER_CSP } from '../hosting/csp'
import { APP_URL } from './app-protocol'
import { preloadPath } from './paths'
import { isProduction } from './production'
import { subframeNavigationAllowed } from './trust'

/**
 * Only well-formed http(s) URLs leave the app, and only to the system browser; the app's
 * own pages (the dev server) never do.
 */
export function openExternalSafely(raw: string): void {
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    return
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return
  if (url.username || url.password || url.origin === new URL(rendererUrl()).origin) return
  void shell.openExternal(url.href)
}

/** Applies to every web contents the app ever creates, windows or otherwise. */
export function hardenWebContents(contents: WebContents): void {
  // The top frame never navigates (the app routes inside its one page); a link out opens
  // in the browser instead.
  contents.on('will-navigate', (event, url) => {
    event.preventDefault()
    openExternalSafely(url)
  })
  // Subframes (the app has none; an injected one would be the only kind) stay inside the
  // app. The CSP's default-src already keeps frames to 'self'; this holds without it.
  contents.on('will-frame-navigate', (details) => {
    if (!details.isMainFrame && !subframeNavigationAllowed(details.url, rendererUrl())) details.preventDefault()
  })
  contents.on('will-redirect', (event) => event.preventDefault())
  contents.on('will-attach-webview', (event) => event.preventDefault())
  contents.setWindowOpenHandler(({ url }) => {
    openExternalSafely(url)
    return { action: 'deny' }
  })
}

export function hardenSession(): void {
  const ses = session.defaultSession
  ses.setPermissionRequestHandler((_wc, _permission, callback) => callback(false))
  ses.setPermissionCheckHandler(() => false)
  // The app's protocol sends the CSP itself (app-protocol.ts); this covers anything else,
  // the dev server above all (whose injected <style> elements need inline styles).
  const policy = rendererUrl() === APP_URL ? CSP : DEV_SERVER_CSP
  ses.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [policy], 'X-Content-Type-Options': ['nosniff'] } })
  })
}

/**
 * The dev server's URL under `electron-vite dev`, else the built page on the app's own
 * scheme. A packaged app never follows the variable (it would hand the core to whatever
 * page it names), and a dev server is only ever on this machine.
 */
export function rendererUrl(): string {
  const dev = process.env.ELECTRON_RENDERER_URL
  if (dev && !isProduction(app.isPackaged) && loopbackHttp(dev)) return dev
  return APP_URL
}

function loopbackHttp(url: string): boolean {
  try {
    const u = new URL(url)
    return u.protocol === 'http:' && ['localhost', '127.0.0.1', '[::1]'].includes(u.hostname)
  } catch {
    return false
  }
}

/** The window, not yet showing anything: IPC must be registered before the page loads. */
export function createWindow(): BrowserWindow {
  const win = new BrowserWindow({
    width: 1400,
    height: 900,
    minWidth: 800,
    minHeight: 500,
    show: false,
    title: 'Posterity',
    autoHideMenuBar: true,
    webPreferences: {
      preload: preloadPath,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      spellcheck: false,
      navigateOnDragDrop: false,
      // No console in production: nobody can be talked into pasting code there that then
      // holds the page's whole link to the library (window.posterityDesktop).
      devTools: !isProduction(app.isPackaged),
      // A middle click would open a link in a new window: the app has no use for it.
      disableBlinkFeatures: 'Auxclick',
    },
  })
  win.once('ready-to-show', () => win.show())
  return win
}

export async function loadApp(win: BrowserWindow): Promise<void> {
  await win.loadURL(rendererUrl())
}
