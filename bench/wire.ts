// `npm run bench -- wire [N]`: what moving the core off the window's process buys and costs,
// on a synthetic library of N (default 100,000) posters.
//  - The stall: the longest gap between 5 ms timer ticks on the calling thread (the
//    Electron main process, in the app) while a bulk edit adds a genre to every poster, and
//    undoes it. Baseline: the core in the same thread (the old design). Now: the built core
//    process (out/main/core-host.js) in a worker thread, as the utility process, over a
//    MessagePort with structured clones.
//  - The cost: p50/p95 of a first-page grid query, direct dispatch vs over the port.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads'
import { openCore } from '../src/main/core'
import { CoreSupervisor } from '../src/main/electron/supervisor'
import type { FromHost } from '../src/main/hosting/core-process-protocol'
import type { Envelope } from '../src/shared/api'
import { stallDuring } from './_shared-library'
import { createSyntheticLibrary } from './synthetic'

type Call = (channel: string, args: unknown) => Promise<Envelope>

async function ok(call: Call, channel: string, args: unknown): Promise<unknown> {
  const env = await call(channel, args)
  if (!env.ok) throw new Error(`${channel}: ${env.error.message}`)
  return env.value
}

async function measure(name: string, call: Call): Promise<{ edit: number; gap: number; p50: number; p95: number }> {
  const { ids } = (await ok(call, 'library.ids', {})) as { ids: string[] }
  const edit = await stallDuring(async () => {
    await ok(call, 'labels.edit', { ids, add: ['Western'] })
    await ok(call, 'labels.undo', {})
  })
  const times: number[] = []
  for (let i = 0; i < 43; i++) {
    const t = performance.now()
    await ok(call, 'library.query', { limit: 200 })
    if (i >= 3) times.push(performance.now() - t)
  }
  times.sort((a, b) => a - b)
  const p = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))]
  console.log(
    `${name.padEnd(34)} bulk edit + undo of ${ids.length.toLocaleString()}: ${edit.ms.toFixed(0).padStart(5)} ms, ` +
      `longest stall of the calling thread ${edit.maxGapMs.toFixed(0).padStart(5)} ms; first page p50 ${p(0.5).toFixed(2)} ms, p95 ${p(0.95).toFixed(2)} ms`,
  )
  return { edit: edit.ms, gap: edit.maxGapMs, p50: p(0.5), p95: p(0.95) }
}

export default async function main(args: string[]): Promise<number> {
  const n = Number(args[0] ?? 100_000)
  const dir = mkdtempSync(join(tmpdir(), 'posterity-bench-wire-'))
  try {
    const made = await createSyntheticLibrary(dir, { posters: n })
    console.log(`synthetic library: ${made.posters} posters in ${made.seconds.toFixed(1)} s`)

    const core = openCore({ libraryDir: dir })
    const inThread = await measure('core in the calling thread', core.dispatch)
    await core.close()

    const supervisor = new CoreSupervisor<MessagePort>({
      launch() {
        const w = new Worker(resolve(import.meta.dirname ?? __dirname, '..', 'out', 'main', 'core-host.js'))
        return {
          post: (msg, transfer) => w.postMessage(transfer?.length ? { ...msg, port: transfer[0] } : msg, transfer ?? []),
          onMessage: (l) => w.on('message', (m: FromHost) => l(m)),
          onExit: (l) => w.on('exit', (code) => l(code)),
          kill: () => void w.terminate(),
        }
      },
      open: { libraryDir: dir },
    })
    await supervisor.start()
    const { port1, port2 } = new MessageChannel()
    await supervisor.connect(port1)
    let nextId = 1
    const waiting = new Map<number, (e: Envelope) => void>()
    port2.on('message', (m: { type: string; id: number; envelope: Envelope }) => {
      if (m.type === 'result') waiting.get(m.id)?.(m.envelope)
    })
    const overPort: Call = (channel, a) =>
      new Promise((res) => {
        const id = nextId++
        waiting.set(id, res)
        port2.postMessage({ type: 'call', id, channel, args: a })
      })
    const separate = await measure('core process over a MessagePort', overPort)
    port2.close()
    await supervisor.stop()

    console.log(
      `stall ratio (core process / same thread): ${(separate.gap / inThread.gap).toFixed(3)}; ` +
        `query p50 overhead of the port: ${(separate.p50 - inThread.p50).toFixed(2)} ms`,
    )
    return 0
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
