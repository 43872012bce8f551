// Embedding during import: the importer decodes each poster once, resizes the thumbnail and
// the backbone's views from the same pixels, and the model worker's vectors land in the cache
// by the time the import finishes — the same vectors the worker makes from the files. It
// computes FIRST_FEATURES, the one-pass set a quick first model learns from.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import sharp from 'sharp'
import { afterAll, describe, expect, it } from 'vitest'
import { openCore, type Core } from '../../src/main/core'
import { startImport } from '../../src/main/importer/handlers'
import { modelService } from '../../src/main/ml/service/model-service'
import { postersFor } from '../../src/main/ml/service/data'
import { featureMatrix } from '../../src/main/ml/service/data'
import { missingHashes } from '../../src/main/ml/store/embeddings'
import { FEATURE_SETS, FIRST_FEATURES } from '../../src/main/ml/backbone/catalog'

const FIRST = FEATURE_SETS[FIRST_FEATURES]

const modelsDir = process.env.POSTERITY_MODELS ?? resolve(__dirname, '../../../shared/models')
const haveBackbone = existsSync(join(modelsDir, 'mobilenetv2-12-int8.onnx'))
if (!haveBackbone) console.warn(`[test/ml] no backbone in ${modelsDir}: skipping embedding during import (set POSTERITY_MODELS)`)

const work = mkdtempSync(join(tmpdir(), 'posterity-embed-import-'))
const cores: Core[] = []
afterAll(async () => {
  for (const c of cores) {
    modelService(c).worker.stop()
    await c.close()
  }
  rmSync(work, { recursive: true, force: true })
})

async function posters(dir: string, n: number): Promise<void> {
  mkdirSync(dir, { recursive: true })
  for (let i = 0; i < n; i++) {
    const svg = `<svg width="120" height="180"><circle cx="${20 + ((i * 13) % 80)}" cy="${30 + ((i * 29) % 120)}" r="${10 + (i % 30)}" fill="#${((i * 2654435761) >>> 8).toString(16).padStart(6, '0').slice(0, 6)}"/></svg>`
    // Some with alpha and some grey, as real folders have.
    const img = sharp({ create: { width: 120, height: 180, channels: i % 5 === 0 ? 4 : 3, background: { r: (i * 40) % 255, g: (i * 90) % 255, b: (i * 20) % 255, alpha: 0.6 } } }).composite([{ input: Buffer.from(svg) }])
    if (i % 5 === 0) await img.png().toFile(join(dir, `p${i}.png`))
    else if (i % 7 === 0) await img.grayscale().jpeg().toFile(join(dir, `p${i}.jpg`))
    else await img.jpeg({ quality: 80 }).toFile(join(dir, `p${i}.jpg`))
  }
}

describe.skipIf(!haveBackbone)('embedding during import', () => {
  it('caches every poster by the end of the import, with the vectors the files give', async () => {
    const dir = join(work, 'posters')
    await posters(dir, 40)
    const core = openCore({ libraryDir: join(work, 'lib') })
    cores.push(core)
    const r = await (await (await startImport(core, { paths: [dir], embed: true }))).promise
    expect(r?.added).toBe(40)
    expect(r?.warnings).toEqual([])
    const svc = modelService(core)
    const all = postersFor(core.db)
    expect(missingHashes(core.db, svc.keyOf(FIRST), all.map((p) => p.hash))).toEqual([])
    const during = await featureMatrix(core.db, svc.keyOf(FIRST), all, svc.dimsOf(FIRST))

    // The same posters embedded the usual way, from their files, in a second library.
    const other = openCore({ libraryDir: join(work, 'lib2') })
    cores.push(other)
    await (await (await startImport(other, { paths: [dir] }))).promise
    const svc2 = modelService(other)
    const all2 = postersFor(other.db)
    expect(missingHashes(other.db, svc2.keyOf(FIRST), all2.map((p) => p.hash))).toHaveLength(40)
    await svc2.ensureEmbeddings(all2, new AbortController().signal, undefined, FIRST)
    const byId = new Map(all2.map((p, i) => [p.id, i]))
    const after = await featureMatrix(other.db, svc2.keyOf(FIRST), all2, svc2.dimsOf(FIRST))
    const d = svc.dimsOf(FIRST)
    let worst = 1
    all.forEach((p, i) => {
      const j = byId.get(p.id)!
      let dot = 0
      let a2 = 0
      let b2 = 0
      for (let k = 0; k < d; k++) {
        const a = during[i * d + k]
        const b = after[j * d + k]
        dot += a * b
        a2 += a * a
        b2 += b * b
      }
      worst = Math.min(worst, dot / Math.sqrt(a2 * b2))
    })
    expect(worst).toBeGreaterThan(0.999)
  })

  it('cancelled while batches are with the worker: rolled back, no thumbnail left, and promptly', async () => {
    const dir = join(work, 'many')
    await posters(dir, 200)
    const core = openCore({ libraryDir: join(work, 'lib-cancel') })
    cores.push(core)
    const started = await startImport(core, { paths: [dir], embed: true })
    // Cancel once the first posters are through (their verdicts came back from the worker).
    const t0 = Date.now()
    while (!core.jobs.list().some((j) => j.jobId === started.jobId && (j.done ?? 0) >= 40) && Date.now() - t0 < 60_000) await new Promise((r) => setTimeout(r, 20))
    const asked = Date.now()
    core.jobs.cancel(started.jobId)
    expect(await started.promise.catch(() => null)).toBeNull()
    expect(Date.now() - asked).toBeLessThan(5_000)
    expect(core.db.prepare('SELECT COUNT(*) FROM posters').pluck().get()).toBe(0)
    expect(core.db.prepare('SELECT status FROM imports').pluck().all()).toEqual(['cancelled'])
    const thumbs = join(work, 'lib-cancel', 'thumbs')
    expect(existsSync(thumbs) ? readdirSync(thumbs, { recursive: true }).filter((f) => /\.(jpg|webp)$/.test(String(f))) : []).toEqual([])
  })

  it('imports as before when asked not to, and when the backbone is missing', async () => {
    const core = openCore({ libraryDir: join(work, 'lib3') })
    cores.push(core)
    const saved = process.env.POSTERITY_MODELS
    process.env.POSTERITY_MODELS = join(work, 'no-models-here')
    try {
      const r = await (await (await startImport(core, { paths: [join(work, 'posters')], embed: true }))).promise
      expect(r?.added).toBe(40)
      expect(r?.warnings).toEqual([])
      const svc = modelService(core)
      expect(missingHashes(core.db, svc.keyOf(FIRST), postersFor(core.db).map((p) => p.hash))).toHaveLength(40)
    } finally {
      process.env.POSTERITY_MODELS = saved
    }
  })
})
