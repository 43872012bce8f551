// The core's side of the model worker: starts it on first use (a Node child process running
// the built out/main/worker.js, or the launcher from HostHooks), multiplexes calls, forwards
// progress, cancels, and stops the process when it has been idle for a while.
import { fork } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { outDir } from '../../app-root'
import type { ArgsOf, CallMessage, FromWorker, MethodName, ProgressOf, ResultOf, WorkerLauncher, WorkerPort } from './protocol'

export class WorkerCancelled extends Error {
  constructor() {
    super('cancelled')
    this.name = 'CancelledError'
  }
}

/** The built worker bundle; the CLI, `serve`, tests and the desktop core process all run it. */
export function workerEntry(): string {
  const entry = join(outDir(), 'main', 'worker.js')
  if (!existsSync(entry)) throw new Error(`the model worker is not built (${entry} is missing): run \`npm run build\``)
  return entry
}

/**
 * A child process running the built worker. Inside Electron (the desktop core process)
 * process.execPath is the Electron binary: ELECTRON_RUN_AS_NODE makes it plain Node.
 * One libuv thread: onnxruntime-node infers on the worker's JavaScript thread, and libuv's four
 * decoding threads took the cores it needed (8,052 posters embedded in 26-30 s against 31-34 s;
 * loading pixels for the CNN ~1.4x slower, a few seconds).
 */
export const nodeWorkerLauncher: WorkerLauncher = () => {
  const child = fork(workerEntry(), [], {
    execArgv: [],
    serialization: 'advanced',
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    env: { ...process.env, POSTERITY_WORKER: '1', UV_THREADPOOL_SIZE: '1', ...(process.versions.electron ? { ELECTRON_RUN_AS_NODE: '1' } : {}) },
  })
  return {
    post: (msg) => child.send(msg),
    onMessage: (l) => child.on('message', (m) => l(m as FromWorker)),
    onExit: (l) => child.on('exit', (code) => l(code)),
    kill: () => child.kill(),
    ref: () => {
      child.ref()
      ;(child.channel as { ref?: () => void } | undefined)?.ref?.()
    },
    unref: () => {
      child.unref()
      ;(child.channel as { unref?: () => void } | undefined)?.unref?.()
    },
  }
}

interface Pending {
  resolve(v: unknown): void
  reject(e: Error): void
  onProgress?: (data: unknown) => void
}

export interface CallOptions<P = unknown> {
  signal?: AbortSignal
  onProgress?: (data: P) => void
  /** Float rows streamed to the worker before the call (chunked, so neither side blocks long). */
  upload?: Float32Array
}

export class WorkerClient {
  private port: WorkerPort | null = null
  private pending = new Map<number, Pending>()
  private nextId = 1
  private idleTimer: NodeJS.Timeout | null = null
  /** Last process id, for tests that check the worker really is another process. */
  pid: number | null = null

  constructor(
    private launcher: WorkerLauncher = nodeWorkerLauncher,
    private idleMs = 60_000,
  ) {}

  private start(): WorkerPort {
    if (this.port) return this.port
    const port = this.launcher()
    port.onMessage((msg) => this.receive(msg))
    port.onExit((code) => {
      if (this.port !== port) return
      this.port = null
      const err = new Error(`the model worker exited (code ${code ?? 'signal'})`)
      for (const p of this.pending.values()) p.reject(err)
      this.pending.clear()
    })
    this.port = port
    return port
  }

  private receive(msg: FromWorker): void {
    if (msg.type === 'ready') {
      this.pid = msg.pid
      return
    }
    if (msg.type === 'log') {
      process.stderr.write(`[model worker] ${msg.message}\n`)
      return
    }
    const p = this.pending.get(msg.id)
    if (!p) return
    if (msg.type === 'progress') p.onProgress?.(msg.data)
    else {
      this.pending.delete(msg.id)
      if (msg.type === 'result') p.resolve(msg.value)
      else p.reject(msg.cancelled ? new WorkerCancelled() : new Error(msg.message))
      this.settle()
    }
  }

  /** Idle: let the host exit, and stop the process after a while to free its memory. */
  private settle(): void {
    if (this.pending.size > 0 || !this.port) return
    this.port.unref?.()
    if (this.idleTimer) clearTimeout(this.idleTimer)
    this.idleTimer = setTimeout(() => this.stop(), this.idleMs)
    this.idleTimer.unref()
  }

  /** Calls a worker method; its arguments, result and progress are typed from WorkerMethods. */
  async call<M extends MethodName>(method: M, args: ArgsOf<M>, opts: CallOptions<ProgressOf<M>> = {}): Promise<ResultOf<M>> {
    if (opts.signal?.aborted) throw new WorkerCancelled()
    if (this.idleTimer) clearTimeout(this.idleTimer)
    const port = this.start()
    port.ref?.()
    const id = this.nextId++
    // The worker answers with what WorkerMethods declares for this method.
    const done = new Promise<ResultOf<M>>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject, onProgress: opts.onProgress as ((data: unknown) => void) | undefined })
    })
    const onAbort = () => {
      this.port?.post({ type: 'cancel', id })
      // A worker stuck in native code is stopped; the call then fails as cancelled.
      const t = setTimeout(() => {
        if (this.pending.has(id)) {
          const p = this.pending.get(id)!
          this.pending.delete(id)
          p.reject(new WorkerCancelled())
          this.stop()
        }
      }, 3000)
      t.unref()
    }
    opts.signal?.addEventListener('abort', onAbort, { once: true })
    try {
      if (opts.upload) {
        const CHUNK = 1 << 20 // floats (4 MB) per message
        for (let o = 0; o < opts.upload.length; o += CHUNK) {
          port.post({ type: 'upload', id, chunk: opts.upload.slice(o, o + CHUNK) })
          await new Promise((r) => setImmediate(r))
        }
      }
      port.post({ type: 'call', id, method, args } as CallMessage)
      return await done
    } finally {
      opts.signal?.removeEventListener('abort', onAbort)
    }
  }

  stop(): void {
    const port = this.port
    this.port = null
    if (this.idleTimer) clearTimeout(this.idleTimer)
    for (const p of this.pending.values()) p.reject(new Error('the model worker was stopped'))
    this.pending.clear()
    port?.kill()
  }
}
