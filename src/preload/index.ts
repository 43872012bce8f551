// The preload: exposes exactly `window.posterityDesktop` (a DesktopBridge) and nothing else:
// a link to the core process over a MessagePort, and the path of a dropped file. The
// renderer builds the typed API on top (api/port-client.ts), so what crosses contextBridge
// is only data: results and errors as envelopes, events as payloads.
// Sandboxed preloads cannot load npm modules, so electron-vite bundles everything here.
import { contextBridge, ipcRenderer, webUtils } from 'electron'
import type { DesktopBridge } from '../shared/api'
import { createCoreLink, type IpcLike } from './link'

const desktop: DesktopBridge = {
  link: createCoreLink(ipcRenderer as unknown as IpcLike),
  pathForFile: (file) => webUtils.getPathForFile(file as File),
}

contextBridge.exposeInMainWorld('posterityDesktop', desktop)
