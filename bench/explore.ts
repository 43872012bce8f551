// `npm run bench -- explore [--library DIR] [--copies N] [--no-100k]`: the Explore views on the
// shared posters and on a synthetic 100,000-poster library, through the real core:
//   1. similar posters: explore.similar latency (p50 / p95 through the validating dispatch)
//      and the recall of its top 10 against exact search over every full row (the baseline,
//      timed in the same process);
//   2. near-duplicate clustering time (explore.duplicates, the whole library);
//   3. map computation time (explore.computeMap, a full layout in the worker);
//   4. near-duplicate recall and precision on altered copies made here from N shared posters
//      (resized to 60%, JPEG recompressed at quality 40, a 5% crop, a small colour shift):
//      recall = (source, copy) and (copy, copy) pairs put in one cluster / all such pairs;
//      precision = pairs with a copy in one cluster that are true / all pairs with a copy.
//   5. the same figures (1-3) at 100,000 posters: bench/synthetic.ts rows, embeddings made
//      from the real ones with noise (latency and time only; their neighbours mean nothing).
// The shared-poster library is kept in $TMPDIR/posterity-bench-explore (embeddings cached)
// unless --library names one (bench/_shared-library.ts opens or builds it).
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import sharp from 'sharp'
import { createSyntheticLibrary } from './synthetic'
import { call, runJob, sharedLibrary } from './_shared-library'
import { openCore, type Core } from '../src/main/core'
import { featureMatrix, postersFor } from '../src/main/ml/service/data'
import { modelService } from '../src/main/ml/service/model-service'
import { putEmbeddings, readEmbeddings } from '../src/main/ml/store/embeddings'
import { similarityIndex } from '../src/main/ml/explore/similar-index'
import { clusterItems, DUPLICATE_COSINE } from '../src/main/ml/explore/duplicates'
import { NEAR_DUPLICATE_COSINE } from '../src/main/ml/train/groups'
import { mulberry32 } from '../src/shared/random'

function pct(values: number[], p: number): number {
  const s = [...values].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]
}
const ms = (v: number) => `${v.toFixed(1)} ms`

/** Similar-poster latency and recall@10 against exact search, on `queries` seeded posters. */
async function similarFigures(core: Core, label: string, queries: number, exactQueries: number): Promise<void> {
  const s = modelService(core)
  let t0 = performance.now()
  const index = similarityIndex(core.db, s.key, s.dims)
  console.log(`${label}: index of ${index.size} posters built in ${((performance.now() - t0) / 1000).toFixed(1)} s (${index.projected}-value projection)`)
  const rand = mulberry32(5)
  const ids = Array.from({ length: queries }, () => index.ids[Math.floor(rand() * index.ids.length)])
  await call(core, 'explore.similar', { id: ids[0], k: 10 }) // warm-up
  const lat: number[] = []
  for (const id of ids) {
    t0 = performance.now()
    await call(core, 'explore.similar', { id, k: 10 })
    lat.push(performance.now() - t0)
  }
  let hits = 0
  const exactLat: number[] = []
  for (const id of ids.slice(0, exactQueries)) {
    const hash = index.hashes[index.ids.indexOf(id)]
    const v = readEmbeddings(core.db, s.key, [hash]).get(hash)!
    const fast = new Set(index.query(core.db, v, 10, { exclude: new Set([id]) }).map((h) => h.id))
    t0 = performance.now()
    const exact = index.exact(core.db, v, 10, new Set([id]))
    exactLat.push(performance.now() - t0)
    hits += exact.filter((h) => fast.has(h.id)).length
  }
  console.log(
    `${label}: explore.similar k=10 over ${queries} queries: p50 ${ms(pct(lat, 50))}, p95 ${ms(pct(lat, 95))} (aim < 50 ms); ` +
      `exact search baseline p50 ${ms(pct(exactLat, 50))} (${(pct(exactLat, 50) / pct(lat, 50)).toFixed(0)}x slower); ` +
      `recall@10 vs exact ${(hits / (10 * exactQueries)).toFixed(3)} (${exactQueries} queries)`,
  )
}

async function clusterAndMap(core: Core, label: string): Promise<void> {
  let t0 = performance.now()
  const d = await call<{ clusters: unknown[]; embedded: number }>(core, 'explore.duplicates', {})
  console.log(`${label}: explore.duplicates ${((performance.now() - t0) / 1000).toFixed(1)} s, ${d.clusters.length} clusters among ${d.embedded} embedded posters`)
  t0 = performance.now()
  const seconds = await runJob(core, 'explore.computeMap', { full: true })
  const map = await call<{ points: unknown[] }>(core, 'explore.map', {})
  console.log(`${label}: explore.computeMap (full) ${seconds.toFixed(1)} s for ${map.points.length} points`)
}

