// `npm run bench -- first-model [N]`: a new user's first model, from an empty library to a
// trained, active model with predictions for every shared poster (or the first N), two ways
// in the same run:
//   - in sequence: import, then embed, then train, then predict (each stage timed);
//   - pipelined: import with embedding during it (one decode per poster for the thumbnail and
//     the backbone's input), then train, then predict;
// beside the floor: one bare decode-and-resize pass over the same posters in this process.
// Aims (issue 14): pipelined under 60 s, >= 1.3x faster than the sequence, within 3x the floor.
import { mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import sharp from 'sharp'
import { openCore } from '../src/main/core'
import { startImport } from '../src/main/importer/handlers'
import { DEFAULT_CONCURRENCY } from '../src/main/importer/run'
import { modelService } from '../src/main/ml/service/model-service'
import { THUMB_WIDTH } from '../src/main/library/thumbs'
import { call, runJob as job, datasetDir, sharedDataPresent } from './_shared-library'

/** The stages on a fresh library; `pipelined` embeds during the import. */
async function firstModel(dir: string, source: string, pipelined: boolean): Promise<Record<string, number>> {
  const core = openCore({ libraryDir: dir })
  const t: Record<string, number> = {}
  try {
    let t0 = performance.now()
    const d = datasetDir
    const r = await (await (await startImport(core, { paths: [source], labels: join(d, 'train.csv'), metadata: join(d, 'movies.csv'), embed: pipelined }))).promise
    if (!r) throw new Error('import failed')
    t[pipelined ? 'import + embed' : 'import'] = (performance.now() - t0) / 1000
    if (!pipelined) t.embed = await job(core, 'model.embed', {})
    t.train = await job(core, 'model.train', { kind: 'head', activate: true })
    t0 = performance.now()
    const status = await call<{ activeRun: number | null }>(core, 'model.status', {})
    if (status.activeRun === null) throw new Error('no active model after training')
    t.predict = await job(core, 'model.predict', { scope: 'all' })
    return t
  } finally {
    modelService(core).worker.stop()
    await core.close()
  }
}

export default async function main(args: string[]): Promise<number> {
  if (!sharedDataPresent({ backbone: true })) return 1
  const limit = args.find((a) => /^\d+$/.test(a))
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

    // The floor: decode and resize every poster once (also warms the file cache for both runs).
    const t0 = performance.now()
    let next = 0
    const worker = async () => {
      while (next < files.length) await sharp(join(source, files[next++])).rotate().resize({ width: THUMB_WIDTH }).raw().toBuffer()
    }
    await Promise.all(Array.from({ length: DEFAULT_CONCURRENCY }, worker))
    const floor = (performance.now() - t0) / 1000

    const seq = await firstModel(join(work, 'sequential'), source, false)
    const pipe = await firstModel(join(work, 'pipelined'), source, true)
    const sum = (t: Record<string, number>) => Object.values(t).reduce((a, b) => a + b, 0)
    const fmt = (t: Record<string, number>) => Object.entries(t).map(([k, v]) => `${k} ${v.toFixed(1)} s`).join(', ')
    console.log(`floor (bare decode + resize pass): ${floor.toFixed(1)} s`)
    console.log(`in sequence: ${sum(seq).toFixed(1)} s (${fmt(seq)})`)
    console.log(`pipelined:   ${sum(pipe).toFixed(1)} s (${fmt(pipe)})`)
    console.log(`sequence / pipelined = ${(sum(seq) / sum(pipe)).toFixed(2)}x (aim >= 1.3x); pipelined / floor = ${(sum(pipe) / floor).toFixed(2)}x (aim <= 3x); aim under 60 s`)
    return 0
  } finally {
    rmSync(work, { recursive: true, force: true })
  }
}
