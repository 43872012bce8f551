// `npm run bench -- cnn [--library DIR] [--epochs N] [--input PX]`: the original projects'
// 4-convolution, 2-dense CNN trained from pixels on the shared posters, through the real core
// and worker process (wasm backend with the registered filter-gradient kernel):
//   - seconds per epoch over the training posters, beside one bare pass that decodes and
//     resizes the same posters in this process (the floor any pixel model pays);
//   - macro-AP on its validation posters beside the frequency prior, and binary accuracy
//     beside predicting no genre at all (the seeds' ~90% figure, put in its place).
// Without --library the posters are imported into a fresh temporary library first.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { openCore } from '../src/main/core'
import { startImport } from '../src/main/importer/handlers'
import { postersFor } from '../src/main/ml/service/data'
import { modelService } from '../src/main/ml/service/model-service'
import { CNN_INPUT, loadPixels } from '../src/main/ml/train/cnn'
import type { RunDetail } from '../src/shared/api'
import { call, datasetDir, option, sharedDataPresent } from './_shared-library'

export default async function main(args: string[]): Promise<number> {
  if (!sharedDataPresent()) return 1
  const epochs = Number(option(args, '--epochs') ?? 1)
  const input = Number(option(args, '--input') ?? CNN_INPUT)
  const given = option(args, '--library')
  const work = given ? null : mkdtempSync(join(tmpdir(), 'posterity-bench-cnn-'))
  const libDir = given ? resolve(given) : join(work!, 'library')
  const core = openCore({ libraryDir: libDir })
  try {
    if ((core.db.prepare('SELECT COUNT(*) FROM posters').pluck().get() as number) === 0) {
      console.log(`importing the shared posters into ${libDir} (not measured here; see npm run bench -- import)`)
      const d = datasetDir
      await (await (await startImport(core, { paths: [join(d, 'posters')], labels: join(d, 'train.csv'), metadata: join(d, 'movies.csv') }))).promise
    }
    const labelled = postersFor(core.db, { scope: 'labelled' })
    console.log(`library: ${libDir}, ${labelled.length} labelled posters; CNN input ${input}x${input}, ${epochs} epoch(s)`)

    // Baseline: decode and resize every labelled poster once, in this process.
    const t0 = performance.now()
    for (let i = 0; i < labelled.length; i += 256) await loadPixels(labelled.slice(i, i + 256).map((p) => p.path), input)
    const decodeS = (performance.now() - t0) / 1000

    const batches: { at: number; index: number; of: number }[] = []
    const epochEnds: { epoch: number; at: number }[] = []
    const off = core.events.onAny((n, p) => {
      if (n !== 'train.progress') return
      const q = p as { epoch: number; batch?: { index: number; of: number }; backend: string }
      if (q.batch) batches.push({ at: performance.now(), ...q.batch })
      else epochEnds.push({ epoch: q.epoch, at: performance.now() })
    })
    const t1 = performance.now()
    const { jobId } = await call<{ jobId: string }>(core, 'model.train', { kind: 'cnn', epochs, inputSize: input, activate: false })
    await core.jobs.wait(jobId)
    off()
    const job = core.jobs.list().find((j) => j.jobId === jobId)!
    if (job.status !== 'done') throw new Error(`training ${job.status}: ${job.message}`)
    const totalS = (performance.now() - t1) / 1000
    const { runs } = await call<{ runs: { id: number; createdAt: number }[] }>(core, 'model.runs', {})
    const run = await call<RunDetail>(core, 'model.run', { id: runs.reduce((a, b) => (b.createdAt >= a.createdAt ? b : a)).id })
    const epochS = run.epochs.map((e) => e.seconds)
    const gaps = batches.slice(1).map((b, i) => (b.at - batches[i].at) / 1000)
    const acc = run.evaluation.binaryAccuracy
    console.log(`backend: ${run.backend}; training posters ${run.trainSize}, validation ${run.valSize}`)
    console.log(`bare decode + resize of ${labelled.length} posters: ${decodeS.toFixed(1)} s`)
    console.log(`epoch seconds: ${epochS.map((s) => s.toFixed(1)).join(', ')} (aim <= 300 s); whole job ${totalS.toFixed(1)} s (decode included); epoch / bare decode = ${(epochS[0] / decodeS).toFixed(1)}x`)
    console.log(`progress inside epochs: ${batches.length} batch reports, longest gap ${gaps.length ? Math.max(...gaps).toFixed(1) : '-'} s; epoch ends ${epochEnds.length}`)
    console.log(`macro-AP ${run.model.macroAp.toFixed(3)} (prior ${run.prior.macroAp.toFixed(3)}), micro-AP ${run.model.microAp.toFixed(3)} (prior ${run.prior.microAp.toFixed(3)}), hit@3 ${run.model.hit3.toFixed(3)} (prior ${run.prior.hit3.toFixed(3)})`)
    if (acc) console.log(`binary accuracy ${(acc.model * 100).toFixed(1)}% vs ${(acc.allNegative * 100).toFixed(1)}% for predicting no genre at all`)
    return 0
  } finally {
    modelService(core).worker.stop()
    await core.close()
    if (work) rmSync(work, { recursive: true, force: true })
  }
}
