// The preload's link to the core process: asks the main process for a port, passes
// messages both ways as data, and closes the link when the main process says the core
// went down. No electron import: the preload entry passes ipcRenderer, tests a stand-in.
import { CORE_CHANNELS, type CoreLink, type CoreLinkEvents } from '../shared/api'

/** The part of a MessagePort the link uses (the DOM's in the preload, Node's in tests). */
export interface PortLike {
  postMessage(msg: unknown): void
  close(): void
  onmessage: ((ev: { data: unknown }) => void) | null
}

/** The part of ipcRenderer the link uses. */
export interface IpcLike {
  send(channel: string): void
  on(channel: string, listener: (event: { ports?: readonly PortLike[] }, ...args: unknown[]) => void): void
}

export function createCoreLink(ipc: IpcLike): CoreLink {
  let port: PortLike | null = null
  let events: CoreLinkEvents | null = null

  const drop = () => {
    if (!port) return
    port.onmessage = null
    port.close()
    port = null
  }

  ipc.on(CORE_CHANNELS.port, (event) => {
    const next = event.ports?.[0]
    if (!next) return
    drop()
    // A port that arrives after close() (or twice) is not wanted.
    if (!events) return void next.close()
    port = next
    const e = events
    // Setting onmessage starts the port.
    port.onmessage = (ev) => e.message(ev.data)
    e.open()
  })

  ipc.on(CORE_CHANNELS.down, (_event, reason) => {
    const e = events
    drop()
    e?.closed(typeof reason === 'string' ? reason : 'the core process stopped')
  })

  return {
    open(e) {
      drop()
      events = e
      ipc.send(CORE_CHANNELS.connect)
    },
    send(msg) {
      port?.postMessage(msg)
    },
    close() {
      drop()
      events = null
    },
  }
}
