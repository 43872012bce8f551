// `npm run bench -- uncertain --library DIR [--seeds 1,2,3] [--start 1000] [--batch 500] [--rules]`: does
// answering the uncertain queue teach the model more than answering random posters? For each
// seed, a fifth of the human-labelled shared posters is set aside by duplicate group (the test
// posters, never trained on); of the rest, `start` random posters keep their labels and the
// others are made unlabelled. A model is trained on the `start` (the product's recipe through
// the API: cross-validation + refit), the unlabelled posters are predicted, and `batch` posters
// are answered (their true labels restored) two ways: the top of the uncertain queue, and a
// random draw. A model is trained on each answered set and scored on the test posters: macro-AP
// of each, and the paired-bootstrap difference uncertain − random (1,000 resamples of the test
// posters). --library DIR is copied first (the bench changes labels; the copy is deleted).
// --rules also answers the top of three other rankings (see below) and scores them the same way.
import { mkdtempSync, rmSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { openCore, type Core } from '../src/main/core'
import { readStates, writeStates, type LabelState } from '../src/main/library/labels'
import { featureMatrix, postersFor, trainingLabels } from '../src/main/ml/service/data'
import { modelService } from '../src/main/ml/service/model-service'
import { rankUncertainQueue } from '../src/main/ml/review/queues'
import { activeRun } from '../src/main/ml/store/runs'
import { duplicateGroups } from '../src/main/ml/train/groups'
import { seededUnit } from '../src/main/ml/train/split'
import { evaluate } from '../src/main/ml/eval/metrics'
import { pairedMacroApDifference } from '../src/main/ml/eval/paired'
import { mulberry32 } from '../src/shared/random'
import { backupLibrary, call, option, runJob, sharedDataPresent } from './_shared-library'

const f3 = (x: number) => x.toFixed(3)
const signed = (x: number) => `${x >= 0 ? '+' : ''}${f3(x)}`

export default async function main(args: string[]): Promise<number> {
  if (!sharedDataPresent({ backbone: true })) return 1
  const source = option(args, '--library')
  if (!source) {
    console.error('bench uncertain needs --library DIR: a library of the shared posters with embeddings (npm run bench -- model --library DIR makes one)')
    return 1
  }
  const seeds = (option(args, '--seeds') ?? '1,2,3').split(',').map(Number)
  const start = Number(option(args, '--start') ?? 1000)
  const batch = Number(option(args, '--batch') ?? 500)
  const work = mkdtempSync(join(tmpdir(), 'posterity-bench-uncertain-'))
  const libDir = join(work, 'library')
  await backupLibrary(source, libDir)
  const core = openCore({ libraryDir: libDir })
  try {
    const svc = modelService(core)
    const { eligible, labels } = trainingLabels(core.db, false)
    const posters = postersFor(core.db, { scope: 'labelled' }).filter((p) => eligible.has(p.id) && (labels.get(p.id)?.length ?? 0) > 0)
    const x = await featureMatrix(core.db, svc.key, posters, svc.dims)
    const groups = duplicateGroups(posters, { x, dims: svc.dims })
    const truth = readStates(
      core.db,
      posters.map((p) => p.id),
    )
    console.log(`${posters.length} human-labelled posters; start ${start}, answered ${batch} each way; load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}`)
    const diffs: number[] = []
    for (const seed of seeds) {
      const test = posters.filter((_, i) => seededUnit(3000 + seed, groups.keys[groups.of[i]]) < 0.2).map((p) => p.id)
      const testSet = new Set(test)
      const rand = mulberry32(seed)
      const pool = posters
        .map((p) => p.id)
        .filter((id) => !testSet.has(id))
        .map((id) => ({ id, r: rand() }))
        .sort((a, b) => a.r - b.r)
        .map((o) => o.id)
      const first = pool.slice(0, start)
      const rest = pool.slice(start)
      const unlabelled: LabelState = { labelled: false, edited: false, genres: [] }
      const setLabels = (ids: string[], to: (id: string) => LabelState) => core.db.transaction(() => writeStates(core.db, new Map(ids.map((id) => [id, to(id)])), readStates(core.db, ids)))()
      setLabels(rest, () => unlabelled)

      const trainOn = async (ids: string[]): Promise<Float32Array> => {
        await runJob(core, 'model.train', { kind: 'head', ids, seed, activate: false })
        const id = (await call<{ runs: { id: number }[] }>(core, 'model.runs', {})).runs[0].id
        await call(core, 'model.activate', { id })
        const run = activeRun(core.db)!
        const out = new Map<string, Float32Array>()
        await svc.predictPosters(run, postersFor(core.db, { ids: test }), new AbortController().signal, (rows) => {
          for (const r of rows) out.set(r.poster.id, r.probs)
        })
        // In the genres of every run alike (a run knows only the genres its posters carry).
        const p = new Float32Array(test.length * G)
        const into = run.genres.map((g) => col.get(g.toLowerCase()))
        test.forEach((t, i) => {
          const row = out.get(t)!
          into.forEach((c, j) => c !== undefined && (p[i * G + c] = row[j]))
        })
        return p
      }
      const genres = [...new Set(posters.flatMap((p) => labels.get(p.id)!.map((g) => g.toLowerCase())))].sort()
      const G = genres.length
      const col = new Map(genres.map((g, c) => [g, c]))
      const startProbs = await trainOn(first)
      const y = new Float32Array(test.length * G)
      test.forEach((t, i) => {
        for (const g of labels.get(t)!) {
          const c = col.get(g.toLowerCase())
          if (c !== undefined) y[i * G + c] = 1
        }
      })
      const macro = (p: Float32Array) => evaluate(p, y, genres, genres.map(() => 0)).model.macroAp

      // The queue as the product builds it: the stored predictions of the unlabelled posters.
      await runJob(core, 'model.predict', { scope: 'unlabelled' })
      const restSet = new Set(rest)
      const uncertain = rankUncertainQueue(core.db)
        .items.filter((it) => restSet.has(it.id))
        .slice(0, batch)
        .map((it) => it.id)
      const random = rest.slice(0, batch) // `rest` is already in a seeded random order
      // With --rules: other ranking rules, not the product's, on the same stored predictions
      // (entropy: Σ binary entropy; rare: Σ p / the genre's frequency among the start posters;
      // rare-entropy: Σ entropy / frequency).
      const queue = rankUncertainQueue(core.db).items.filter((it) => restSet.has(it.id))
      const active = activeRun(core.db)!
      const freq = active.genres.map((g) => Math.max(first.filter((id) => labels.get(id)!.some((l) => l.toLowerCase() === g.toLowerCase())).length, 1) / first.length)
      const H = (p: number) => (p <= 0 || p >= 1 ? 0 : -(p * Math.log(p) + (1 - p) * Math.log(1 - p)))
      const topBy = (score: (probs: Float32Array) => number) =>
        queue
          .map((it) => ({ id: it.id, s: score(it.probs!) }))
          .sort((a, b) => b.s - a.s)
          .slice(0, batch)
          .map((o) => o.id)
      const rules: Record<string, string[]> = {
        entropy: topBy((p) => Array.from(p).reduce((s, v) => s + H(v), 0)),
        rare: topBy((p) => Array.from(p).reduce((s, v, c) => s + v / freq[c], 0)),
        'rare-entropy': topBy((p) => Array.from(p).reduce((s, v, c) => s + H(v) / freq[c], 0)),
      }
      const answer = async (picked: string[]) => {
        setLabels(picked, (id) => truth.get(id)!)
        const p = await trainOn([...first, ...picked])
        setLabels(picked, () => unlabelled)
        return p
      }
      const byUncertain = await answer(uncertain)
      const byRandom = await answer(random)
      const d = pairedMacroApDifference(byRandom, byUncertain, y, G, { seed })
      for (const [name, ids] of args.includes('--rules') ? Object.entries(rules) : []) {
        const e = pairedMacroApDifference(byRandom, await answer(ids), y, G, { seed })
        console.log(`  seed ${seed} rule ${name}: ${f3(e.b)}, minus random ${signed(e.diff)} [${signed(e.interval[0])}, ${signed(e.interval[1])}]`)
      }
      diffs.push(d.diff)
      const genresOf = (ids: string[]) => ids.reduce((s, id) => s + labels.get(id)!.length, 0) / ids.length
      console.log(
        `seed ${seed}: ${test.length} test posters; macro-AP after ${start}: ${f3(macro(startProbs))}; ` +
          `+${batch} from the uncertain queue ${f3(d.b)}, +${batch} random ${f3(d.a)}; uncertain − random ${signed(d.diff)} [${signed(d.interval[0])}, ${signed(d.interval[1])}] ` +
          `(genres a poster answered: uncertain ${genresOf(uncertain).toFixed(2)}, random ${genresOf(random).toFixed(2)}); load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}`,
      )
      setLabels(rest, (id) => truth.get(id)!)
    }
    console.log(`mean uncertain − random over ${seeds.length} seeds: ${signed(diffs.reduce((s, v) => s + v, 0) / diffs.length)}`)
    return 0
  } finally {
    await (core as Core).close()
    rmSync(work, { recursive: true, force: true })
  }
}