/** Occlusion heat maps (8 columns) of a few posters with the active head model (trained first when there is none). */
async function whyFigures(core: Core, posters: number): Promise<void> {
  const status = await call<{ activeRun: number | null }>(core, 'model.status', {})
  if (status.activeRun === null) {
    const seconds = await runJob(core, 'model.train', { kind: 'head', seed: 1 })
    console.log(`(trained a head model for the heat maps in ${seconds.toFixed(0)} s)`)
  }
  const ids = core.db.prepare('SELECT id FROM posters ORDER BY id LIMIT ?').pluck().all(posters) as string[]
  const genre = (core.db.prepare('SELECT name FROM genres ORDER BY position LIMIT 1').pluck().get() as string) ?? 'Drama'
  const times: number[] = []
  let cells = 0
  for (const id of ids) {
    const t0 = performance.now()
    let result: { drops: number[]; seconds: number } | null = null
    const off = core.events.onAny((name, p) => {
      if (name === 'why.progress' && (p as { result: unknown }).result) result = (p as { result: { drops: number[]; seconds: number } }).result
    })
    await runJob(core, 'explore.why', { id, genre, grid: 8 })
    off()
    times.push((performance.now() - t0) / 1000)
    cells = (result as { drops: number[] } | null)?.drops.length ?? 0
  }
  console.log(`why (occlusion, ${cells} regions + the whole poster, ${genre}): ${times.map((t) => t.toFixed(1)).join(', ')} s a poster (aim < 3 s; the first includes opening the backbone)`)
}

type Alteration = 'resize' | 'jpeg' | 'crop' | 'colour'
const ALTERATIONS: Alteration[] = ['resize', 'jpeg', 'crop', 'colour']

async function alter(src: string, dst: string, how: Alteration, rand: () => number): Promise<void> {
  const img = sharp(src).rotate()
  const { width = 0, height = 0 } = await sharp(src).metadata()
  if (how === 'resize') await img.resize(Math.round(width * 0.6)).jpeg({ quality: 90 }).toFile(dst)
  else if (how === 'jpeg') await img.jpeg({ quality: 40 }).toFile(dst)
  else if (how === 'crop') {
    // 5% of each side's length cut, split at random between its two ends.
    const cw = Math.round(width * 0.05)
    const ch = Math.round(height * 0.05)
    const left = Math.floor(rand() * (cw + 1))
    const top = Math.floor(rand() * (ch + 1))
    await img.extract({ left, top, width: width - cw, height: height - ch }).jpeg({ quality: 90 }).toFile(dst)
  } else await img.modulate({ brightness: 1.05, saturation: 1.1, hue: 6 }).jpeg({ quality: 90 }).toFile(dst)
}

/** Recall and precision of the clustering on altered copies of `n` shared posters. */
async function alteredCopies(core: Core, n: number, work: string): Promise<void> {
  const s = modelService(core)
  const posters = postersFor(core.db)
  const rand = mulberry32(9)
  const chosen = new Set<number>()
  while (chosen.size < Math.min(n, posters.length)) chosen.add(Math.floor(rand() * posters.length))
  const sources = [...chosen].map((i) => posters[i])
  const dir = join(work, 'altered')
  mkdirSync(dir, { recursive: true })
  const copies: { path: string; source: string; how: Alteration }[] = []
  for (const p of sources)
    for (const how of ALTERATIONS) {
      const path = join(dir, `${p.id}-${how}.jpg`)
      await alter(p.path, path, how, rand)
      copies.push({ path, source: p.id, how })
    }
  const t0 = performance.now()
  const vecs = await s.embedFiles(copies.map((c) => c.path))
  console.log(`altered copies: ${copies.length} made from ${sources.length} posters, embedded in ${((performance.now() - t0) / 1000).toFixed(1)} s`)
  const embedded = posters.filter((p) => readEmbeddings(core.db, s.key, [p.hash]).has(p.hash))
  const x0 = await featureMatrix(core.db, s.key, embedded, s.dims)
  const okCopies = copies.filter((c) => vecs.get(c.path) instanceof Float32Array)
  const x = new Float32Array((embedded.length + okCopies.length) * s.dims)
  x.set(x0)
  okCopies.forEach((c, i) => x.set(vecs.get(c.path) as Float32Array, (embedded.length + i) * s.dims))
  const items = [...embedded.map((p) => ({ id: p.id, hash: p.hash })), ...okCopies.map((_c, i) => ({ id: `copy-${i}`, hash: `copy-${i}` }))]
  const sourceOf = (i: number) => (i < embedded.length ? embedded[i].id : okCopies[i - embedded.length].source)
  const isCopy = (i: number) => i >= embedded.length
  for (const threshold of [DUPLICATE_COSINE, NEAR_DUPLICATE_COSINE]) {
    const t1 = performance.now()
    const clusters = clusterItems(items, { rows: items.map((_, i) => i), x, dims: s.dims }, [], threshold)
    const seconds = (performance.now() - t1) / 1000
    // Pairs: a true pair is two items of one source with at least one copy among them.
    const inCluster = new Map<number, number>()
    clusters.forEach((c, k) => c.members.forEach((m) => inCluster.set(m, k)))
    let predictedWithCopy = 0
    let truePredicted = 0
    let originalsOnly = 0
    for (const c of clusters) {
      for (let a = 0; a < c.members.length; a++)
        for (let b = a + 1; b < c.members.length; b++) {
          const i = c.members[a]
          const j = c.members[b]
          if (!isCopy(i) && !isCopy(j)) {
            originalsOnly++
            continue
          }
          predictedWithCopy++
          if (sourceOf(i) === sourceOf(j)) truePredicted++
        }
    }
    const idOf = new Map(embedded.map((p, i) => [p.id, i]))
    const perHow = new Map<Alteration, { hit: number; all: number }>(ALTERATIONS.map((h) => [h, { hit: 0, all: 0 }]))
    let truePairs = 0
    let found = 0
    const bySource = new Map<string, number[]>()
    okCopies.forEach((c, i) => bySource.set(c.source, [...(bySource.get(c.source) ?? []), embedded.length + i]))
    for (const [src, list] of bySource) {
      const o = idOf.get(src)
      if (o === undefined) continue
      const group = [o, ...list]
      for (let a = 0; a < group.length; a++)
        for (let b = a + 1; b < group.length; b++) {
          truePairs++
          const same = inCluster.has(group[a]) && inCluster.get(group[a]) === inCluster.get(group[b])
          if (same) found++
          if (a === 0) {
            const h = perHow.get(okCopies[group[b] - embedded.length].how)!
            h.all++
            if (same) h.hit++
          }
        }
    }
    console.log(
      `near-duplicates on altered copies (centred cosine >= ${threshold}${threshold === DUPLICATE_COSINE ? ', Explore' : ', train/groups.ts'}, clustered in ${seconds.toFixed(1)} s over ${items.length} posters): ` +
        `recall ${(found / truePairs).toFixed(3)} (${found}/${truePairs} pairs), precision ${(truePredicted / Math.max(1, predictedWithCopy)).toFixed(3)} ` +
        `(${truePredicted}/${predictedWithCopy} pairs with a copy) (aim >= 0.95 both)`,
    )
    console.log(`  recall of source-copy pairs by alteration: ${[...perHow].map(([h, v]) => `${h} ${(v.hit / Math.max(1, v.all)).toFixed(3)}`).join(', ')}`)
    console.log(`  pairs among the shared posters themselves clustered together (their own near-duplicates, not counted): ${originalsOnly}`)
  }
}

