// `npm run bench -- first-model [N] [--cv] [--repeat R] [--no-follow]`: a new user's first model, from an empty library to
// a trained, active model with predictions for every shared poster (or the first N), two ways
// in the same run:
//   - in sequence: import, then embed (the quick model's one-pass FIRST_FEATURES; with --cv the
//     default set), then train a quick first model and predict (each stage timed);
//   - pipelined: import with embedding during it (one decode per poster for the thumbnail and
//     the backbone's input), then the quick first model and its predictions;
// and, for each, when the cross-validated run that follows in the background replaced it (it
// embeds the default, rich set first: the labelled posters to learn, then the rest to predict).
// `--cv` trains the cross-validated run straight away instead (then predicts), as before the quick model.
// `--repeat R` runs the two ways R times, alternately, and reports the medians (wall seconds on
// 2 cores follow whatever else runs); `--no-follow` cancels the cross-validated run that follows
// instead of timing it (a repeat then takes ~2 minutes, not ~6).
// Beside the floor: one bare decode-and-resize pass over the same posters in this process.
// Aims (issue 14): pipelined under 60 s, >= 1.3x faster than the sequence, within 3x the floor.
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import sharp from 'sharp'
import { openCore, type Core } from '../src/main/core'
import { startImport } from '../src/main/importer/handlers'
import { DEFAULT_CONCURRENCY } from '../src/main/importer/run'
import { modelService } from '../src/main/ml/service/model-service'
import { postersFor } from '../src/main/ml/service/data'
import { FEATURE_SETS, FIRST_FEATURES } from '../src/main/ml/backbone/catalog'
import { THUMB_WIDTH } from '../src/main/library/thumbs'
import { call, runJob as job, datasetDir, option, sharedDataPresent } from './_shared-library'

/** CPU seconds of a live process (all its threads) from /proc, or null where there is none. */
function processCpu(pid: number | null): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    // utime and stime (fields 14 and 15, counted from the state field as 3), in clock ticks of 1/100 s on Linux.
    return (Number(f[11]) + Number(f[12])) / 100
  } catch {
    return null
  }
}

/** CPU seconds so far of this process and the library's model worker. */
function cpuNow(core: Core): number | null {
  const own = process.cpuUsage()
  const worker = modelService(core).worker.pid
  const w = worker === null ? 0 : processCpu(worker)
  return w === null ? null : (own.user + own.system) / 1e6 + w
}

interface Outcome {
  t: Record<string, number>
  /** CPU seconds per stage. */
  c: Record<string, number>
  /** CPU seconds (this process and the model worker) until the first model was active with its predictions. */
  cpu: number | null
  cvAfter: number | null
  note: string
  /** Macro-AP of the first active run (quick: on its held-out tenth) and of the cross-validated run (out of fold). */
  firstMacroAp: number
  cvMacroAp: number | null
  /** The first active run's own training: seconds (embedding check, fit, storing) and epochs. */
  firstRun: { seconds: number; epochs: number }
}

/**
 * The stages on a fresh library; `pipelined` embeds during the import. The training is a
 * quick first model (TrainRequest.quick, its job predicts every poster) unless `cv`, where it
 * is the cross-validated run followed by a predict job, as before. With the quick model the
 * cross-validated run follows in the background: its seconds after the quick model's end are
 * returned apart (`cvAfter`), not counted in the first model's time.
 */
