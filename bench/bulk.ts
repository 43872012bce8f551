// `npm run bench -- bulk [N] [--ops edit,merge,remove-genre,delete] [--in-process]`: do bulk changes
// block other calls? `posterity serve` (the built CLI, a child process) on a synthetic N-poster
// library (default 100,000); with --in-process, the core in this process through its validating
// dispatcher instead (no socket, no second process: on a machine shared with other work it
// measures the slicing apart from the scheduling of two processes). A probe socket asks for the grid's first page 10 ms after each answer; its
// latency (p50/p95/max) is measured for 5 s with nothing else running (the baseline), then while
// a second socket runs each change and its undo: a genre added to every poster (edit), Drama
// merged into Comedy (merge), Comedy deleted (remove-genre), 45% of the posters deleted (delete).
// Aim (issue 15): p95 <= 50 ms during each.
import { mkdtempSync, rmSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { WebSocket } from 'ws'
import { startServeChild, type ServeChild } from '../scripts/harness'
import { openCore, type Core } from '../src/main/core'
import { createSyntheticLibrary } from './synthetic'
import { option } from './_shared-library'

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

type Call = (channel: string, args: unknown) => Promise<Envelope>

/** Each change and its undo, as the editor socket sends them. */
const OPS: Record<string, (ids: string[]) => [what: string, channel: string, args: unknown][]> = {
  edit: (ids) => [[`labels.edit: Western on ${ids.length.toLocaleString('en')} posters`, 'labels.edit', { ids, add: ['Western'] }]],
  merge: () => [['genres.merge: Drama into Comedy', 'genres.merge', { from: 'Drama', into: 'Comedy' }]],
  'remove-genre': () => [['genres.remove: Comedy', 'genres.remove', { name: 'Comedy' }]],
  delete: (ids) => {
    const some = ids.filter((_, i) => i % 20 < 9)
    return [[`library.remove: ${some.length.toLocaleString('en')} posters`, 'library.remove', { ids: some }]]
  },
}

const p95 = (t: number[]) => [...t].sort((a, b) => a - b)[Math.floor(0.95 * t.length)]
const load = () => loadavg().map((x) => x.toFixed(1)).join(' ')

/** Runs one call from the editor while the prober probes; prints its time and the probes' latency. */
async function during(prober: Call, editor: Call, what: string, channel: string, args: unknown, idle: number[]): Promise<void> {
  const t = performance.now()
  let ms = 0
  const work = (async () => {
    const e = await editor(channel, args)
    if (!e.ok) throw new Error(`${channel}: ${e.error?.message}`)
    ms = performance.now() - t
    return e.value
  })()
  const busy = await probe(prober, work)
  await work
  console.log(`${what.padEnd(40)} ${(ms / 1000).toFixed(2).padStart(6)} s | ${summary(busy)} | p95 / idle ${(p95(busy) / p95(idle)).toFixed(1)}x`)
}

export default async function main(args: string[]): Promise<number> {
  const n = Number(args[0] && !args[0].startsWith('--') ? args[0] : 100_000)
  const ops = (option(args, '--ops') ?? Object.keys(OPS).join(',')).split(',')
  for (const o of ops) if (!OPS[o]) throw new Error(`unknown op ${o}; known: ${Object.keys(OPS).join(', ')}`)
  const inProcess = args.includes('--in-process')
  const dir = mkdtempSync(join(tmpdir(), 'posterity-bench-bulk-'))
  let serve: ServeChild | null = null
  let core: Core | null = null
  try {
    const made = await createSyntheticLibrary(dir, { posters: n })
    console.log(`synthetic library: ${made.posters} posters in ${made.seconds.toFixed(1)} s; calls ${inProcess ? 'through the dispatcher in this process' : 'over WebSockets to posterity serve'}`)
    let prober: Call
    let editor: Call
    if (inProcess) {
      const c = (core = openCore({ libraryDir: dir }))
      prober = editor = (channel, a) => c.dispatch(channel, a) as Promise<Envelope>
    } else {
      serve = await startServeChild(dir)
      prober = await socket(serve)
      editor = await socket(serve)
    }
    const ids = ((await editor('library.ids', {})).value as { ids: string[] }).ids
    const genres = ((await editor('genres.list', {})).value as { genres: { name: string; count: number }[] }).genres
    console.log(`labels: ${genres.filter((g) => ['Drama', 'Comedy'].includes(g.name)).map((g) => `${g.name} ${g.count.toLocaleString('en')}`).join(', ')}`)
    for (let i = 0; i < 5; i++) await prober('library.query', PAGE) // warm the statements
    console.log(`load average before: ${load()}`)

    const idle = await probe(prober, new Promise((r) => setTimeout(r, 5000)))
    console.log(`${'first page, nothing else running'.padEnd(49)} | ${summary(idle)}`)
    console.log('change (aim: p95 <= 50 ms)               time   | first page meanwhile')
    for (const o of ops) {
      for (const [what, channel, a] of OPS[o](ids)) {
        await during(prober, editor, what, channel, a, idle)
        await during(prober, editor, '  its undo', 'labels.undo', {}, idle)
      }
    }
    console.log(`load average after: ${load()}`)
    return 0
  } finally {
    await serve?.stop()
    await core?.close()
    rmSync(dir, { recursive: true, force: true })
  }
}
