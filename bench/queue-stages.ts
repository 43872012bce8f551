// `npm run bench -- queue-stages [--library DIR] [--rounds N]`: two of the
// three stages of the suspect queue's training (`npm run bench -- review`), each timed in this
// process against the code it replaced (bench/_before/, frozen at commit d43c189), in
// alternating order, as CPU seconds of this thread, so other work on the cores moves both
// alike; and each checked to give the same result.
// - grouping: near-duplicate groups of the human-labelled posters' features, and the async
//   pair search's longest event-loop stall (wall time: what a server's other calls wait);
// - figures: honestEvaluation (per-fold thresholds, bootstrap intervals, 500 replicates) of
//   out-of-fold-like probabilities: the real labels and folds, scores drawn from the labels
//   (a library has no stored run to read; the cost depends on the sizes, not the values);
// The third, the folds' training, was compared the same way and gained nothing worth keeping
// a frozen copy for (9.13 -> 9.10 CPU s a fold, identical weights; see README).
// --library DIR (embeddings of the default feature set cached; it is copied, never written).
import { mkdtempSync, rmSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { openCore } from '../src/main/core'
import { featureMatrix, postersFor, trainingLabels } from '../src/main/ml/service/data'
import { featureSetName, modelService } from '../src/main/ml/service/model-service'
import { duplicateGroups, nearDuplicatePairsAsync } from '../src/main/ml/train/groups'
import { honestEvaluation } from '../src/main/ml/eval/honest'
import { DEFAULT_HEAD } from '../src/main/ml/train/head'
import { assignFolds } from '../src/main/ml/train/folds'
import { mulberry32 } from '../src/shared/random'
import * as beforeGroups from './_before/groups'
import * as beforeHonest from './_before/honest'
import { runJob, option, sharedDataPresent, backupLibrary, stallDuring } from './_shared-library'

const cpu = () => {
  const u = process.cpuUsage()
  return (u.user + u.system) / 1e6
}
const load = () =>
  loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')

/** CPU seconds of `before` and `after`, alternating, `rounds` each; their results for the checks. */
async function alternate<T>(rounds: number, before: () => T | Promise<T>, after: () => T | Promise<T>) {
  const times = { before: [] as number[], after: [] as number[] }
  let last = { before: undefined as T | undefined, after: undefined as T | undefined }
  for (let r = 0; r < rounds; r++) {
    for (const side of r % 2 ? (['after', 'before'] as const) : (['before', 'after'] as const)) {
      const c = cpu()
      const out = await (side === 'before' ? before() : after())
      times[side].push(cpu() - c)
      last = { ...last, [side]: out }
    }
  }
  const median = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor((a.length - 1) / 2)]
  return { before: median(times.before), after: median(times.after), last: last as { before: T; after: T } }
}

const line = (stage: string, t: { before: number; after: number }, same: boolean, note = '') =>
  console.log(
    `${stage}: before ${t.before.toFixed(2)} s CPU, now ${t.after.toFixed(2)} s (${(t.before / t.after).toFixed(2)}x faster)${note}; same result: ${same ? 'yes' : 'NO'}; load average ${load()}`,
  )

export default async function main(args: string[]): Promise<number> {
  if (!sharedDataPresent()) return 1
  const rounds = Number(option(args, '--rounds') ?? 3)
  const source = option(args, '--library')
  const work = mkdtempSync(join(tmpdir(), 'posterity-bench-queue-'))
  const libDir = join(work, 'library')
  if (source) await backupLibrary(source, libDir)
  const core = openCore({ libraryDir: libDir })
  try {
    if ((core.db.prepare('SELECT COUNT(*) FROM posters').pluck().get() as number) === 0) {
      console.error('queue-stages needs a library of the shared posters: --library DIR (see `npm run bench -- review`)')
      return 1
    }
    const svc = modelService(core)
    const embedS = await runJob(core, 'model.embed', {})
    const human = trainingLabels(core.db, false).labels
    const posters = postersFor(core.db).filter((p) => (human.get(p.id)?.length ?? 0) > 0)
    const d = svc.dims
    const x = await featureMatrix(core.db, svc.key, posters, d)
    const genres = [...new Set([...human.values()].flat())].sort()
    const g = genres.length
    const n = posters.length
    const y = new Float32Array(n * g)
    posters.forEach((p, i) => human.get(p.id)!.forEach((name) => (y[i * g + genres.indexOf(name)] = 1)))
    const items = posters.map((p) => ({ id: p.id, hash: p.hash }))
    console.log(`${n} human-labelled posters, ${d} features (${featureSetName(svc.features)}), ${g} genres (${embedS.toFixed(1)} s to embed what was missing); ${rounds} rounds a stage; load average ${load()}`)

    // Grouping.
    const grouping = await alternate(
      rounds,
      () => beforeGroups.duplicateGroups(items, { x, dims: d }),
      () => duplicateGroups(items, { x, dims: d }),
    )
    const sameGroups = JSON.stringify(grouping.last.before) === JSON.stringify(grouping.last.after)
    line('grouping', grouping, sameGroups, ` (${grouping.last.after.count} groups, ${grouping.last.after.nearDuplicates} joined by the embedding test)`)

    // The async search (quick split, Explore's duplicates): its wall time and the event loop's longest stall.
    const stalls = async (search: () => Promise<unknown>) => {
      const { result, ms, maxGapMs } = await stallDuring(search)
      return { s: ms / 1000, stall: maxGapMs, pairs: JSON.stringify(result) }
    }
    for (let r = 0; r < Math.min(rounds, 2); r++) {
      const before = await stalls(() => beforeGroups.nearDuplicatePairsAsync(x, d))
      const after = await stalls(() => nearDuplicatePairsAsync(x, d))
      console.log(
        `async pair search: before ${before.s.toFixed(2)} s wall, longest stall ${before.stall.toFixed(0)} ms; now ${after.s.toFixed(2)} s, longest stall ${after.stall.toFixed(0)} ms; same pairs: ${before.pairs === after.pairs ? 'yes' : 'NO'}; load average ${load()}`,
      )
    }

    // Figures.
    const groups = grouping.last.after
    const fold = assignFolds(groups, 5, DEFAULT_HEAD.seed)
    const rand = mulberry32(11)
    const oof = Float32Array.from(y, (v) => 1 / (1 + Math.exp(-(2.2 * v - 3 + 1.6 * (rand() + rand() + rand() - 1.5)))))
    const prior = genres.map((_, c) => {
      let p = 0
      for (let i = 0; i < n; i++) p += y[i * g + c]
      return p / n
    })
    const figures = await alternate(
      rounds,
      () => beforeHonest.honestEvaluation(oof, y, genres, fold, 5, prior),
      () => honestEvaluation(oof, y, genres, fold, 5, prior),
    )
    line('figures', figures, JSON.stringify(figures.last.before) === JSON.stringify(figures.last.after), ' (500 replicates, model and prior)')

    return 0
  } finally {
    await core.close()
    rmSync(work, { recursive: true, force: true })
  }
}
