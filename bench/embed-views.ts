// `npm run bench -- embed-views [N] [--sets a,b]`: what extra views cost at embedding time.
// Embeds the same N shared posters (default 400) with each feature set through the product's
// Embedder (two single-threaded lanes, as the worker runs it), twice in alternating order so a
// change in the machine's load hits every set alike, and prints posters/s and the time
// relative to the first set.
import { readdirSync, readFileSync, existsSync } from 'node:fs'
import { join } from 'node:path'
import { loadavg } from 'node:os'
import { Embedder } from '../src/main/ml/embed/embedder'
import { FEATURE_SETS, MOBILENET_V2, featureDims } from '../src/main/ml/backbone/catalog'
import { configuredModelsDir } from '../src/main/ml/backbone/resolve'
import { datasetDir, option } from './_shared-library'

export default async function main(args: string[]): Promise<number> {
  const modelPath = join(configuredModelsDir(), MOBILENET_V2.file)
  if (!existsSync(join(datasetDir, 'posters')) || !existsSync(modelPath)) {
    console.error(`needs the shared posters (${datasetDir}) and the backbone (${modelPath})`)
    return 1
  }
  const n = Number(args.find((a) => /^\d+$/.test(a)) ?? 400)
  const sets = (option(args, '--sets') ?? 'multiscale-tall,multiscale-tall-fc,multiscale-tall-rich').split(',')
  for (const s of sets) if (!FEATURE_SETS[s]) throw new Error(`unknown feature set ${s}`)
  const files = readdirSync(join(datasetDir, 'posters'))
    .filter((f) => f.endsWith('.jpg'))
    .sort()
    .slice(0, n)
    .map((f) => join(datasetDir, 'posters', f))
  const bytes = readFileSync(modelPath)
  const seconds = new Map<string, number>(sets.map((s) => [s, 0]))
  console.log(`${files.length} posters, sets ${sets.join(', ')}; load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}`)
  for (const round of [0, 1]) {
    for (const s of round ? [...sets].reverse() : sets) {
      const e = await Embedder.open(bytes, MOBILENET_V2, FEATURE_SETS[s])
      const t0 = performance.now()
      let failed = 0
      await e.run(files.map((f) => ({ key: f, source: f })), (rs) => void (failed += rs.filter((r) => !r.vector).length))
      const dt = (performance.now() - t0) / 1000
      await e.close()
      if (failed) throw new Error(`${s}: ${failed} posters failed`)
      seconds.set(s, seconds.get(s)! + dt)
      console.log(`  round ${round + 1} ${s.padEnd(22)} ${dt.toFixed(1)} s`)
    }
  }
  const base = seconds.get(sets[0])!
  for (const s of sets) {
    const f = FEATURE_SETS[s]
    const t = seconds.get(s)!
    console.log(
      `${s.padEnd(22)} ${f.views.length * (f.mirror ? 2 : 1)} pass(es), ${featureDims(MOBILENET_V2, f)} features: ${((2 * files.length) / t).toFixed(1)} posters/s, ${(t / base).toFixed(2)}x the time of ${sets[0]}; 8,052 posters ~${((8052 * t) / (2 * files.length)).toFixed(0)} s at this load`,
    )
  }
  console.log(`load average after: ${loadavg().map((l) => l.toFixed(1)).join(' ')}`)
  return 0
}