async function firstModel(dir: string, source: string, pipelined: boolean, cv: boolean, followed = true): Promise<Outcome> {
  const core = openCore({ libraryDir: dir })
  const t: Record<string, number> = {}
  const cpu0 = cpuNow(core)
  // CPU seconds per stage, beside `t`'s wall seconds.
  const c: Record<string, number> = {}
  let last = cpu0
  const mark = (name: string) => {
    const now = cpuNow(core)
    if (now !== null && last !== null) c[name] = now - last
    last = now
  }
  try {
    let t0 = performance.now()
    const d = datasetDir
    const r = await (await (await startImport(core, { paths: [source], labels: join(d, 'train.csv'), metadata: join(d, 'movies.csv'), embed: pipelined }))).promise
    if (!r) throw new Error('import failed')
    t[pipelined ? 'import + embed' : 'import'] = (performance.now() - t0) / 1000
    mark(pipelined ? 'import + embed' : 'import')
    if (!pipelined) {
      if (cv) t.embed = await job(core, 'model.embed', {})
      else {
        // model.embed computes the default set; the quick model learns from the one-pass set.
        const e0 = performance.now()
        await modelService(core).ensureEmbeddings(postersFor(core.db), new AbortController().signal, undefined, FEATURE_SETS[FIRST_FEATURES])
        t.embed = (performance.now() - e0) / 1000
      }
      mark('embed')
    }
    const status = () => call<{ activeRun: number | null; posters: number }>(core, 'model.status', {})
    const predicted = (run: number) => core.db.prepare('SELECT COUNT(*) FROM predictions WHERE run_id = ?').pluck().get(run) as number
    if (cv) {
      t.train = await job(core, 'model.train', { kind: 'head', activate: true })
      mark('train')
      if ((await status()).activeRun === null) throw new Error('no active model after training')
      t.predict = await job(core, 'model.predict', { scope: 'all' })
      mark('predict')
    } else {
      t['quick train + predict'] = await job(core, 'model.train', { kind: 'head', activate: true, quick: true })
      mark('quick train + predict')
    }
    const cpu1 = cpuNow(core)
    const cpu = cpu0 === null || cpu1 === null ? null : cpu1 - cpu0
    const s = await status()
    if (s.activeRun === null) throw new Error('no active model after training')
    if (predicted(s.activeRun) !== s.posters) throw new Error(`the active run ${s.activeRun} has predictions for ${predicted(s.activeRun)} of ${s.posters} posters`)
    type Run = { note: string | null; model: { macroAp: number }; seconds: number; epochs: unknown[] }
    const run = await call<Run>(core, 'model.run', { id: s.activeRun })
    if (cv) return { t, c, cpu, cvAfter: null, note: run.note ?? '', firstMacroAp: run.model.macroAp, cvMacroAp: run.model.macroAp, firstRun: { seconds: run.seconds, epochs: run.epochs.length } }
    // The cross-validated run, training in the background since the quick model's job ended.
    t0 = performance.now()
    const follow = core.jobs.list().find((j) => j.kind === 'train' && j.status === 'running')
    if (!follow) throw new Error('no cross-validated run followed the quick model')
    if (!followed) {
      core.jobs.cancel(follow.jobId)
      await core.jobs.wait(follow.jobId).catch(() => undefined)
      return { t, c, cpu, cvAfter: null, note: run.note ?? '', firstMacroAp: run.model.macroAp, cvMacroAp: null, firstRun: { seconds: run.seconds, epochs: run.epochs.length } }
    }
    await core.jobs.wait(follow.jobId)
    while (core.jobs.list().some((j) => j.kind === 'predict' && j.status === 'running')) await new Promise((res) => setTimeout(res, 100))
    const after = await status()
    if (after.activeRun === s.activeRun || after.activeRun === null || predicted(after.activeRun) !== after.posters)
      throw new Error(`the cross-validated run did not replace the quick model with predictions for every poster (active: ${after.activeRun})`)
    const cvRun = await call<Run>(core, 'model.run', { id: after.activeRun })
    return { t, c, cpu, cvAfter: (performance.now() - t0) / 1000, note: run.note ?? '', firstMacroAp: run.model.macroAp, cvMacroAp: cvRun.model.macroAp, firstRun: { seconds: run.seconds, epochs: run.epochs.length } }
  } finally {
    modelService(core).worker.stop()
    await core.close()
  }
}

