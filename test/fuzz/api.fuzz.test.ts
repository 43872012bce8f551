// Every API command fuzzed with payloads its schema refuses (fast-check): each is answered
// with a plain 'invalid-args' error, nothing is written, and `posterity serve` stays up for
// the next honest call. New contract domains are covered as they are added.
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { z } from 'zod'
import { channels, contract } from '../../src/shared/api'
import { open, seed, tempDir } from '../library/helpers'
import { connect, servedOnFakeRenderer } from '../server/helpers'
import type { Core } from '../../src/main/core'

const RUNS = 120

function schemaOf(channel: string): z.ZodType {
  const [domain, name] = channel.split('.')
  return (contract as unknown as Record<string, Record<string, { input: z.ZodType }>>)[domain][name].input
}

/** The object keys a schema knows, so payloads get past "not an object" into the fields. */
function keysOf(schema: z.ZodType): string[] {
  const shape = (schema as unknown as { shape?: Record<string, unknown> }).shape
  return shape ? Object.keys(shape) : []
}

/** Values a schema refuses: anything at all, and objects with its own keys holding anything. */
function refused(schema: z.ZodType): fc.Arbitrary<unknown> {
  const keys = keysOf(schema)
  const field = fc.oneof(fc.anything(), fc.string(), fc.integer(), fc.double(), fc.array(fc.anything(), { maxLength: 5 }), fc.constant(null))
  const shaped = keys.length
    ? fc.record(Object.fromEntries(keys.map((k) => [k, field])), { requiredKeys: [] }).chain((o) =>
        fc.oneof(fc.constant(o), fc.record({ extra: fc.anything() }).map((e) => ({ ...o, ...e }))),
      )
    : fc.dictionary(fc.string(), fc.anything(), { minKeys: 1, maxKeys: 3 })
  return fc.oneof(fc.anything(), shaped).filter((v) => !schema.safeParse(v).success)
}

/** What a payload must never change: posters, labels, genres, history. */
function snapshot(core: Core): string {
  const q = (sql: string) => JSON.stringify(core.db.prepare(sql).all())
  return [
    q('SELECT id, title, year, labelled FROM posters ORDER BY id'),
    q('SELECT poster_id, genre_id, source FROM labels ORDER BY poster_id, genre_id'),
    q('SELECT id, name, position FROM genres ORDER BY id'),
    q('SELECT COUNT(*) AS n FROM history'),
  ].join('\n')
}

describe('every command refuses schema-violating payloads and changes nothing', () => {
  let dir: ReturnType<typeof tempDir>
  let core: Core
  beforeAll(() => {
    dir = tempDir()
    core = open(dir.dir)
    seed(core, [
      { id: 'tt0000001', title: 'One', year: 1999, genres: ['Drama', 'Romance'] },
      { id: 'tt0000002', title: 'Two', genres: ['Comedy'] },
      { id: 'tt0000003', title: 'Three', genres: null },
    ])
  })
  afterAll(async () => {
    await core.close()
    dir.cleanup()
  })

  it(`covers all ${channels.length} commands`, async () => {
    const before = snapshot(core)
    for (const channel of channels) {
      const schema = schemaOf(channel)
      await fc.assert(
        fc.asyncProperty(refused(schema), async (payload) => {
          const env = await core.dispatch(channel, payload)
          expect(env.ok, channel).toBe(false)
          if (env.ok) return
          expect(env.error.code, `${channel}: ${env.error.message}`).toBe('invalid-args')
          expect(env.error.message.startsWith(channel)).toBe(true)
        }),
        { numRuns: RUNS, seed: 20261130 },
      )
    }
    expect(snapshot(core)).toBe(before)
  })
})

describe('posterity serve under a stream of garbage', () => {
  const served = servedOnFakeRenderer()

  it('answers or drops every frame, then serves the next honest call', async () => {
    const { server, wsUrl: url } = served
    const frames = fc.sample(
      fc.oneof(
        fc.string(),
        fc.json(),
        fc.record({ type: fc.constant('call'), id: fc.anything(), channel: fc.oneof(fc.constantFrom(...channels), fc.string()), args: fc.anything() }),
        fc.record({ type: fc.constant('call'), id: fc.nat(), channel: fc.constantFrom(...channels), args: fc.anything() }),
      ),
      { numRuns: 2000, seed: 7 },
    )
    let socket = await connect(url, { origin: `http://127.0.0.1:${server.port}` })
    let closedByServer = 0
    for (const f of frames) {
      if (socket.ws.readyState !== socket.ws.OPEN) {
        closedByServer++
        socket = await connect(url, { origin: `http://127.0.0.1:${server.port}` })
      }
      // Only garbage: a frame whose arguments its command would accept is not sent (it could
      // start real work, a download among it).
      const call = typeof f === 'object' && f !== null && 'channel' in f ? (f as { channel: unknown; args: unknown }) : null
      if (call && channels.includes(String(call.channel)) && schemaOf(String(call.channel)).safeParse(call.args).success) continue
      const raw = typeof f === 'string' ? f : JSON.stringify(f, (_k, v) => (typeof v === 'bigint' ? String(v) : v))
      socket.sendRaw(raw ?? 'null')
    }
    if (socket.ws.readyState === socket.ws.OPEN) socket.close()
    const fresh = await connect(url, { origin: `http://127.0.0.1:${server.port}` })
    const stats = await fresh.ok<{ posters: number }>('library.stats', {})
    expect(stats.posters).toBe(0)
    fresh.close()
    expect(closedByServer).toBeLessThan(frames.length)
  })
})
