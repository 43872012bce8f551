// `npm run bench -- import [N] [--concurrency C]`: imports the shared posters (all 8,052, or the
// first N) with labels and metadata into a fresh library, then runs a bare sharp pipeline making
// the same thumbnails with the same concurrency in the same process, and prints both and the ratio.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openCore } from '../src/main/core'
import { startImport } from '../src/main/importer/handlers'
import { thumbnailPipeline } from '../src/main/importer/images'
import { DEFAULT_CONCURRENCY } from '../src/main/importer/run'
import { datasetDir, sharedDataPresent } from './_shared-library'

export default async function main(args: string[]): Promise<number> {
  const ci = args.indexOf('--concurrency')
  const concurrency = ci >= 0 ? Number(args[ci + 1]) : DEFAULT_CONCURRENCY
  const limitArg = args.find((a, i) => /^\d+$/.test(a) && args[i - 1] !== '--concurrency')
  if (!sharedDataPresent()) return 1
  const all = readdirSync(join(datasetDir, 'posters')).filter((f) => f.endsWith('.jpg')).sort()
  const files = limitArg ? all.slice(0, Number(limitArg)) : all
  const work = mkdtempSync(join(tmpdir(), 'posterity-bench-import-'))
  try {
    let source = join(datasetDir, 'posters')
    if (files.length < all.length) {
      source = join(work, 'posters')
      mkdirSync(source)
      for (const f of files) symlinkSync(join(datasetDir, 'posters', f), join(source, f))
    }
    // Both runs read warm files: read everything once first.
    for (const f of files) readFileSync(join(datasetDir, 'posters', f))
    console.log(`posters: ${files.length} from ${datasetDir}; concurrency ${concurrency}; UV_THREADPOOL_SIZE ${process.env.UV_THREADPOOL_SIZE ?? '4 (default)'}`)

    const libDir = join(work, 'library')
    const core = openCore({ libraryDir: libDir })
    let peak = process.memoryUsage.rss()
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 50)
    const t0 = performance.now()
    const { promise } = await startImport(
      core,
      { paths: [source], labels: join(datasetDir, 'train.csv'), metadata: join(datasetDir, 'movies.csv') },
      { concurrency },
    )
    const result = await promise
    const importSeconds = (performance.now() - t0) / 1000
    clearInterval(sampler)
    if (!result) throw new Error('import failed')
    const stats = core.handlers.library.stats({}) as { posters: number; labelled: number; duplicates: number }
    const groups = core.db.prepare('SELECT COUNT(DISTINCT hash) FROM posters WHERE dup = 1').pluck().get() as number
    const noGenre = core.db
      .prepare('SELECT COUNT(*) FROM posters p WHERE labelled = 1 AND NOT EXISTS (SELECT 1 FROM labels l WHERE l.poster_id = p.id)')
      .pluck()
      .get() as number
    await core.close()
    const importRate = files.length / importSeconds
    console.log(
      `import: ${result.added} added, ${result.skipped.length} skipped, ${stats.posters} posters, ${stats.duplicates} duplicates in ${groups} groups,` +
        ` ${stats.labelled} labelled (${noGenre} with no genre)` +
        ` in ${importSeconds.toFixed(2)} s = ${importRate.toFixed(1)} posters/s; peak RSS ${(peak / 2 ** 20).toFixed(0)} MiB` +
        ` (process max RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB)`,
    )

    // The bare pipeline: same sharp settings, same concurrency, no hashing, probing or database.
    const out = join(work, 'bare')
    mkdirSync(out)
    const t1 = performance.now()
    let next = 0
    const worker = async () => {
      while (next < files.length) {
        const i = next++
        await thumbnailPipeline(join(source, files[i])).toFile(join(out, `${i}.jpg`))
      }
    }
    await Promise.all(Array.from({ length: concurrency }, worker))
    const bareSeconds = (performance.now() - t1) / 1000
    const bareRate = files.length / bareSeconds
    console.log(`bare sharp pipeline: ${bareSeconds.toFixed(2)} s = ${bareRate.toFixed(1)} posters/s`)
    console.log(`ratio import / bare: ${((importRate / bareRate) * 100).toFixed(0)}% (aims: >= 100 posters/s and >= 70%)`)
    return 0
  } finally {
    rmSync(work, { recursive: true, force: true })
  }
}
