// Messages between the core and the model worker process. Both transports (Electron's
// utilityProcess and Node's child_process with `serialization: 'advanced'`) use structured
// clone, so typed arrays travel as they are.

export type ToWorker =
  /** A chunk of a call's float input (feature rows), sent before the call itself. */
  | { type: 'upload'; id: number; chunk: Float32Array }
  | { type: 'call'; id: number; method: string; args: unknown }
  | { type: 'cancel'; id: number }

export type FromWorker =
  | { type: 'ready'; pid: number }
  | { type: 'progress'; id: number; data: unknown }
  | { type: 'result'; id: number; value: unknown }
  | { type: 'error'; id: number; message: string; cancelled: boolean }
  | { type: 'log'; message: string }

/** One end of the channel: the launcher builds it over a utilityProcess or a Node child. */
export interface WorkerPort {
  post(msg: ToWorker): void
  onMessage(listener: (msg: FromWorker) => void): void
  onExit(listener: (code: number | null) => void): void
  kill(): void
  /** Let the host exit while the worker idles (Node children); no-op where meaningless. */
  ref?(): void
  unref?(): void
}

/** Starts a worker process; the Electron host passes one built on utilityProcess. */
export type WorkerLauncher = () => WorkerPort
