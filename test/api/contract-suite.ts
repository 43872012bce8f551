// The channel protocol's contract tests, run over every transport that carries it: the
// WebSocket of `posterity serve` (test/server/server.test.ts) and the desktop app's
// MessagePort to the core process (test/core-host/port.test.ts). Each transport passes
// a raw link (protocol messages as plain objects, encoded as that transport encodes them)
// and a typed client built the way the renderer builds it.
import { describe, expect, it } from 'vitest'
import { ApiError, type Envelope, type PosterityBridge } from '../../src/shared/api'
import { NO_ID } from '../../src/main/api/channel'

export interface Result {
  type: 'result'
  id: number
  envelope: Envelope
}
export interface EventMsg {
  type: 'event'
  name: string
  payload: unknown
}
export type Msg = Result | EventMsg

export interface RawLink {
  /** Sends one message as it is (an object; the transport encodes it). */
  post(msg: unknown): void
  call(channel: string, args: unknown): Promise<Envelope>
  ok<T = unknown>(channel: string, args?: unknown): Promise<T>
  next<M extends Msg>(test: (m: Msg) => boolean, timeoutMs?: number): Promise<M>
  close(): void
}

/** Message bookkeeping shared by the raw links of every transport. */
export class MessageLog implements RawLink {
  private nextId = 1
  readonly messages: Msg[] = []
  private waiters: { test: (m: Msg) => boolean; resolve: (m: Msg) => void }[] = []

  constructor(
    private send: (msg: unknown) => void,
    private onClose: () => void = () => {},
  ) {}

  deliver(msg: Msg): void {
    this.messages.push(msg)
    for (const w of [...this.waiters]) {
      if (w.test(msg)) {
        this.waiters.splice(this.waiters.indexOf(w), 1)
        w.resolve(msg)
      }
    }
  }

  next<M extends Msg>(test: (m: Msg) => boolean, timeoutMs = 10_000): Promise<M> {
    const seen = this.messages.find(test)
    if (seen) {
      this.messages.splice(this.messages.indexOf(seen), 1)
      return Promise.resolve(seen as M)
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no matching message in time')), timeoutMs)
      this.waiters.push({
        test,
        resolve: (m) => {
          clearTimeout(timer)
          this.messages.splice(this.messages.indexOf(m), 1)
          resolve(m as M)
        },
      })
    })
  }

  post(msg: unknown): void {
    this.send(msg)
  }

  async call(channel: string, args: unknown): Promise<Envelope> {
    const id = this.nextId++
    this.send({ type: 'call', id, channel, args })
    const res = await this.next<Result>((m) => m.type === 'result' && m.id === id)
    return res.envelope
  }

  async ok<T = unknown>(channel: string, args: unknown = {}): Promise<T> {
    const env = await this.call(channel, args)
    if (!env.ok) throw new Error(`${channel} failed: ${env.error.code}: ${env.error.message}`)
    return env.value as T
  }

  close(): void {
    this.onClose()
  }
}

export interface ContractTransport {
  /** What system.info says the host is. */
  host: 'serve' | 'electron'
  libraryDir(): string
  open(): Promise<RawLink>
  /** The renderer's typed client over this transport; `close` ends it. */
  client(): Promise<{ bridge: PosterityBridge; close(): void }>
}

export function describeContract(name: string, t: ContractTransport): void {
  describe(`the API over ${name}`, () => {
    it('dispatches calls to the core', async () => {
      const s = await t.open()
      const info = await s.ok<{ host: string; libraryPath: string }>('system.info')
      expect(info.host).toBe(t.host)
      expect(info.libraryPath).toBe(t.libraryDir())
      s.close()
    })

    it('answers every malformed message with invalid-args and keeps working', async () => {
      const s = await t.open()
      const noId = (m: Msg) => m.type === 'result' && m.id === NO_ID
      for (const bad of [null, [], 42, 'text', { type: 'call' }, { type: 'call', id: '7', channel: 'system.info', args: {} }]) {
        s.post(bad)
        const r = await s.next<Result>(noId)
        expect(r.envelope, JSON.stringify(bad)).toMatchObject({ ok: false, error: { code: 'invalid-args' } })
      }
      // A message with a usable id is answered under that id.
      s.post({ type: 'call', id: 99, channel: 'system.info', args: {}, extra: true })
      const r = await s.next<Result>((m) => m.type === 'result' && m.id === 99)
      expect(r.envelope).toMatchObject({ ok: false, error: { code: 'invalid-args' } })
      expect((await s.ok<{ host: string }>('system.info')).host).toBe(t.host)
      s.close()
    })

    it('checks arguments against the contract', async () => {
      const s = await t.open()
      for (const [channel, args] of [
        ['library.query', { limit: 'lots' }],
        ['library.query', { limit: 5000 }],
        ['library.get', { id: '../../etc/passwd' }],
        ['genres.add', { name: 'N/A' }],
        ['labels.edit', { ids: [] }],
        ['system.info', { unexpected: 1 }],
        ['system.info', 'not an object'],
      ] as const) {
        const env = await s.call(channel, args)
        expect(env, `${channel} ${JSON.stringify(args)}`).toMatchObject({ ok: false, error: { code: 'invalid-args' } })
      }
      s.close()
    })

    it('refuses channels that are not in the contract', async () => {
      const s = await t.open()
      for (const channel of ['fs.readFile', 'library', '__proto__', 'constructor', 'library.__proto__', 'system.info.x', '']) {
        const env = await s.call(channel, {})
        expect(env, channel).toMatchObject({ ok: false, error: { code: 'invalid-args' } })
      }
      expect((await s.ok<{ host: string }>('system.info')).host).toBe(t.host)
      s.close()
    })

    it('sends core events to every open link', async () => {
      const a = await t.open()
      const b = await t.open()
      const name = `Genre ${Math.random().toString(36).slice(2, 8)}`
      await a.ok('genres.add', { name })
      const isGenres = (m: Msg) => m.type === 'event' && m.name === 'library.changed' && (m.payload as { reason?: string }).reason === 'genres'
      const [ea, eb] = await Promise.all([a.next<EventMsg>(isGenres), b.next<EventMsg>(isGenres)])
      expect(ea.payload).toMatchObject({ reason: 'genres' })
      expect(eb.payload).toMatchObject({ reason: 'genres' })
      a.close()
      b.close()
    })

    it("gives the renderer's typed client results, events and ApiErrors with their codes", async () => {
      const c = await t.client()
      try {
        expect((await c.bridge.api.system.info({})).host).toBe(t.host)
        const err = await c.bridge.api.library.get({ id: 'tt404404' }).catch((e: unknown) => e)
        expect(err).toBeInstanceOf(ApiError)
        expect(err).toMatchObject({ name: 'ApiError', code: 'not-found' })
        await expect(c.bridge.api.library.query({ limit: 0 })).rejects.toMatchObject({ code: 'invalid-args' })
        const got: unknown[] = []
        const off = c.bridge.on('library.changed', (p) => got.push(p))
        await c.bridge.api.genres.add({ name: `Typed ${Math.random().toString(36).slice(2, 8)}` })
        for (let i = 0; i < 200 && got.length === 0; i++) await new Promise((r) => setTimeout(r, 10))
        off()
        expect(got[0]).toMatchObject({ reason: 'genres' })
      } finally {
        c.close()
      }
    })
  })
}
