// `npm run bench -- review [--library DIR] [--rate 0.05] [--seed N]`: the suspect-label queue
// on the shared posters. The bench corrupts a fraction of the human labels (each chosen poster
// gets the genres of another random poster whose genres differ), trains a head, builds the
// suspect queue (out-of-fold heads included) and prints the precision of its top k, k = the
// number corrupted, and the seconds it took; beside it, the same ranking fed with the trained
// model's in-sample probabilities (a model that saw the corrupted labels), and chance.
// --library DIR is copied first (the corruption never touches it); without it the posters are
// imported and embedded into a temporary library (minutes; not measured).
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import Database from 'better-sqlite3'
import { openCore, type Core } from '../src/main/core'
import { startImport } from '../src/main/importer/handlers'
import { DB_FILE } from '../src/main/library/db'
import { readStates, writeStates, type LabelState } from '../src/main/library/labels'
import { MOBILENET_V2 } from '../src/main/ml/backbone/catalog'
import { configuredModelsDir } from '../src/main/ml/backbone/resolve'
import { postersFor } from '../src/main/ml/service/data'
import { modelService } from '../src/main/ml/service/model-service'
import { humanLabels } from '../src/main/ml/review/labels'
import { rankSuspectQueue } from '../src/main/ml/review/queues'
import { activeRun } from '../src/main/ml/store/runs'
import { mulberry32 } from '../src/shared/random'

const repo = resolve(new URL('..', import.meta.url).pathname)
const datasetDir = process.env.POSTERITY_DATASET ?? resolve(repo, '../shared/datasets/movie-posters')

async function call<T>(core: Core, channel: string, args: unknown): Promise<T> {
  const env = await core.dispatch(channel, args)
  if (!env.ok) throw new Error(`${channel}: ${env.error.message}`)
  return env.value as T
}

async function runJob(core: Core, channel: string, args: unknown): Promise<number> {
  const t0 = performance.now()
  const { jobId } = await call<{ jobId: string }>(core, channel, args)
  await core.jobs.wait(jobId)
  const job = core.jobs.list().find((j) => j.jobId === jobId)!
  if (job.status !== 'done') throw new Error(`${channel} ${job.status}: ${job.message}`)
  return (performance.now() - t0) / 1000
}

const opt = (args: string[], name: string): string | undefined => {
  const i = args.indexOf(name)
  return i >= 0 ? args[i + 1] : undefined
}

