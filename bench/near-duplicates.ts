// `npm run bench -- near-duplicates [--library DIR] [--n 120]`: measures the cosine bound
// that groups near-identical posters (src/main/ml/train/groups.ts). Altered copies of
// shared posters are made with sharp (JPEG re-encoding, resizing, small crops, all three),
// embedded like library posters, and their centred cosine with the original is printed beside
// the cosines of DISTINCT posters (all pairs above 0.7 among the library's posters), and the
// time the grouping takes on the whole library.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import sharp, { type Sharp } from 'sharp'
import { Embedder } from '../src/main/ml/embed/embedder'
import { configuredModelsDir } from '../src/main/ml/backbone/resolve'
import { featureSetName, modelService } from '../src/main/ml/service/model-service'
import { featureMatrix, postersFor } from '../src/main/ml/service/data'
import { duplicateGroups, NEAR_DUPLICATE_COSINE, nearDuplicatePairs } from '../src/main/ml/train/groups'
import { FEATURE_SETS } from '../src/main/ml/backbone/catalog'
import { mulberry32 } from '../src/shared/random'
import { sharedLibrary } from './_shared-library'

type Alter = (img: Sharp, w: number, h: number) => Sharp

const ALTERATIONS: Record<string, Alter> = {
  'jpeg q=35': (img) => img.jpeg({ quality: 35 }),
  'resize 50%': (img, w) => img.resize({ width: Math.round(w / 2) }).jpeg({ quality: 90 }),
  'resize 200%': (img, w) => img.resize({ width: w * 2 }).png(),
  'crop 4% each side': (img, w, h) =>
    img.extract({ left: Math.round(w * 0.04), top: Math.round(h * 0.04), width: Math.round(w * 0.92), height: Math.round(h * 0.92) }).jpeg({ quality: 90 }),
  'crop 8% bottom': (img, w, h) => img.extract({ left: 0, top: 0, width: w, height: Math.round(h * 0.92) }).jpeg({ quality: 90 }),
  'crop 3% + resize 70% + q=50': (img, w, h) =>
    img
      .extract({ left: Math.round(w * 0.03), top: Math.round(h * 0.03), width: Math.round(w * 0.94), height: Math.round(h * 0.94) })
      .resize({ width: Math.round(w * 0.7) })
      .jpeg({ quality: 50 }),
}

function centre(v: Float32Array, mean: Float64Array): Float64Array {
  const out = new Float64Array(v.length)
  let s = 0
  for (let k = 0; k < v.length; k++) {
    out[k] = v[k] - mean[k]
    s += out[k] ** 2
  }
  const inv = 1 / Math.sqrt(s)
  for (let k = 0; k < v.length; k++) out[k] *= inv
  return out
}

const dot = (a: Float64Array, b: Float64Array) => a.reduce((s, v, k) => s + v * b[k], 0)
const pct = (a: number[], p: number) => [...a].sort((x, y) => x - y)[Math.min(a.length - 1, Math.floor(p * a.length))]

export default async function main(args: string[]): Promise<number> {
  const lib = await sharedLibrary(args)
  if (!lib) return 1
  const ni = args.indexOf('--n')
  const count = ni >= 0 ? Number(args[ni + 1]) : 120
  const work = mkdtempSync(join(tmpdir(), 'posterity-neardup-'))
  try {
    const svc = modelService(lib.core)
    const posters = postersFor(lib.core.db)
    const d = svc.dims
    const x = await featureMatrix(lib.core.db, svc.key, posters, d)
    const n = posters.length
    const mean = new Float64Array(d)
    for (let r = 0; r < n; r++) for (let k = 0; k < d; k++) mean[k] += x[r * d + k] / n

    // Altered copies of `count` seeded posters.
    const rand = mulberry32(11)
    const picks = Array.from({ length: count }, () => Math.floor(rand() * n))
    const items: { key: string; source: string; row: number; how: string }[] = []
    for (const row of picks) {
      const p = posters[row]
      const meta = await sharp(p.path).metadata()
      for (const [how, alter] of Object.entries(ALTERATIONS)) {
        const file = join(work, `${p.id}-${items.length}.${how.includes('200%') ? 'png' : 'jpg'}`)
        await alter(sharp(p.path), meta.width!, meta.height!).toFile(file)
        items.push({ key: file, source: file, row, how })
      }
    }
    const e = await Embedder.open(readFileSync(join(configuredModelsDir(), svc.backbone.file)), svc.backbone, FEATURE_SETS[featureSetName(svc.features)])
    const vectors = new Map<string, Float32Array>()
    await e.run(items, (rs) => rs.forEach((r) => r.vector && vectors.set(r.key, r.vector)))
    await e.close()
    const byHow = new Map<string, number[]>()
    for (const it of items) {
      const v = vectors.get(it.key)
      if (!v) continue
      const c = dot(centre(v, mean), centre(x.subarray(it.row * d, (it.row + 1) * d), mean))
      byHow.set(it.how, [...(byHow.get(it.how) ?? []), c])
    }
    console.log(`altered copies of ${count} posters (features ${svc.features.version}, ${d} dims): centred cosine with the original`)
    const all: number[] = []
    for (const [how, cs] of byHow) {
      all.push(...cs)
      console.log(`  ${how.padEnd(30)} min ${Math.min(...cs).toFixed(3)}  p5 ${pct(cs, 0.05).toFixed(3)}  median ${pct(cs, 0.5).toFixed(3)}`)
    }
    console.log(`  all alterations: min ${Math.min(...all).toFixed(3)}, p1 ${pct(all, 0.01).toFixed(3)}; share >= ${NEAR_DUPLICATE_COSINE}: ${((all.filter((c) => c >= NEAR_DUPLICATE_COSINE).length / all.length) * 100).toFixed(1)}%`)

    // Distinct posters: pairs of different artwork (different hash) above 0.8.
    const t0 = performance.now()
    const pairs = nearDuplicatePairs(x, d, 0.7).filter(([i, j]) => posters[i].hash !== posters[j].hash)
    const cos = pairs.map(([i, j]) => dot(centre(x.subarray(i * d, (i + 1) * d), mean), centre(x.subarray(j * d, (j + 1) * d), mean)))
    console.log(`distinct posters (different content hash) among ${n}: pairs with centred cosine >= 0.70: ${cos.filter((c) => c >= 0.7).length}, >= 0.80: ${cos.filter((c) => c >= 0.8).length}, >= 0.85: ${cos.filter((c) => c >= 0.85).length}, >= 0.90: ${cos.filter((c) => c >= 0.9).length}, >= 0.95: ${cos.filter((c) => c >= 0.95).length} (${((performance.now() - t0) / 1000).toFixed(1)} s)`)
    for (const [k, [i, j]] of pairs.entries()) if (cos[k] >= 0.88) console.log(`  ${cos[k].toFixed(3)}  ${posters[i].id}  ${posters[j].id}`)
    const t1 = performance.now()
    const g = duplicateGroups(posters, { x, dims: d })
    console.log(`grouping all ${n} posters at ${NEAR_DUPLICATE_COSINE}: ${g.count} groups, ${g.nearDuplicates} joined by the embedding test, ${((performance.now() - t1) / 1000).toFixed(2)} s`)
    return 0
  } finally {
    rmSync(work, { recursive: true, force: true })
    await lib.close()
  }
}
