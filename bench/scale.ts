// `npm run bench -- scale [N]`: a synthetic library of N (default 100,000) posters
// (bench/synthetic.ts) through the validating dispatcher, as the app uses it: the time to open
// it, grid pages (first page, a genre filter, scrolling, a search) p50/p95, stats, the labels
// export (CSV and JSON, streamed to a file as the CLI does), one undoable bulk edit of 10,000
// and of every poster with their undos and the history they leave, and peak memory after
// each step. A few minutes on a busy 2-core machine.
import { createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs'
import { once } from 'node:events'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { openCore, type Core } from '../src/main/core'
import { DB_FILE } from '../src/main/library/db'
import { exportLabels } from '../src/main/library/export'
import { createSyntheticLibrary } from './synthetic'

const mib = (b: number) => `${(b / 2 ** 20).toFixed(0)} MiB`
/** Peak RSS of this process so far (the kernel's high-water mark, which sampling would miss during synchronous work). */
const peakRss = () => process.resourceUsage().maxRSS * 1024

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]
}

async function call(core: Core, channel: string, args: unknown): Promise<unknown> {
  const env = await core.dispatch(channel, args)
  if (!env.ok) throw new Error(`${channel}: ${env.error.message}`)
  return env.value
}

/** p50/p95 of `runs` calls (after 2 warm-up calls); `args(i)` may vary the call. */
async function timed(core: Core, channel: string, args: (i: number) => unknown, runs = 20): Promise<{ p50: number; p95: number; last: unknown }> {
  const times: number[] = []
  let last: unknown
  for (let i = 0; i < runs + 2; i++) {
    const t = performance.now()
    last = await call(core, channel, args(i))
    if (i >= 2) times.push(performance.now() - t)
  }
  times.sort((a, b) => a - b)
  return { p50: pct(times, 50), p95: pct(times, 95), last }
}

export default async function main(args: string[]): Promise<number> {
  const n = Number(args.find((a) => /^\d+$/.test(a)) ?? 100_000)
  const dir = mkdtempSync(join(tmpdir(), 'posterity-bench-scale-'))
  const row = (what: string, figures: string) => console.log(`${what.padEnd(54)} ${figures.padEnd(34)} peak RSS ${mib(peakRss())}`)
  try {
    console.log(`load average at start: ${loadavg().map((l) => l.toFixed(1)).join(', ')}`)
    const made = await createSyntheticLibrary(dir, { posters: n })
    row(`synthetic library written (${made.posters.toLocaleString('en')} posters)`, `${made.seconds.toFixed(1)} s`)

    let t = performance.now()
    let core = openCore({ libraryDir: dir })
    const openMs = performance.now() - t
    t = performance.now()
    const first = (await call(core, 'library.query', {})) as { total: number }
    row('open the library', `${openMs.toFixed(0)} ms, first page +${(performance.now() - t).toFixed(0)} ms`)
    if (first.total !== n) throw new Error(`expected ${n} posters, the grid says ${first.total}`)

    const shapes: [string, string, (i: number) => unknown][] = [
      ['first page (200, by title)', 'library.query', () => ({})],
      ['filter any [Drama, Comedy]', 'library.query', () => ({ genres: ['Drama', 'Comedy'], match: 'any' })],
      ['scroll: pages 0-19 of [Drama], by year', 'library.query', (i) => ({ genres: ['Drama'], sort: 'year', offset: i * 200 })],
      ['search "night"', 'library.query', () => ({ search: 'night' })],
      ['search "tt10123" (ids)', 'library.query', () => ({ search: 'tt10123', sort: 'id' })],
      ['stats', 'library.stats', () => ({})],
    ]
    for (const [name, channel, a] of shapes) {
      const r = await timed(core, channel, a)
      const total = (r.last as { total?: number }).total
      row(`${name}${total === undefined ? '' : ` (${total.toLocaleString('en')} rows)`}`, `p50 ${r.p50.toFixed(1)} ms, p95 ${r.p95.toFixed(1)} ms`)
    }

    for (const format of ['csv', 'json'] as const) {
      t = performance.now()
      const file = join(dir, `export.${format}`)
      const out = createWriteStream(file)
      const { lines, count } = exportLabels(core.db, format)
      for (const line of lines) if (!out.write(line)) await once(out, 'drain')
      out.end()
      await once(out, 'finish')
      row(`export ${format.toUpperCase()} (${count().toLocaleString('en')} posters)`, `${((performance.now() - t) / 1000).toFixed(2)} s, ${mib(statSync(file).size)}`)
    }

    const ids = ((await call(core, 'library.ids', { sort: 'id' })) as { ids: string[] }).ids
    for (const size of [10_000, n]) {
      const some = ids.slice(0, size)
      for (const [name, channel, a] of [
        [`bulk edit: add Western to ${size.toLocaleString('en')} posters`, 'labels.edit', { ids: some, add: ['Western'] }],
        ['  its undo', 'labels.undo', {}],
        ['  its redo', 'labels.redo', {}],
      ] as const) {
        t = performance.now()
        await call(core, channel, a)
        row(name, `${((performance.now() - t) / 1000).toFixed(2)} s`)
      }
    }
    let history: string
    try {
      history = mib(core.db.prepare('SELECT COALESCE(SUM(length(CAST(changes AS BLOB))), 0) FROM history').pluck().get() as number)
    } catch (err) {
      history = `not measured (${(err as Error).message})` // the history's layout changed
    }
    row('history after the two bulk edits', history)

    await core.close()
    t = performance.now()
    core = openCore({ libraryDir: dir })
    await call(core, 'library.query', {})
    row('reopen + first page', `${(performance.now() - t).toFixed(0)} ms, library file ${mib(statSync(join(dir, DB_FILE)).size)}`)
    await core.close()
    console.log(`load average at end: ${loadavg().map((l) => l.toFixed(1)).join(', ')}`)
    return 0
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
