// `npm run bench -- query [N]`: p50/p95 of typical grid queries on a synthetic library of
// N (default 100,000) posters, through core.dispatch (validation included) — what the UI pays.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openCore } from '../src/main/core'
import { createSyntheticLibrary, GENRE_FREQUENCIES } from './synthetic'
import { putPredictions } from '../src/main/ml/store/runs'
import { insertStubRun } from '../src/main/ml/store/stub-run'
import { mulberry32 } from '../src/shared/random'

const CASES: [string, string, Record<string, unknown>][] = [
  ['first page, sort title', 'library.query', {}],
  ['any [Drama, Comedy], title', 'library.query', { genres: ['Drama', 'Comedy'], match: 'any' }],
  ['all [Action, Thriller], year desc', 'library.query', { genres: ['Action', 'Thriller'], match: 'all', sort: 'year', desc: true }],
  ['none [Drama], labelled, title', 'library.query', { genres: ['Drama'], match: 'none', labelled: 'labelled' }],
  ['unlabelled, added desc', 'library.query', { labelled: 'unlabelled', sort: 'added', desc: true }],
  ['search "night", title', 'library.query', { search: 'night' }],
  ['search "tt1099" (id), id', 'library.query', { search: 'tt1099', sort: 'id' }],
  ['any [Western] + search "the", year', 'library.query', { genres: ['Western'], search: 'the', sort: 'year' }],
  ['deep page offset 60,000, title', 'library.query', { offset: 60_000 }],
  ['duplicates only', 'library.query', { duplicatesOnly: true }],
  ['source: has imported labels, title', 'library.query', { sources: ['imported'] }],
  ['search "ni" (2 chars, no index), title', 'library.query', { search: 'ni' }],
  ['ids: any [Drama] (select all)', 'library.ids', { genres: ['Drama'] }],
]

// Queries by the active model's predictions (ml/review/predicted-query.ts). The "cold" cases
// alternate the library filter too, so every call misses both caches (what changing a filter
// costs); "switch" cases change only the predicted genre or order (the library's own list is
// kept until a write); the paging case walks one order (what scrolling costs).
const PREDICTION_CASES: [string, string, (i: number) => Record<string, unknown>][] = [
  ['predicts [Drama], all|labelled (cold)', 'library.query', (i) => ({ predicted: ['Drama'], labelled: i % 2 ? 'all' : 'labelled' })],
  ['predicts [Drama|Comedy], title (switch)', 'library.query', (i) => ({ predicted: [i % 2 ? 'Drama' : 'Comedy'] })],
  ['order: p(Drama), all|labelled (cold)', 'library.query', (i) => ({ predictionSort: { by: 'probability', genre: 'Drama' }, desc: true, labelled: i % 2 ? 'all' : 'labelled' })],
  ['order: p(Drama|Comedy) desc (switch)', 'library.query', (i) => ({ predictionSort: { by: 'probability', genre: i % 2 ? 'Drama' : 'Comedy' }, desc: true })],
  ['order: uncertainty, unlabelled|all (cold)', 'library.query', (i) => ({ labelled: i % 2 ? 'unlabelled' : 'all', predictionSort: { by: 'uncertainty' }, desc: true })],
  ['order: p(Drama), pages 0-29 (warm)', 'library.query', (i) => ({ predictionSort: { by: 'probability', genre: 'Drama' }, desc: true, offset: i * 200 })],
]

/** An active run with a stored prediction for every poster (random probabilities). */
function addPredictions(core: ReturnType<typeof openCore>): void {
  const genres = Object.keys(GENRE_FREQUENCIES)
  const runId = insertStubRun(core.db, { backend: 'none', genres, thresholds: genres.map(() => 0.3), weightsPath: '/nowhere' }, true)
  const rand = mulberry32(5)
  const ids = core.db.prepare('SELECT id FROM posters').pluck().all() as string[]
  putPredictions(core.db, runId, ids.map((id) => ({ id, probs: Float32Array.from(genres, () => rand() ** 2) })))
}

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]
}