export default async function main(args: string[]): Promise<number> {
  if (!sharedDataPresent({ backbone: true })) return 1
  // N: the first bare number that is not an option's value.
  const limit = args.find((a, i) => /^\d+$/.test(a) && !args[i - 1]?.startsWith('--'))
  const work = mkdtempSync(join(tmpdir(), 'posterity-bench-first-'))
  try {
    let source = join(datasetDir, 'posters')
    let files = readdirSync(source).filter((f) => f.endsWith('.jpg')).sort()
    if (limit) {
      // A subset: symlinks in a folder of their own, so the import sees only those.
      const { symlinkSync, mkdirSync } = await import('node:fs')
      const sub = join(work, 'subset')
      mkdirSync(sub)
      files = files.slice(0, Number(limit))
      for (const f of files) symlinkSync(join(source, f), join(sub, f))
      source = sub
    }
    console.log(`posters: ${files.length}; import concurrency ${DEFAULT_CONCURRENCY}`)
    // Wall seconds follow whatever else the machine runs: the load beside each figure.
    const load = (when: string) => console.log(`load average ${when}: ${loadavg().map((l) => l.toFixed(1)).join(', ')} (1, 5, 15 min)`)
    load('at the start')

    // The floor: decode and resize every poster once (also warms the file cache for both runs).
    const t0 = performance.now()
    const c0 = process.cpuUsage()
    let next = 0
    const worker = async () => {
      while (next < files.length) await sharp(join(source, files[next++])).rotate().resize({ width: THUMB_WIDTH }).raw().toBuffer()
    }
    await Promise.all(Array.from({ length: DEFAULT_CONCURRENCY }, worker))
    const floor = (performance.now() - t0) / 1000
    const fc = process.cpuUsage(c0)
    const floorCpu = (fc.user + fc.system) / 1e6

    const cv = args.includes('--cv')
    const repeat = Math.max(1, Number(option(args, '--repeat') ?? 1))
    const followed = !args.includes('--no-follow')
    const sum = (t: Record<string, number>) => Object.values(t).reduce((a, b) => a + b, 0)
    const fmt = (r: Outcome) => Object.entries(r.t).map(([k, v]) => `${k} ${v.toFixed(1)} s${r.c[k] === undefined ? '' : ` / ${r.c[k].toFixed(1)} CPU s`}`).join(', ')
    const later = (r: { cvAfter: number | null }) => (r.cvAfter === null ? '' : `; the cross-validated run replaced it ${r.cvAfter.toFixed(1)} s later`)
    const cpu = (r: Outcome) => (r.cpu === null ? '' : `; ${r.cpu.toFixed(1)} CPU s (${(r.cpu / 2).toFixed(1)} s on 2 idle cores)`)
    console.log(`floor (bare decode + resize pass): ${floor.toFixed(1)} s; ${floorCpu.toFixed(1)} CPU s`)
    const seqs: Outcome[] = []
    const pipes: Outcome[] = []
    for (let i = 0; i < repeat; i++) {
      const seq = await firstModel(join(work, `sequential-${i}`), source, false, cv, followed)
      load('after the sequence')
      const pipe = await firstModel(join(work, `pipelined-${i}`), source, true, cv, followed)
      load('after the pipelined run')
      seqs.push(seq)
      pipes.push(pipe)
      const tag = repeat > 1 ? ` (${i + 1} of ${repeat})` : ''
      console.log(`in sequence${tag}: ${sum(seq.t).toFixed(1)} s (${fmt(seq)})${cpu(seq)}${later(seq)}`)
      console.log(`pipelined${tag}:   ${sum(pipe.t).toFixed(1)} s (${fmt(pipe)})${cpu(pipe)}${later(pipe)}`)
    }
    const pipe = pipes[pipes.length - 1]
    console.log(`the first active run's note: ${pipe.note}`)
    console.log(`the first active run trained ${pipe.firstRun.seconds.toFixed(1)} s (${pipe.firstRun.epochs} epochs; in sequence ${seqs[seqs.length - 1].firstRun.seconds.toFixed(1)} s)`)
    console.log(`macro-AP of the first active run ${pipe.firstMacroAp.toFixed(3)} (quick: its held-out tenth)${pipe.cvMacroAp === null ? '' : `, of the cross-validated run ${pipe.cvMacroAp.toFixed(3)} (out of fold)`}`)
    const median = (xs: number[]) => {
      const v = [...xs].sort((a, b) => a - b)
      return v.length % 2 ? v[(v.length - 1) / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2
    }
    const S = median(seqs.map((r) => sum(r.t)))
    const P = median(pipes.map((r) => sum(r.t)))
    const of = repeat > 1 ? `medians of ${repeat}: in sequence ${S.toFixed(1)} s, pipelined ${P.toFixed(1)} s; ` : ''
    console.log(`${of}sequence / pipelined = ${(S / P).toFixed(2)}x (aim >= 1.3x); pipelined / floor = ${(P / floor).toFixed(2)}x (aim <= 3x); aim under 60 s`)
    return 0
  } finally {
    rmSync(work, { recursive: true, force: true })
  }
}
