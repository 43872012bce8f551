// `npm run bench -- bulk [N]`: does a bulk edit block other calls? `posterity serve` (the built
// CLI, a child process) on a synthetic N-poster library (default 100,000). A probe socket asks
// for the grid's first page 10 ms after each answer; its latency (p50/p95/max) is measured for 5 s with
// nothing else running (the baseline), then while a second socket adds a genre to every poster
// and undoes it. Aim (issue 15): p95 <= 50 ms during the edit.
import { mkdtempSync, rmSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { WebSocket } from 'ws'
import { startServeChild, type ServeChild } from '../scripts/harness'
import { createSyntheticLibrary } from './synthetic'

type Envelope = { ok: boolean; value?: unknown; error?: { message: string } }

async function socket(serve: ServeChild): Promise<(channel: string, args: unknown) => Promise<Envelope>> {
  const ws = new WebSocket(`${serve.origin.replace('http', 'ws')}/api?token=${serve.token}`, { origin: serve.origin, maxPayload: 64 * 2 ** 20 })
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve())
    ws.once('error', reject)
  })
  const pending = new Map<number, (v: Envelope) => void>()
  ws.on('message', (data) => {
    const msg = JSON.parse(String(data)) as { type: string; id: number; envelope: Envelope }
    if (msg.type === 'result') pending.get(msg.id)?.(msg.envelope)
  })
  let next = 1
  return (channel, args) =>
    new Promise((resolve) => {
      const id = next++
      pending.set(id, (e) => (pending.delete(id), resolve(e)))
      ws.send(JSON.stringify({ type: 'call', id, channel, args }))
    })
}

const PAGE = { offset: 0, limit: 50, sort: 'title' }

/**
 * Asks for a first page 10 ms after the last answer until `until` settles; returns each
 * probe's latency (ms). One probe at a time: on this loaded machine a query can take longer
 * than 10 ms, and probes queued behind each other would measure the probe, not the edit.
 */
async function probe(call: Awaited<ReturnType<typeof socket>>, until: Promise<unknown>): Promise<number[]> {
  const times: number[] = []
  let done = false
  void until.finally(() => (done = true))
  while (!done) {
    const t = performance.now()
    const e = await call('library.query', PAGE)
    if (!e.ok) throw new Error(`library.query: ${e.error?.message}`)
    times.push(performance.now() - t)
    await new Promise((r) => setTimeout(r, 10))
  }
  return times
}

function summary(times: number[]): string {
  const s = [...times].sort((a, b) => a - b)
  const p = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))]
  return `${s.length} probes, p50 ${p(0.5).toFixed(1)} ms, p95 ${p(0.95).toFixed(1)} ms, max ${s[s.length - 1].toFixed(1)} ms`
}

export default async function main(args: string[]): Promise<number> {
  const n = Number(args[0] ?? 100_000)
  const dir = mkdtempSync(join(tmpdir(), 'posterity-bench-bulk-'))
  let serve: ServeChild | null = null
  try {
    const made = await createSyntheticLibrary(dir, { posters: n })
    console.log(`synthetic library: ${made.posters} posters in ${made.seconds.toFixed(1)} s`)
    serve = await startServeChild(dir)
    const prober = await socket(serve)
    const editor = await socket(serve)
    const ids = ((await editor('library.ids', {})).value as { ids: string[] }).ids
    for (let i = 0; i < 5; i++) await prober('library.query', PAGE) // warm the statements
    console.log(`load average before: ${loadavg().map((x) => x.toFixed(1)).join(' ')}`)

    const idle = await probe(prober, new Promise((r) => setTimeout(r, 5000)))
    console.log(`first page, nothing else running:         ${summary(idle)}`)

    let editMs = 0
    let undoMs = 0
    const work = (async () => {
      let t = performance.now()
      const e = await editor('labels.edit', { ids, add: ['Western'] })
      if (!e.ok) throw new Error(`labels.edit: ${e.error?.message}`)
      editMs = performance.now() - t
      t = performance.now()
      const u = await editor('labels.undo', {})
      if (!u.ok) throw new Error(`labels.undo: ${u.error?.message}`)
      undoMs = performance.now() - t
    })()
    const busy = await probe(prober, work)
    await work
    console.log(`first page, during bulk edit + undo:       ${summary(busy)}`)
    const p95 = (t: number[]) => [...t].sort((a, b) => a - b)[Math.floor(0.95 * t.length)]
    console.log(
      `bulk edit of ${ids.length.toLocaleString()} posters ${(editMs / 1000).toFixed(1)} s, its undo ${(undoMs / 1000).toFixed(1)} s; ` +
        `p95 during / idle: ${(p95(busy) / p95(idle)).toFixed(1)}x (aim: p95 <= 50 ms); load average after: ${loadavg().map((x) => x.toFixed(1)).join(' ')}`,
    )
    return 0
  } finally {
    await serve?.stop()
    rmSync(dir, { recursive: true, force: true })
  }
}