export default async function main(args: string[]): Promise<number> {
  const n = Number(args[0] ?? 100_000)
  const dir = mkdtempSync(join(tmpdir(), 'posterity-bench-query-'))
  try {
    const made = await createSyntheticLibrary(dir, { posters: n })
    console.log(`synthetic library: ${made.posters} posters in ${made.seconds.toFixed(1)} s (${dir})`)
    const core = openCore({ libraryDir: dir })
    const runs = 30
    let worst = 0
    console.log(`${'query'.padEnd(40)} ${'rows'.padStart(7)}  p50 ms  p95 ms`)
    for (const [name, channel, args] of CASES) {
      const times: number[] = []
      let rows = 0
      for (let i = 0; i < runs + 3; i++) {
        const t = performance.now()
        const env = await core.dispatch(channel, args)
        const ms = performance.now() - t
        if (!env.ok) throw new Error(`${name}: ${env.error.message}`)
        const v = env.value as { total?: number; ids?: string[] }
        rows = v.total ?? v.ids?.length ?? 0
        if (i >= 3) times.push(ms) // the first runs prepare statements and warm the page cache
      }
      times.sort((a, b) => a - b)
      worst = Math.max(worst, pct(times, 95))
      console.log(`${name.padEnd(40)} ${String(rows).padStart(7)}  ${pct(times, 50).toFixed(1).padStart(6)}  ${pct(times, 95).toFixed(1).padStart(6)}`)
    }
    addPredictions(core)
    const first = performance.now()
    await core.dispatch('library.query', { predicted: ['Drama'] })
    console.log(`predictions of an active run stored for every poster; the first prediction query (loads them) ${(performance.now() - first).toFixed(0)} ms`)
    for (const [name, channel, make] of PREDICTION_CASES) {
      const times: number[] = []
      let rows = 0
      for (let i = 0; i < runs + 3; i++) {
        const t = performance.now()
        const env = await core.dispatch(channel, make(i))
        const ms = performance.now() - t
        if (!env.ok) throw new Error(`${name}: ${env.error.message}`)
        rows = (env.value as { total: number }).total
        if (i >= 3) times.push(ms)
      }
      times.sort((a, b) => a - b)
      worst = Math.max(worst, pct(times, 95))
      console.log(`${name.padEnd(40)} ${String(rows).padStart(7)}  ${pct(times, 50).toFixed(1).padStart(6)}  ${pct(times, 95).toFixed(1).padStart(6)}`)
    }
    console.log(`worst p95: ${worst.toFixed(1)} ms (aim: filtered grid query < 50 ms)`)
    // Search: the trigram index against a scan testing every poster's folded key (the baseline),
    // same process, same words: the ratio holds however busy the machine is.
    const median = (fn: () => void) => {
      const t: number[] = []
      for (let i = 0; i < 15; i++) {
        const a = performance.now()
        fn()
        t.push(performance.now() - a)
      }
      return t.sort((a, b) => a - b)[7]
    }
    const scan = core.db.prepare('SELECT COUNT(*) FROM posters p WHERE instr(p.search_key, ?) > 0').pluck()
    const indexed = core.db.prepare('SELECT COUNT(*) FROM posters p WHERE p.rowid IN (SELECT rowid FROM posters_fts WHERE posters_fts MATCH ?)').pluck()
    for (const word of ['night', 'tt1099', 'the']) {
      const [a, b] = [median(() => scan.get(word)), median(() => indexed.get(`"${word}"`))]
      if (scan.get(word) !== indexed.get(`"${word}"`)) throw new Error(`search "${word}": the index and the scan disagree`)
      console.log(`count search "${word}": scan ${a.toFixed(1)} ms, trigram index ${b.toFixed(1)} ms (${(a / b).toFixed(1)}x)`)
    }
    // Bulk edits (one run each): a genre added to 10,000 posters, undone, redone; then deleted, undone, redone.
    const ids = (core.handlers.library.ids({ sort: 'id', desc: false, match: 'any', labelled: 'all', duplicatesOnly: false }) as { ids: string[] }).ids.slice(0, 10_000)
    for (const [name, channel, a] of [
      ['labels.edit: add Western to 10,000 posters', 'labels.edit', { ids, add: ['Western'] }],
      ['labels.undo of it', 'labels.undo', {}],
      ['labels.redo of it', 'labels.redo', {}],
      ['library.remove: delete the same 10,000 posters', 'library.remove', { ids }],
      ['labels.undo of it (posters, labels back)', 'labels.undo', {}],
      ['labels.redo of it', 'labels.redo', {}],
    ] as const) {
      const t = performance.now()
      const env = await core.dispatch(channel, a)
      if (!env.ok) throw new Error(env.error.message)
      console.log(`${name.padEnd(44)} ${(performance.now() - t).toFixed(0)} ms`)
    }
    await core.close()
    return 0
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
