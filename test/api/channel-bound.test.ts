// One connection may have many quick calls in flight; what bounds it is the memory its running
// calls hold (their messages' bytes), not a small count.
import { describe, expect, it } from 'vitest'
import type { Envelope, WsMessage } from '../../src/shared/api/wire'
import { CALL_COST, MAX_IN_FLIGHT_BYTES, createChannelHub } from '../../src/main/api/channel'
import { EventBus } from '../../src/main/events'
import { connect, servedOnFakeRenderer } from '../server/helpers'

describe('calls in flight on one connection', () => {
  const served = servedOnFakeRenderer()

  it('answers 5,000 quick calls sent at once on one socket, every one of them', async () => {
    const s = await connect(served.wsUrl)
    const n = 5000
    const results = Array.from({ length: n }, (_, i) => s.call(i % 2 ? 'library.stats' : 'genres.list', {}))
    const envelopes = await Promise.all(results)
    expect(envelopes.filter((e) => !e.ok)).toEqual([])
    expect(envelopes).toHaveLength(n)
    s.close()
  })

  it('refuses calls past the bytes its running calls hold, and takes them again once those finish', async () => {
    // Calls that stay running until released: what a flood of slow, big calls looks like to the hub.
    const release: (() => void)[] = []
    const dispatch = () => new Promise<Envelope>((r) => release.push(() => r({ ok: true, value: null })))
    const hub = createChannelHub(dispatch, new EventBus())
    const sent: WsMessage[] = []
    const link = hub.attach({ send: (m) => sent.push(m) })
    const big = 4 * 2 ** 20
    const fits = Math.floor(MAX_IN_FLIGHT_BYTES / big)
    for (let id = 1; id <= fits + 10; id++) link.receive({ type: 'call', id, channel: 'system.info', args: {} }, big)
    const refused = sent.filter((m): m is Extract<WsMessage, { type: 'result' }> => m.type === 'result' && !m.envelope.ok)
    expect(refused.map((m) => m.id)).toEqual(Array.from({ length: 10 }, (_, i) => fits + 1 + i))
    expect(refused[0].envelope).toMatchObject({ ok: false, error: { code: 'conflict', message: expect.stringMatching(/too much in flight/) } })
    expect(release).toHaveLength(fits)
    // Many small calls count CALL_COST each: still refused while the budget is spent...
    link.receive({ type: 'call', id: 1000, channel: 'system.info', args: {} }, 10)
    expect(release).toHaveLength(fits)
    // ...and accepted once the running calls have answered.
    for (const r of release.splice(0)) r()
    await new Promise((r) => setTimeout(r, 0))
    const room = Math.floor(MAX_IN_FLIGHT_BYTES / CALL_COST)
    for (let id = 2000; id < 2000 + room + 5; id++) link.receive({ type: 'call', id, channel: 'system.info', args: {} }, 10)
    expect(release).toHaveLength(room)
    link.detach()
    hub.close()
  })
})
