// `npm run bench -- csv-memory [--mb N]`: what reading a large label or metadata CSV costs.
// Writes a Kaggle-layout labels file (Id, Genre, one 0/1 column per genre) and an Id,Title,Year
// metadata file of about N MB each (default 100), then reads them in fresh child processes, one
// per way of reading, and prints each one's time, peak RSS and heap beside the file size:
//   empty   the child with the modules loaded, reading nothing (what every row below includes)
//   whole   the file read into one string (where a whole-text reader starts)
//   arrays  csv-parse/sync on the whole text: every row as an array of strings (the old way)
//   stream  csv-parse over a read stream, counting rows (the library alone)
//   labels  readTables(labels): streamed, keeping the labels by id
//   meta-map  the metadata file streamed into a Map of {title, year} by id (how readMetadata kept
//           it before meta-table.ts: the baseline for the next row)
//   meta    readTables(undefined, metadata): streamed into the compact MetaTable
import { spawnSync } from 'node:child_process'
import { createReadStream, mkdtempSync, openSync, readFileSync, rmSync, statSync, writeSync, closeSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { getHeapStatistics } from 'node:v8'
import { mulberry32 } from '../src/shared/random'
import { GENRE_FREQUENCIES } from './synthetic'

const MODES = ['empty', 'whole', 'arrays', 'stream', 'labels', 'meta-map', 'meta'] as const
type Mode = (typeof MODES)[number]

function writeFiles(dir: string, mb: number): { labels: string; meta: string; rows: { labels: number; meta: number } } {
  const rand = mulberry32(7)
  const genres = Object.keys(GENRE_FREQUENCIES)
  const total = Object.values(GENRE_FREQUENCIES).reduce((a, b) => a + b, 0)
  const labels = join(dir, 'labels.csv')
  const meta = join(dir, 'movies.csv')
  const words = 'night day love last man city dark star war king house road river blood secret dream fire storm'.split(' ')
  const rows = { labels: 0, meta: 0 }
  for (const [file, header, row] of [
    [labels, `Id,Genre,${genres.join(',')}\r\n`, (i: number) => {
      const has = genres.map((g) => rand() < (GENRE_FREQUENCIES[g] / total) * 1.9)
      const list = genres.filter((_, k) => has[k]).map((g) => `'${g}'`).join(', ')
      return `tt${String(i).padStart(7, '0')},"[${list}]",${has.map((h) => (h ? 1 : 0)).join(',')}\r\n`
    }],
    [meta, 'Id,Title,Year\r\n', (i: number) => {
      const title = Array.from({ length: 1 + Math.floor(rand() * 4) }, () => words[Math.floor(rand() * words.length)]).join(' ')
      return `tt${String(i).padStart(7, '0')},"${title}, the",${1920 + Math.floor(rand() * 100)}\r\n`
    }],
  ] as const) {
    const fd = openSync(file, 'w')
    let size = 0
    let n = 0
    let chunk: string = header
    while (size < mb * 2 ** 20) {
      const r = row(n++)
      chunk += r
      size += r.length
      if (chunk.length > 1 << 20) {
        writeSync(fd, chunk)
        chunk = ''
      }
    }
    writeSync(fd, chunk)
    closeSync(fd)
    rows[file === labels ? 'labels' : 'meta'] = n
  }
  return { labels, meta, rows }
}

interface Figures {
  mode: Mode
  seconds: number
  peakRss: number
  peakHeap: number
  retainedHeap: number
  rows: number
}

/** One way of reading, in this (child) process; prints its figures as JSON. */
async function child(mode: Mode, labels: string, meta: string): Promise<void> {
  const { readTables } = await import('../src/main/importer/tables')
  const { csvRows } = await import('../src/main/importer/csv')
  const { parse } = await import('csv-parse')
  const { parse: parseSync } = await import('csv-parse/sync')
  let peakHeap = getHeapStatistics().used_heap_size
  const sample = () => (peakHeap = Math.max(peakHeap, getHeapStatistics().used_heap_size))
  const timer = setInterval(sample, 5)
  const gc = (globalThis as { gc?: () => void }).gc!
  gc()
  const t0 = performance.now()
  let keep: unknown = null
  let rows = 0
  if (mode === 'whole') {
    keep = new TextDecoder().decode(readFileSync(labels))
    rows = (keep as string).length
  } else if (mode === 'arrays') {
    keep = parseSync(readFileSync(labels), { bom: true, relax_column_count: true, skip_empty_lines: true })
    sample()
    rows = (keep as unknown[]).length
  } else if (mode === 'stream') {
    for await (const _ of createReadStream(labels).pipe(parse({ bom: true, relax_column_count: true, skip_empty_lines: true }))) rows++
  } else if (mode === 'labels') {
    const t = await readTables(labels)
    keep = t
    rows = t.labels.size
  } else if (mode === 'meta-map') {
    // The former store: one object per row in a Map (same parser, same trimming and year rule).
    const map = new Map<string, { title: string | null; year: number | null }>()
    let header = true
    for await (const row of csvRows(createReadStream(meta))) {
      if (header) {
        header = false
        continue
      }
      const y = (row.fields[2] ?? '').trim()
      map.set(row.fields[0].trim(), { title: (row.fields[1] ?? '').trim() || null, year: /^\d{4}$/.test(y) ? Number(y) : null })
    }
    keep = map
    rows = map.size
  } else if (mode === 'meta') {
    const t = await readTables(undefined, meta)
    keep = t
    rows = t.meta.size
  }
  const seconds = (performance.now() - t0) / 1000
  sample()
  clearInterval(timer)
  gc()
  const retainedHeap = getHeapStatistics().used_heap_size
  const figures: Figures = { mode, seconds, peakRss: process.resourceUsage().maxRSS * 1024, peakHeap, retainedHeap, rows }
  if (keep === undefined) throw new Error('unreachable') // keeps `keep` alive through the gc above
  process.stdout.write(`${JSON.stringify(figures)}\n`)
}

const mib = (b: number) => `${(b / 2 ** 20).toFixed(0)} MiB`

export default async function main(args: string[]): Promise<number> {
  const mi = args.indexOf('--mb')
  const mb = mi >= 0 ? Number(args[mi + 1]) : 100
  const work = mkdtempSync(join(tmpdir(), 'posterity-bench-csv-'))
  try {
    let t0 = performance.now()
    const files = writeFiles(work, mb)
    const size = { labels: statSync(files.labels).size, meta: statSync(files.meta).size }
    console.log(
      `files: labels ${mib(size.labels)} (${files.rows.labels.toLocaleString('en')} rows, ${Object.keys(GENRE_FREQUENCIES).length} genre columns), ` +
        `metadata ${mib(size.meta)} (${files.rows.meta.toLocaleString('en')} rows); written in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
    )
    const results: Figures[] = []
    for (const mode of MODES) {
      t0 = performance.now()
      const r = spawnSync(process.execPath, ['--import', 'tsx', '--expose-gc', new URL(import.meta.url).pathname, 'child', mode, files.labels, files.meta], {
        encoding: 'utf8',
        maxBuffer: 1 << 20,
      })
      if (r.status !== 0) {
        console.error(`${mode}: child failed (${r.status}): ${r.stderr.slice(-2000)}`)
        return 1
      }
      results.push(JSON.parse(r.stdout.trim().split('\n').pop()!) as Figures)
    }
    const base = results.find((r) => r.mode === 'empty')!
    console.log(`load average: ${loadavg().map((x) => x.toFixed(2)).join(' ')}`)
    console.log('mode     | seconds | peak RSS | RSS over empty | / file size | peak heap | heap kept after | rows')
    for (const r of results) {
      const file = r.mode.startsWith('meta') ? size.meta : size.labels
      const over = r.peakRss - base.peakRss
      console.log(
        `${r.mode.padEnd(8)} | ${r.seconds.toFixed(2).padStart(7)} | ${mib(r.peakRss).padStart(8)} | ${mib(over).padStart(14)} | ` +
          `${r.mode === 'empty' ? '' : `${(over / file).toFixed(2)}x`.padStart(11)} | ${mib(r.peakHeap).padStart(9)} | ${mib(r.retainedHeap).padStart(15)} | ${r.rows.toLocaleString('en')}`,
      )
    }
    return 0
  } finally {
    rmSync(work, { recursive: true, force: true })
  }
}

if (process.argv[2] === 'child') {
  const [, , , mode, labels, meta] = process.argv
  await child(mode as Mode, labels, meta)
}