export default async function main(args: string[]): Promise<number> {
  if (!existsSync(join(datasetDir, 'posters'))) {
    console.error(`no dataset at ${datasetDir} (set POSTERITY_DATASET)`)
    return 1
  }
  if (!existsSync(join(configuredModelsDir(), MOBILENET_V2.file))) {
    console.error(`no backbone at ${configuredModelsDir()} (set POSTERITY_MODELS)`)
    return 1
  }
  const rate = Number(opt(args, '--rate') ?? 0.05)
  const seed = Number(opt(args, '--seed') ?? 7)
  const work = mkdtempSync(join(tmpdir(), 'posterity-bench-review-'))
  const libDir = join(work, 'library')
  const source = opt(args, '--library')
  if (source) {
    // A consistent copy (WAL included) through SQLite's online backup.
    const src = new Database(join(resolve(source), DB_FILE), { readonly: true })
    mkdirSync(libDir, { recursive: true })
    await src.backup(join(libDir, DB_FILE))
    src.close()
  }
  const core = openCore({ libraryDir: libDir })
  try {
    if ((core.db.prepare('SELECT COUNT(*) FROM posters').pluck().get() as number) === 0) {
      console.log(`importing the shared posters into ${libDir} (not measured)`)
      const d = datasetDir
      await startImport(core, { paths: [join(d, 'posters')], labels: join(d, 'train.csv'), metadata: join(d, 'movies.csv') }).promise
    }
    const svc = modelService(core)
    const all = postersFor(core.db)
    const embedS = await runJob(core, 'model.embed', {})
    console.log(`library: ${all.length} posters, embeddings ready (${embedS.toFixed(1)} s to embed what was missing; not part of the figures below)`)

    // Corrupt: each chosen poster takes the genres of another random poster whose genres differ.
    const human = humanLabels(core.db)
    const ids = [...human.keys()].sort()
    const rand = mulberry32(seed)
    const k = Math.round(ids.length * rate)
    const order = ids.map((id) => ({ id, r: rand() })).sort((a, b) => a.r - b.r)
    const chosen = order.slice(0, k).map((o) => o.id)
    const key = (g: string[]) => [...g].map((x) => x.toLowerCase()).sort().join('|')
    const before = readStates(core.db, chosen)
    const after = new Map<string, LabelState>()
    for (const id of chosen) {
      let donor = id
      while (key(human.get(donor)!) === key(human.get(id)!)) donor = ids[Math.floor(rand() * ids.length)]
      after.set(id, { labelled: true, edited: false, genres: human.get(donor)!.map((g) => [g, 'imported']) })
    }
    core.db.transaction(() => writeStates(core.db, after, before))()
    const corrupted = new Set(chosen)
    console.log(`corrupted the labels of ${k} of ${ids.length} human-labelled posters (${(rate * 100).toFixed(1)}%, seed ${seed})`)

    const trainS = await runJob(core, 'model.train', { kind: 'head', seed: 1, splitSeed: 42 })
    const run = activeRun(core.db)!
    console.log(`training on the corrupted labels: run ${run.id}, ${trainS.toFixed(1)} s; macro-AP on its validation split ${run.model.macroAp.toFixed(3)}`)

    const t0 = performance.now()
    const queue = await rankSuspectQueue(svc, new AbortController().signal)
    const queueS = (performance.now() - t0) / 1000
    const precision = (list: { id: string }[]) => list.slice(0, k).filter((x) => corrupted.has(x.id)).length / k
    const recallAll = queue.items.filter((x) => corrupted.has(x.id)).length / k
    console.log(
      `suspect queue: ${queue.items.length} posters flagged in ${queueS.toFixed(1)} s (5-fold out-of-fold heads on cached embeddings + ranking); ` +
        `precision of its top ${k}: ${precision(queue.items).toFixed(3)}; ${(recallAll * 100).toFixed(0)}% of the corrupted posters are flagged at all`,
    )
    const t1 = performance.now()
    const again = await rankSuspectQueue(svc, new AbortController().signal)
    console.log(`  again (out-of-fold probabilities kept for the active run): ${((performance.now() - t1) / 1000).toFixed(2)} s`)
    void again

    // Baseline: the same ranking fed with the trained model's own (in-sample) probabilities.
    const labelled = postersFor(core.db, { scope: 'labelled' }).filter((p) => human.has(p.id))
    const rows: { id: string; probs: Float32Array }[] = []
    await svc.predictPosters(run, labelled, new AbortController().signal, (chunk) => rows.push(...chunk.map((r) => ({ id: r.poster.id, probs: r.probs }))))
    const G = run.genres.length
    const probs = new Float32Array(rows.length * G)
    rows.forEach((r, i) => probs.set(r.probs, i * G))
    const inSample = await rankSuspectQueue(svc, new AbortController().signal, { runId: run.id, genres: run.genres, ids: rows.map((r) => r.id), probs, seconds: 0 })
    console.log(`  baseline, the same ranking on the trained model's in-sample probabilities: precision ${precision(inSample.items).toFixed(3)}; chance ${(k / ids.length).toFixed(3)}`)
    console.log(`aim: precision >= 0.6 and the queue within 30 s of cached embeddings: ${precision(queue.items) >= 0.6 && queueS <= 30 ? 'met' : 'NOT met'}`)
    return 0
  } finally {
    await core.close()
    rmSync(work, { recursive: true, force: true })
  }
}
