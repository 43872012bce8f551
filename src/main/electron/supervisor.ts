// The main process's side of the core process: starts it, opens the library in it, hands it
// window ports, answers its requests for native pickers, asks it which file serves a
// poster, and restarts it after a crash (telling the windows, whose clients reconnect).
// Process-agnostic: Electron passes a utilityProcess launcher, tests a worker thread.
import type { MediaFile, MediaKind } from '../library/media'
import type { FromHost, OpenOptions, PickArgs, ToHost } from '../hosting/core-process-protocol'

/** One started core process. */
export interface HostProcess<P> {
  post(msg: ToHost, transfer?: P[]): void
  onMessage(listener: (msg: FromHost) => void): void
  onExit(listener: (code: number | null) => void): void
  kill(): void
}

export interface SupervisorOptions<P> {
  launch(): HostProcess<P>
  open: OpenOptions
  pickPaths?(args: PickArgs): Promise<string[]>
  /** The core process stopped unexpectedly; it is being restarted. */
  onDown?(reason: string): void
  /** It keeps crashing (or cannot open the library): no more restarts. */
  onFatal?(reason: string): void
  /** Restarts allowed within `restartWindowMs` before giving up. */
  maxRestarts?: number
  restartWindowMs?: number
  /** Time the core gets to close the library on stop() before it is killed. */
  closeTimeoutMs?: number
}

type State = 'idle' | 'starting' | 'ready' | 'down' | 'fatal' | 'stopped'

export class CoreSupervisor<P> {
  private proc: HostProcess<P> | null = null
  private state: State = 'idle'
  private ready: Promise<void> | null = null
  private crashes: number[] = []
  private nextId = 1
  private mediaAnswers = new Map<number, (file: MediaFile | null) => void>()
  private fatalReason: string | null = null
  /** Process id of the running core (tests check it really is a separate one). */
  pid: number | null = null
  /** How many times the core has been started. */
  starts = 0

  constructor(private options: SupervisorOptions<P>) {}

  /** The library the core has open (or will reopen after a crash). */
  get libraryDir(): string {
    return this.options.open.libraryDir
  }

  get status(): State {
    return this.state
  }

  /** Starts the core and opens the library; rejects with the reason when it cannot. */
  start(): Promise<void> {
    if (this.state === 'fatal') return Promise.reject(new Error(this.fatalReason ?? 'the core process cannot start'))
    if (this.state === 'stopped') return Promise.reject(new Error('the core process was stopped'))
    this.ready ??= this.launch()
    return this.ready
  }

  private launch(): Promise<void> {
    this.state = 'starting'
    this.starts++
    const proc = this.options.launch()
    this.proc = proc
    return new Promise<void>((resolve, reject) => {
      let opened = false
      proc.onMessage((msg) => {
        if (this.proc !== proc) return
        switch (msg.type) {
          case 'ready':
            opened = true
            this.pid = msg.pid
            this.state = 'ready'
            resolve()
            return
          case 'failed':
            // The library itself cannot be opened (a broken addon, a locked file): restarting won't help.
            this.fail(msg.message)
            reject(new Error(msg.message))
            return
          case 'pick':
            void this.pick(proc, msg.id, msg.args)
            return
          case 'media':
            this.mediaAnswers.get(msg.id)?.(msg.file)
            this.mediaAnswers.delete(msg.id)
            return
          case 'library':
            // A restart reopens the library the user has open now, not the one we started with.
            this.options.open = { ...this.options.open, libraryDir: msg.dir }
            return
          case 'closed':
            return
        }
      })
      proc.onExit((code) => {
        if (this.proc !== proc) return
        this.proc = null
        this.ready = null
        for (const answer of this.mediaAnswers.values()) answer(null)
        this.mediaAnswers.clear()
        if (this.state === 'stopped' || this.state === 'fatal') return
        const reason = `the core process stopped unexpectedly (exit code ${code ?? 'none'})`
        if (!opened) {
          this.fail(reason)
          reject(new Error(reason))
          return
        }
        this.crashed(reason)
      })
      proc.post({ type: 'open', options: this.options.open })
    })
  }

  private crashed(reason: string): void {
    const now = Date.now()
    const window = this.options.restartWindowMs ?? 60_000
    this.crashes = [...this.crashes.filter((t) => now - t < window), now]
    if (this.crashes.length > (this.options.maxRestarts ?? 3)) {
      this.fail(`${reason}, ${this.crashes.length} times within ${Math.round(window / 1000)} s; not restarting it`)
      return
    }
    this.state = 'down'
    this.options.onDown?.(`${reason}; restarting it`)
    // A restart that itself fails is fatal (reported by launch); nobody awaits it here.
    this.start().catch(() => {})
  }

  private fail(reason: string): void {
    this.state = 'fatal'
    this.fatalReason = reason
    this.options.onFatal?.(reason)
  }

  private async pick(proc: HostProcess<P>, id: number, args: PickArgs): Promise<void> {
    try {
      const paths = this.options.pickPaths ? await this.options.pickPaths(args) : []
      proc.post({ type: 'picked', id, paths })
    } catch (err) {
      proc.post({ type: 'picked', id, paths: [], error: err instanceof Error ? err.message : String(err) })
    }
  }

  /** Hands a window's port to the core once it is up (waiting through a restart). */
  async connect(port: P): Promise<void> {
    await this.start()
    this.proc!.post({ type: 'connect' }, [port])
  }

  /** Which file serves a poster's thumbnail or full image; null when none (or the core is down). */
  async media(kind: MediaKind, poster: string): Promise<MediaFile | null> {
    try {
      await this.start()
    } catch {
      return null
    }
    const proc = this.proc
    if (!proc) return null
    const id = this.nextId++
    return new Promise((resolve) => {
      this.mediaAnswers.set(id, resolve)
      proc.post({ type: 'media', id, kind, poster })
    })
  }

  /** Closes the library (jobs cancelled, database closed) and ends the process. */
  async stop(): Promise<void> {
    const proc = this.proc
    this.state = 'stopped'
    if (!proc) return
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        proc.kill()
        resolve()
      }, this.options.closeTimeoutMs ?? 10_000)
      proc.onExit(() => {
        clearTimeout(timer)
        resolve()
      })
      proc.post({ type: 'close' })
    })
    this.proc = null
  }
}
