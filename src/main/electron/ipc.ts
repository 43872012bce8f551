// IPC derived from the contract: one ipcMain.handle per command channel, all going through
// core.dispatch (which validates arguments and results), and one channel for events.
import { ipcMain, type BrowserWindow, type IpcMainInvokeEvent } from 'electron'
import { channels, EVENT_CHANNEL, type Envelope } from '../../shared/api'
import type { Core } from '../core'

/** Calls are served only to our window's top frame showing our own page. */
function trusted(win: BrowserWindow, event: IpcMainInvokeEvent, appUrl: string): boolean {
  if (win.isDestroyed() || event.sender !== win.webContents) return false
  const frame = event.senderFrame
  if (!frame || frame !== win.webContents.mainFrame) return false
  return sameDocument(frame.url, appUrl)
}

function sameDocument(url: string, appUrl: string): boolean {
  try {
    const a = new URL(url)
    const b = new URL(appUrl)
    return a.protocol === b.protocol && a.host === b.host && (a.protocol !== 'file:' || a.pathname === b.pathname)
  } catch {
    return false
  }
}

/** Registers every channel; returns the function that removes them and stops events. */
export function registerIpc(core: Core, win: BrowserWindow, appUrl: string): () => void {
  for (const channel of channels) {
    ipcMain.handle(channel, (event, args: unknown): Promise<Envelope> | Envelope => {
      if (!trusted(win, event, appUrl)) {
        return { ok: false, error: { code: 'unsupported', message: 'calls are accepted only from the Posterity window' } }
      }
      return core.dispatch(channel, args)
    })
  }
  const stopEvents = core.events.onAny((name, payload) => {
    if (!win.isDestroyed()) win.webContents.send(EVENT_CHANNEL, { name, payload })
  })
  return () => {
    stopEvents()
    for (const channel of channels) ipcMain.removeHandler(channel)
  }
}
