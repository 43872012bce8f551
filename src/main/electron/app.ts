// The desktop app's lifecycle: one instance, one hardened window, and the core in its own
// process (core-process.ts). This process keeps only windows, native dialogs, the page's and
// the posters' protocols and the core's supervision, so nothing the core does can stall the window.
import { app, dialog, type BrowserWindow } from 'electron'
import { superviseCore, type ElectronSupervisor } from './core-process'
import { registerCoreIpc, type CoreIpc } from './ipc'
import { desktopLibraryDir, electronNativeBinding, rendererDir, setSharedDataDefaults } from './paths'
import { pickPathsHook } from './pickers'
import { handleAppProtocol, handleMediaProtocol, registerSchemes } from './protocols'
import { createWindow, hardenSession, hardenWebContents, loadApp, rendererUrl } from './window'

/** The usual cause of a library that cannot open: better-sqlite3 built for Node, not Electron. */
function explain(message: string, libraryDir: string): string {
  const hint = /NODE_MODULE_VERSION|was compiled against a different Node\.js version/.test(message)
    ? '\n\nThe SQLite addon was built for Node, not Electron. Start the app with `npm start`, which builds the Electron copy.'
    : ''
  return `Cannot open the library at ${libraryDir}: ${message}${hint}`
}

export function startDesktop(): void {
  if (!app.requestSingleInstanceLock()) {
    // A second copy would fight the first over the same library.
    app.quit()
    return
  }
  // Every renderer the app ever creates is sandboxed, not only the main window.
  app.enableSandbox()
  registerSchemes()
  app.on('web-contents-created', (_event, contents) => hardenWebContents(contents))

  let win: BrowserWindow | null = null
  let core: ElectronSupervisor | null = null
  let ipc: CoreIpc | null = null

  app.on('second-instance', () => {
    if (!win) return
    if (win.isMinimized()) win.restore()
    win.focus()
  })

  app
    .whenReady()
    .then(async () => {
      hardenSession()
      handleAppProtocol(rendererDir)
      const packaged = app.isPackaged
      const userData = app.getPath('userData')
      const env = { ...process.env }
      setSharedDataDefaults(env, { packaged, userData })
      // The recent-libraries list lives with the app's other state.
      env.POSTERITY_STATE_DIR ||= userData
      const libraryDir = desktopLibraryDir(process.argv, userData)
      core = superviseCore({
        env,
        open: { libraryDir, nativeBinding: electronNativeBinding(packaged), fetchBackbone: packaged },
        pickPaths: pickPathsHook(() => win),
        onDown: (reason) => ipc?.down(reason),
        onFatal: (reason) => {
          ipc?.down(reason)
          if (win) dialog.showErrorBox('Posterity: the library core stopped', explain(reason, libraryDir))
        },
      })
      try {
        await core.start()
      } catch (err) {
        throw new Error(explain(err instanceof Error ? err.message : String(err), libraryDir))
      }
      const c = core
      handleMediaProtocol((kind, id) => c.media(kind, id))
      // The connect handler first: the page asks for its port as soon as it runs.
      ipc = registerCoreIpc(c, rendererUrl())
      win = createWindow()
      win.on('closed', () => {
        win = null
      })
      await loadApp(win)
    })
    .catch((err: unknown) => {
      dialog.showErrorBox('Posterity cannot start', err instanceof Error ? err.message : String(err))
      app.exit(1)
    })

  app.on('window-all-closed', () => app.quit())

  // Jobs are cancelled and the database closed (in the core process) before the app goes.
  let closed = false
  app.on('will-quit', (event) => {
    if (closed || !core) return
    event.preventDefault()
    const c = core
    core = null
    ipc?.dispose()
    c.stop()
      .catch((err: unknown) => console.error('closing the library failed', err))
      .finally(() => {
        closed = true
        app.quit()
      })
  })
}
