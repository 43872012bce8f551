// The supervisor's decisions, with a scripted stand-in for the core process: a library that
// cannot open is fatal at once (no restart loop), a crash restarts the core and says so,
// too many crashes in a row stop the restarts, and stop() closes before it kills.
import { describe, expect, it } from 'vitest'
import { CoreSupervisor, type HostProcess } from '../../src/main/electron/supervisor'
import type { FromHost, ToHost } from '../../src/main/hosting/core-process-protocol'

/** A core process that answers `open` as told and can be made to crash. */
class FakeProcess implements HostProcess<never> {
  received: ToHost[] = []
  killed = false
  private messageListeners: ((m: FromHost) => void)[] = []
  private exitListeners: ((code: number | null) => void)[] = []
  constructor(private onOpen: 'ready' | 'failed' | 'exit', private closes = true) {}
  post(msg: ToHost): void {
    this.received.push(msg)
    queueMicrotask(() => {
      if (msg.type === 'open') {
        if (this.onOpen === 'ready') this.emit({ type: 'ready', pid: 4242 })
        else if (this.onOpen === 'failed') this.emit({ type: 'failed', message: 'NODE_MODULE_VERSION 127 vs 139' })
        else this.crash(1)
      }
      if (msg.type === 'close' && this.closes) {
        this.emit({ type: 'closed' })
        this.crash(0)
      }
    })
  }
  emit(m: FromHost): void {
    for (const l of this.messageListeners) l(m)
  }
  crash(code: number | null): void {
    for (const l of this.exitListeners) l(code)
  }
  onMessage(l: (m: FromHost) => void): void {
    this.messageListeners.push(l)
  }
  onExit(l: (code: number | null) => void): void {
    this.exitListeners.push(l)
  }
  kill(): void {
    this.killed = true
    this.crash(null)
  }
}

const tick = () => new Promise((r) => setTimeout(r, 5))

describe('CoreSupervisor', () => {
  it('treats a library that cannot open as fatal, without restarting', async () => {
    const procs: FakeProcess[] = []
    const fatal: string[] = []
    const s = new CoreSupervisor<never>({ launch: () => (procs.push(new FakeProcess('failed')), procs.at(-1)!), open: { libraryDir: '/lib' }, onFatal: (r) => fatal.push(r) })
    await expect(s.start()).rejects.toThrow(/NODE_MODULE_VERSION/)
    expect(s.status).toBe('fatal')
    expect(fatal).toEqual(['NODE_MODULE_VERSION 127 vs 139'])
    await expect(s.start()).rejects.toThrow(/NODE_MODULE_VERSION/)
    expect(procs).toHaveLength(1)
  })

  it('a process that dies before it opens the library is fatal too', async () => {
    const s = new CoreSupervisor<never>({ launch: () => new FakeProcess('exit'), open: { libraryDir: '/lib' } })
    await expect(s.start()).rejects.toThrow(/stopped unexpectedly \(exit code 1\)/)
    expect(s.status).toBe('fatal')
  })

  it('restarts a crashed core, says so, and stops restarting after too many crashes', async () => {
    const procs: FakeProcess[] = []
    const downs: string[] = []
    const fatal: string[] = []
    const s = new CoreSupervisor<never>({
      launch: () => (procs.push(new FakeProcess('ready')), procs.at(-1)!),
      open: { libraryDir: '/lib', fetchBackbone: true },
      onDown: (r) => downs.push(r),
      onFatal: (r) => fatal.push(r),
      maxRestarts: 2,
    })
    await s.start()
    expect(procs[0].received[0]).toEqual({ type: 'open', options: { libraryDir: '/lib', fetchBackbone: true } })
    procs[0].crash(134)
    expect(downs).toEqual(['the core process stopped unexpectedly (exit code 134); restarting it'])
    await s.start()
    expect(s.status).toBe('ready')
    expect(s.starts).toBe(2)
    // The user opens another library: a restart after a crash reopens that one.
    procs[1].emit({ type: 'library', dir: '/other' })
    expect(s.libraryDir).toBe('/other')
    procs[1].crash(134)
    await s.start()
    expect(procs[2].received[0]).toEqual({ type: 'open', options: { libraryDir: '/other', fetchBackbone: true } })
    procs[2].crash(134)
    await tick()
    expect(s.status).toBe('fatal')
    expect(fatal[0]).toMatch(/3 times within 60 s; not restarting it/)
    expect(procs).toHaveLength(3)
  })

  it('answers media lookups with null while no core can answer, and stop() closes before killing', async () => {
    const p = new FakeProcess('ready', false)
    const s = new CoreSupervisor<never>({ launch: () => p, open: { libraryDir: '/lib' }, closeTimeoutMs: 50 })
    await s.start()
    const lookup = s.media('thumb', 'tt1')
    await tick()
    const asked = p.received.find((m) => m.type === 'media') as { id: number }
    p.emit({ type: 'media', id: asked.id, file: { path: '/lib/thumbs/x.jpg', mime: 'image/jpeg' } })
    expect(await lookup).toEqual({ path: '/lib/thumbs/x.jpg', mime: 'image/jpeg' })
    // This process never finishes closing: it is killed after the timeout.
    await s.stop()
    expect(p.received.at(-1)).toEqual({ type: 'close' })
    expect(p.killed).toBe(true)
    expect(await s.media('thumb', 'tt1')).toBeNull()
  })
})
