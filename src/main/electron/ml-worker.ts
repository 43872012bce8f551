// The model worker in the desktop app: an Electron utilityProcess running the bundled
// out/main/worker.js, so training never blocks the main process (issue 3).
import { utilityProcess } from 'electron'
import { join } from 'node:path'
import type { FromWorker, WorkerLauncher } from '../ml/worker/protocol'
import { mainDir } from './paths'

export const utilityWorkerLauncher: WorkerLauncher = () => {
  const child = utilityProcess.fork(join(mainDir, 'worker.js'), [], {
    serviceName: 'Posterity model worker',
    stdio: 'inherit',
    env: { ...process.env, POSTERITY_WORKER: '1' },
  })
  return {
    // utilityProcess messages are structured clones, so Float32Array rows travel as they are.
    post: (msg) => child.postMessage(msg),
    onMessage: (listener) => child.on('message', (msg: unknown) => listener(msg as FromWorker)),
    onExit: (listener) => child.on('exit', (code: number) => listener(code)),
    kill: () => void child.kill(),
  }
}
