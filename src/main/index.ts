// Electron main entry (built by electron-vite into out/main/index.js). All Electron code
// lives in ./electron; the core below it never imports Electron.
import { startDesktop } from './electron/app'

startDesktop()
