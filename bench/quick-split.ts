// `npm run bench -- quick-split [--library DIR] [--repeat 3]`: what grouping whole
// duplicate groups costs the quick first model's held-out tenth (service/quick-split.ts) on
// the labelled shared posters and the one-pass FIRST_FEATURES, beside the split by content
// hash alone it replaced, in the same process. Prints each stage (reading the feature rows,
// the near-duplicate pair search, the union), the event loop's longest stall during the
// grouped split (the search yields between slices), and how many posters the groups move to
// the other side. --library DIR is copied first (never written); it needs the one-pass
// embeddings cached (an import with embed, or a quick fit, computes them).
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { loadavg } from 'node:os'
import { join } from 'node:path'
import { openCore } from '../src/main/core'
import { featureMatrix, postersFor, trainingLabels } from '../src/main/ml/service/data'
import { modelService } from '../src/main/ml/service/model-service'
import { quickSplit } from '../src/main/ml/service/quick-split'
import { QUICK_HOLDOUT } from '../src/main/ml/service/train-job'
import { duplicateGroups, nearDuplicatePairsAsync, NEAR_DUPLICATE_COSINE } from '../src/main/ml/train/groups'
import { seededUnit } from '../src/main/ml/train/split'
import { missingHashes } from '../src/main/ml/store/embeddings'
import { FEATURE_SETS, FIRST_FEATURES } from '../src/main/ml/backbone/catalog'
import { option, sharedDataPresent, backupLibrary, stallDuring } from './_shared-library'

const s = (t0: number) => (performance.now() - t0) / 1000

export default async function main(args: string[]): Promise<number> {
  if (!sharedDataPresent({ backbone: true })) return 1
  const repeat = Number(option(args, '--repeat') ?? 3)
  const work = mkdtempSync(join(tmpdir(), 'posterity-bench-quick-split-'))
  const libDir = join(work, 'library')
  const source = option(args, '--library')
  if (source) await backupLibrary(source, libDir)
  const core = openCore({ libraryDir: libDir })
  try {
    const svc = modelService(core)
    const first = FEATURE_SETS[FIRST_FEATURES]
    const key = svc.keyOf(first)
    const dims = svc.dimsOf(first)
    if ((core.db.prepare('SELECT COUNT(*) FROM posters').pluck().get() as number) === 0) {
      console.error('the library is empty: pass --library DIR of the shared posters with the one-pass embeddings cached')
      return 1
    }
    const { eligible } = trainingLabels(core.db, false)
    const all = postersFor(core.db, { scope: 'labelled' }).filter((p) => eligible.has(p.id))
    // Posters whose one-pass embedding is not cached (unreadable files) are left out, as training drops them.
    const missing = new Set(missingHashes(core.db, key, all.map((p) => p.hash)))
    const posters = all.filter((p) => !missing.has(p.hash))
    if (posters.length < all.length / 2) {
      console.error(`only ${posters.length} of ${all.length} labelled posters have ${first.version} cached: import with embed, or train a quick first model, first`)
      return 1
    }
    console.log(`${posters.length} labelled posters with ${first.version} (${dims} values), seed 42, held-out share ${QUICK_HOLDOUT}; load average ${loadavg().map((v) => v.toFixed(2)).join(' ')}`)

    for (let r = 0; r < repeat; r++) {
      let t = performance.now()
      const byHash = posters.map((p) => seededUnit(44, p.hash) < QUICK_HOLDOUT)
      const hashS = s(t)
      // The stages of the grouped split, one by one.
      t = performance.now()
      const x = await featureMatrix(core.db, key, posters, dims)
      const readS = s(t)
      t = performance.now()
      const pairs = await nearDuplicatePairsAsync(x, dims, NEAR_DUPLICATE_COSINE)
      const pairS = s(t)
      t = performance.now()
      const g = duplicateGroups(posters, { x, dims, pairs })
      const unionS = s(t)
      // The whole split as train-job calls it, with the event loop's longest stall meanwhile.
      const cpu0 = process.cpuUsage()
      const { result: split, ms, maxGapMs: worst } = await stallDuring(() => quickSplit(core.db, posters, key, dims, 42, QUICK_HOLDOUT))
      const wholeS = ms / 1000
      const cpu = process.cpuUsage(cpu0)
      const moved = split.held.filter((i) => !byHash[i]).length + split.fit.filter((i) => byHash[i]).length
      console.log(
        `run ${r + 1}: hash split ${(hashS * 1000).toFixed(0)} ms | grouped split ${wholeS.toFixed(2)} s wall, ${((cpu.user + cpu.system) / 1e6).toFixed(2)} s CPU ` +
          `(read rows ${readS.toFixed(2)} s, pair search ${pairS.toFixed(2)} s, union ${(unionS * 1000).toFixed(0)} ms), longest event-loop stall ${worst.toFixed(0)} ms | ` +
          `${pairs.length} pairs >= ${NEAR_DUPLICATE_COSINE}, ${g.nearDuplicates} posters joined by embedding, ${g.count} groups; held out ${split.held.length} (hash split ${byHash.filter(Boolean).length}), ${moved} posters change side`,
      )
    }
    return 0
  } finally {
    modelService(core).worker.stop()
    await core.close()
    rmSync(work, { recursive: true, force: true })
  }
}
