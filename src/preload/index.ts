// The preload: exposes exactly `window.posterity` (a PosterityBridge) and nothing else.
// Sandboxed preloads cannot load npm modules, so electron-vite bundles everything here.
import { contextBridge, ipcRenderer, webUtils } from 'electron'
import { contract, createClient, events, EVENT_CHANNEL, type Envelope, type PosterityBridge } from '../shared/api'

type Listener = (payload: unknown) => void
const listeners = new Map<string, Set<Listener>>()

ipcRenderer.on(EVENT_CHANNEL, (_event, message: { name: string; payload: unknown }) => {
  for (const listener of listeners.get(message?.name) ?? []) {
    try {
      listener(message.payload)
    } catch (err) {
      console.error(`listener of ${message.name} failed`, err)
    }
  }
})

const bridge: PosterityBridge = {
  api: createClient(contract, (channel, args) => ipcRenderer.invoke(channel, args) as Promise<Envelope>),
  on(name, listener) {
    if (!Object.hasOwn(events, name)) throw new Error(`unknown event ${String(name)}`)
    let set = listeners.get(name)
    if (!set) listeners.set(name, (set = new Set()))
    const l = listener as Listener
    set.add(l)
    return () => void set.delete(l)
  },
  host: {
    pathForFile: (file) => webUtils.getPathForFile(file as File),
  },
}

contextBridge.exposeInMainWorld('posterity', bridge)