/** 100,000 synthetic posters with embeddings made from the real rows plus noise. */
async function synthetic100k(real: Core, work: string): Promise<void> {
  const s = modelService(real)
  const src = postersFor(real.db).filter((p) => readEmbeddings(real.db, s.key, [p.hash]).has(p.hash))
  const x = await featureMatrix(real.db, s.key, src, s.dims)
  const dir = join(work, 'synthetic-100k')
  let t0 = performance.now()
  await createSyntheticLibrary(dir, { posters: 100_000 })
  const core = openCore({ libraryDir: dir })
  try {
    const posters = postersFor(core.db)
    const rand = mulberry32(17)
    const d = s.dims
    const seen = new Set<string>()
    let batch: { hash: string; vector: Float32Array }[] = []
    for (let i = 0; i < posters.length; i++) {
      const h = posters[i].hash
      if (seen.has(h)) continue
      seen.add(h)
      const r = i % src.length
      const v = new Float32Array(d)
      for (let k = 0; k < d; k++) v[k] = x[r * d + k] * (0.7 + 0.6 * rand())
      batch.push({ hash: h, vector: v })
      if (batch.length === 5000) {
        putEmbeddings(core.db, modelService(core).key, batch)
        batch = []
      }
    }
    putEmbeddings(core.db, modelService(core).key, batch)
    console.log(`synthetic 100k: library and ${seen.size} embeddings written in ${((performance.now() - t0) / 1000).toFixed(1)} s`)
    await similarFigures(core, 'synthetic 100k', 200, 5)
    t0 = performance.now()
    await clusterAndMap(core, 'synthetic 100k')
  } finally {
    modelService(core).worker.stop()
    await core.close()
  }
}

export default async function (args: string[]): Promise<number> {
  const ci = args.indexOf('--copies')
  const copies = ci >= 0 ? Number(args[ci + 1]) : 200
  // The shared library is kept between runs (embeddings cached) unless --library names another.
  const lib = await sharedLibrary(args.includes('--library') ? args : [...args, '--library', join(tmpdir(), 'posterity-bench-explore')])
  if (!lib) return 1
  const { core } = lib
  const work = mkdtempSync(join(tmpdir(), 'posterity-explore-work-'))
  try {
    const s = modelService(core)
    const n = core.db.prepare('SELECT COUNT(*) FROM posters').pluck().get() as number
    console.log(`library: ${lib.dir}, ${n} posters, features ${s.features.version} (${s.dims} dims)`)
    await similarFigures(core, `shared ${n}`, 300, 50)
    await clusterAndMap(core, `shared ${n}`)
    await alteredCopies(core, copies, work)
    await whyFigures(core, 5)
    if (!args.includes('--no-100k')) await synthetic100k(core, work)
  } finally {
    await lib.close()
    rmSync(work, { recursive: true, force: true })
  }
  return 0
}
