// The one IPC exchange left in the main process: a window asks for a port to the core
// (CORE_CHANNELS.connect) and gets one end of a fresh MessageChannelMain, the core the
// other. Calls, results, events, training progress and predictions all go over the port.
// When the core process goes down every connected window is told, and asks again.
import { ipcMain, MessageChannelMain, type IpcMainEvent, type WebContents } from 'electron'
import { CORE_CHANNELS } from '../../shared/api'
import type { ElectronSupervisor } from './core-process'
import { trustedFrame } from './trust'

export interface CoreIpc {
  /** Tells every connected window that the core went down (its client reconnects). */
  down(reason: string): void
  dispose(): void
}

export function registerCoreIpc(core: ElectronSupervisor, appUrl: string): CoreIpc {
  const windows = new Set<WebContents>()

  const onConnect = (event: IpcMainEvent): void => {
    const frame = event.senderFrame
    if (!frame || !trustedFrame(frame, appUrl)) return
    const contents = event.sender
    const { port1, port2 } = new MessageChannelMain()
    core
      .connect(port1)
      .then(() => {
        if (contents.isDestroyed()) throw new Error('the window is gone')
        windows.add(contents)
        contents.once('destroyed', () => windows.delete(contents))
        // Into the frame that asked (it cannot have navigated since: no navigation is allowed).
        // A frame gone meanwhile throws, and both ends are closed below.
        frame.postMessage(CORE_CHANNELS.port, null, [port2])
      })
      .catch((err: unknown) => {
        // port1 may already be with the core: closing port2 is what tells it; each close is best effort.
        for (const port of [port2, port1]) {
          try {
            port.close()
          } catch {
            /* already transferred or closed */
          }
        }
        if (!contents.isDestroyed()) contents.send(CORE_CHANNELS.down, err instanceof Error ? err.message : String(err))
      })
  }
  ipcMain.on(CORE_CHANNELS.connect, onConnect)

  return {
    down(reason) {
      for (const contents of windows) if (!contents.isDestroyed()) contents.send(CORE_CHANNELS.down, reason)
    },
    dispose() {
      ipcMain.removeListener(CORE_CHANNELS.connect, onConnect)
      windows.clear()
    },
  }
}
