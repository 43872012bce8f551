// The core in an Electron utility process (out/main/core-host.js), supervised from here:
// the main process keeps only windows, dialogs, the poster protocol and this supervision.
import { utilityProcess, type MessagePortMain } from 'electron'
import { join } from 'node:path'
import { CoreSupervisor, type SupervisorOptions } from './supervisor'
import type { FromHost } from '../hosting/core-process-protocol'
import { mainDir } from './paths'

export type ElectronSupervisor = CoreSupervisor<MessagePortMain>

export function superviseCore(options: Omit<SupervisorOptions<MessagePortMain>, 'launch'> & { env: NodeJS.ProcessEnv }): ElectronSupervisor {
  return new CoreSupervisor<MessagePortMain>({
    ...options,
    launch() {
      const child = utilityProcess.fork(join(mainDir, 'core-host.js'), [], {
        serviceName: 'Posterity core',
        stdio: 'inherit',
        env: options.env,
      })
      return {
        // Structured clones both ways; the window's port travels in the transfer list.
        post: (msg, transfer) => child.postMessage(msg, transfer),
        onMessage: (listener) => child.on('message', (msg: unknown) => listener(msg as FromHost)),
        onExit: (listener) => child.on('exit', (code: number) => listener(code)),
        kill: () => void child.kill(),
      }
    },
  })
}
