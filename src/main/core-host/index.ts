// Entry of the core process (built to out/main/core-host.js). In the desktop app it is an
// Electron utility process (process.parentPort, ports as MessagePortMain); tests run the
// same file in a Node worker thread (worker_threads' parentPort, Node MessagePorts).
import { isMainThread, parentPort as threadPort, type MessagePort } from 'node:worker_threads'
import { runCoreHost, type HostPort } from './host'
import type { FromHost, ToHost } from '../hosting/core-process-protocol'

interface ElectronPort {
  on(event: 'message', listener: (e: { data: unknown }) => void): void
  on(event: 'close', listener: () => void): void
  postMessage(msg: unknown): void
  start(): void
}
interface ElectronParentPort {
  on(event: 'message', listener: (e: { data: unknown; ports: ElectronPort[] }) => void): void
  postMessage(msg: unknown): void
}

const electronParent = (process as unknown as { parentPort?: ElectronParentPort }).parentPort
const exit = (code: number) => process.exit(code)

if (electronParent) {
  runCoreHost({
    parent: {
      post: (msg: FromHost) => electronParent.postMessage(msg),
      onMessage: (l) => electronParent.on('message', (e) => l(e.data as ToHost, e.ports)),
    },
    adoptPort(raw): HostPort {
      const port = raw as ElectronPort
      return {
        post: (m) => port.postMessage(m),
        onMessage: (l) => {
          port.on('message', (e) => l(e.data))
          port.start()
        },
        onClose: (l) => port.on('close', l),
      }
    },
    exit,
  })
} else if (!isMainThread && threadPort) {
  const parent = threadPort
  runCoreHost({
    parent: {
      post: (msg: FromHost) => parent.postMessage(msg),
      onMessage: (l) => parent.on('message', (msg: ToHost) => l(msg, [])),
    },
    adoptPort(raw): HostPort {
      const port = raw as MessagePort
      return {
        post: (m) => port.postMessage(m),
        onMessage: (l) => port.on('message', l),
        onClose: (l) => port.on('close', l),
      }
    },
    exit,
  })
} else {
  process.stderr.write('the core process must be started by Posterity (no parent port)\n')
  process.exit(2)
}
