// `npm run bench -- history [N] [EDITS]`: the undo history's size and what a genre rename costs
// after EDITS (default 20) bulk edits of every poster of a synthetic N-poster library (default
// 100,000). Each edit adds or removes a genre on all posters through the validating dispatcher.
// Baseline in the same run: the bytes the same entries take in the former encoding (whole
// before/after states of every poster, read around each edit), beside the bytes stored now
// (what changed, delta.ts). Then a genre rename and a merge: time, RSS growth and heap growth.
import { mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openCore } from '../src/main/core'
import { readStates } from '../src/main/library/labels'
import { HISTORY_MAX_BYTES } from '../src/main/library/history'
import { createSyntheticLibrary } from './synthetic'
import { call } from './_shared-library'

const mb = (b: number) => `${(b / 2 ** 20).toFixed(1)} MB`

export default async function main(args: string[]): Promise<number> {
  const n = Number(args[0] ?? 100_000)
  const edits = Number(args[1] ?? 20)
  const dir = mkdtempSync(join(tmpdir(), 'posterity-bench-history-'))
  try {
    const made = await createSyntheticLibrary(dir, { posters: n })
    console.log(`synthetic library: ${made.posters} posters in ${made.seconds.toFixed(1)} s`)
    const core = openCore({ libraryDir: dir })
    const { ids } = await call<{ ids: string[] }>(core, 'library.ids', {})
    let formerBytes = 0
    let editMs = 0
    for (let i = 0; i < edits; i++) {
      const before = readStates(core.db, ids)
      const genre = ['Western', 'Film-Noir'][Math.floor(i / 2) % 2]
      const t0 = performance.now()
      const r = await call<{ changed: string[] }>(core, 'labels.edit', i % 2 ? { ids, remove: [genre] } : { ids, add: [genre] })
      editMs += performance.now() - t0
      const after = readStates(core.db, r.changed)
      // The former entry: JSON [{id, before, after}] of whole states.
      for (const id of r.changed) formerBytes += Buffer.byteLength(JSON.stringify({ id, before: before.get(id), after: after.get(id) })) + 1
      process.stdout.write(`edit ${i + 1}/${edits}: ${r.changed.length} posters, ${((performance.now() - t0) / 1000).toFixed(1)} s\n`)
    }
    const stored = core.db.prepare('SELECT COALESCE(SUM(bytes), 0) AS bytes, COUNT(*) AS entries FROM history').get() as { bytes: number; entries: number }
    const dropped = (await call<{ dropped?: number }>(core, 'labels.history', { limit: 1 })).dropped ?? 0
    core.db.pragma('wal_checkpoint(TRUNCATE)')
    console.log(
      `history after ${edits} edits of ${n.toLocaleString()} posters: ${mb(stored.bytes)} in ${stored.entries} entries ` +
        `(former whole-state encoding of the same edits: ${mb(formerBytes)}; ratio ${(stored.bytes / formerBytes).toFixed(3)}); ` +
        `limit ${mb(HISTORY_MAX_BYTES)}, ${dropped} entries dropped; library file ${mb(statSync(join(dir, 'library.sqlite')).size)}; ` +
        `mean edit ${(editMs / edits / 1000).toFixed(1)} s`,
    )
    for (const [what, channel, a] of [
      ['rename Drama → Dramatic', 'genres.rename', { name: 'Drama', to: 'Dramatic' }],
      ['merge Dramatic into Comedy', 'genres.merge', { from: 'Dramatic', into: 'Comedy' }],
      ['undo the merge', 'labels.undo', {}],
      ['undo the rename', 'labels.undo', {}],
    ] as const) {
      global.gc?.()
      const rss0 = process.memoryUsage().rss
      const heap0 = process.memoryUsage().heapUsed
      let peak = rss0
      const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 5)
      const t0 = performance.now()
      await call(core, channel, a)
      const ms = performance.now() - t0
      clearInterval(timer)
      peak = Math.max(peak, process.memoryUsage().rss)
      console.log(
        `${what.padEnd(28)} ${ms.toFixed(0).padStart(6)} ms, RSS +${mb(peak - rss0)}, heap +${mb(Math.max(0, process.memoryUsage().heapUsed - heap0))}`,
      )
    }
    await core.close()
    return 0
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
