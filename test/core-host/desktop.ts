// The desktop app's wire without Electron, shared by the core-host tests: the built core
// process (out/main/core-host.js) in a Node worker thread standing in for the utility
// process, the real supervisor, Node's MessageChannel standing in for MessageChannelMain, a
// stand-in main process doing what registerCoreIpc does, and the preload's link and the
// renderer's port client as they run in the window, every hop a structured clone
// (postMessage; contextBridge is stood in by structuredClone).
import { join, resolve } from 'node:path'
import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads'
import { CoreSupervisor, type SupervisorOptions } from '../../src/main/electron/supervisor'
import type { FromHost } from '../../src/main/hosting/core-process-protocol'
import { createCoreLink, type IpcLike, type PortLike } from '../../src/preload/link'
import { createPortClient } from '../../src/renderer/src/api/port-client'
import type { ChannelClient } from '../../src/renderer/src/api/channel-client'
import { CORE_CHANNELS, type CoreLink } from '../../src/shared/api'

const HOST = join(resolve(__dirname, '../..'), 'out/main/core-host.js')
type Listener = (event: { ports?: readonly PortLike[] }, ...args: unknown[]) => void

export interface Desktop {
  supervisor: CoreSupervisor<MessagePort>
  /** Every worker thread started, the running one last. */
  workers: Worker[]
  /** What the main process told the windows when the core went down. */
  downs: string[]
  /** A window: preload link + renderer client over a fresh port. */
  windowClient(): ChannelClient
  close(): Promise<void>
}

/** contextBridge copies what crosses it; so does this. */
function overContextBridge(link: CoreLink): CoreLink {
  return {
    open: (events) =>
      link.open({
        open: () => events.open(),
        message: (data) => events.message(structuredClone(data)),
        closed: (reason) => events.closed(reason),
      }),
    send: (msg) => link.send(structuredClone(msg)),
    close: () => link.close(),
  }
}

export function desktop(options: Omit<SupervisorOptions<MessagePort>, 'launch' | 'onDown'>): Desktop {
  const workers: Worker[] = []
  const downs: string[] = []
  const windows = new Set<Map<string, Listener[]>>()
  const clients: ChannelClient[] = []
  const supervisor = new CoreSupervisor<MessagePort>({
    ...options,
    launch() {
      const w = new Worker(HOST)
      workers.push(w)
      return {
        // A worker thread receives transferred ports inside the message (Electron: event.ports).
        post: (msg, transfer) => w.postMessage(transfer?.length ? { ...msg, port: transfer[0] } : msg, transfer ?? []),
        onMessage: (l) => w.on('message', (m: FromHost) => l(m)),
        onExit: (l) => w.on('exit', (code) => l(code)),
        kill: () => void w.terminate(),
      }
    },
    onDown(reason) {
      downs.push(reason)
      for (const w of windows) for (const l of w.get(CORE_CHANNELS.down) ?? []) l({}, reason)
    },
  })

  /** What registerCoreIpc does in Electron: a fresh channel per connect, one end to the core. */
  function windowIpc(): IpcLike {
    const listeners = new Map<string, Listener[]>()
    windows.add(listeners)
    const emit = (channel: string, event: { ports?: readonly PortLike[] }, ...args: unknown[]) => {
      for (const l of listeners.get(channel) ?? []) l(event, ...args)
    }
    return {
      send(channel) {
        if (channel !== CORE_CHANNELS.connect) return
        const { port1, port2 } = new MessageChannel()
        supervisor.connect(port1).then(
          () => emit(CORE_CHANNELS.port, { ports: [port2 as unknown as PortLike] }),
          (err: Error) => emit(CORE_CHANNELS.down, {}, err.message),
        )
      },
      on(channel, listener) {
        listeners.set(channel, [...(listeners.get(channel) ?? []), listener])
      },
    }
  }

  return {
    supervisor,
    workers,
    downs,
    windowClient() {
      const c = createPortClient(overContextBridge(createCoreLink(windowIpc())), { minDelay: 20, maxDelay: 200 })
      clients.push(c)
      return c
    },
    async close() {
      for (const c of clients) c.close()
      await supervisor.stop()
    },
  }
}

export const until = async (cond: () => boolean | Promise<boolean>, ms = 20_000): Promise<void> => {
  const end = Date.now() + ms
  while (!(await cond())) {
    if (Date.now() > end) throw new Error('condition not met in time')
    await new Promise((r) => setTimeout(r, 20))
  }
}
