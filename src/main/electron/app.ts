// The desktop app's lifecycle: one instance, one library core, one hardened window.
import { app, dialog, type BrowserWindow } from 'electron'
import { openCore, type Core } from '../core'
import { registerIpc } from './ipc'
import { handleMediaProtocol, registerMediaScheme } from './media-protocol'
import { utilityWorkerLauncher } from './ml-worker'
import { desktopLibraryDir, electronNativeBinding, setSharedDataDefaults } from './paths'
import { pickPathsHook } from './pickers'
import { createWindow, hardenSession, hardenWebContents, loadApp, rendererUrl } from './window'

function openLibrary(getWindow: () => BrowserWindow | null): Core {
  setSharedDataDefaults()
  const libraryDir = desktopLibraryDir(process.argv, app.getPath('userData'))
  const nativeBinding = electronNativeBinding()
  try {
    return openCore({
      libraryDir,
      host: 'electron',
      nativeBinding,
      hooks: { pickPaths: pickPathsHook(getWindow), mlWorker: utilityWorkerLauncher },
    })
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err)
    // The usual cause: better-sqlite3 built for Node, not for Electron's ABI.
    const hint = /NODE_MODULE_VERSION|was compiled against a different Node\.js version/.test(message)
      ? '\n\nThe SQLite addon was built for Node, not Electron. Start the app with `npm start`, which builds the Electron copy.'
      : ''
    throw new Error(`Cannot open the library at ${libraryDir}: ${message}${hint}`)
  }
}

export function startDesktop(): void {
  if (!app.requestSingleInstanceLock()) {
    // A second copy would fight the first over the same library.
    app.quit()
    return
  }
  // Every renderer the app ever creates is sandboxed, not only the main window.
  app.enableSandbox()
  registerMediaScheme()
  app.on('web-contents-created', (_event, contents) => hardenWebContents(contents))

  let win: BrowserWindow | null = null
  let core: Core | null = null
  let unregister: (() => void) | null = null

  app.on('second-instance', () => {
    if (!win) return
    if (win.isMinimized()) win.restore()
    win.focus()
  })

  app
    .whenReady()
    .then(async () => {
      hardenSession()
      core = openLibrary(() => win)
      handleMediaProtocol(core)
      win = createWindow()
      // Handlers first: the page calls the API as soon as it runs.
      unregister = registerIpc(core, win, rendererUrl())
      win.on('closed', () => {
        unregister?.()
        unregister = null
        win = null
      })
      await loadApp(win)
    })
    .catch((err: unknown) => {
      dialog.showErrorBox('Posterity cannot start', err instanceof Error ? err.message : String(err))
      app.exit(1)
    })

  app.on('window-all-closed', () => app.quit())

  // Jobs are cancelled and the database closed before the process goes.
  let closed = false
  app.on('will-quit', (event) => {
    if (closed || !core) return
    event.preventDefault()
    const c = core
    core = null
    c.close()
      .catch((err: unknown) => console.error('closing the library failed', err))
      .finally(() => {
        closed = true
        app.quit()
      })
  })
}
