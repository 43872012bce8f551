// "Why" through the real core, worker and backbone: posters whose genre is the colour of a
// patch in their top-left corner; the occlusion map of a "Red" poster must put its largest
// drop in that corner; the same trained model gives the dashboard its AP intervals. Skips
// without the backbone beside the repository.
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openCore, type Core } from '../../src/main/core'
import { startImport } from '../../src/main/importer/handlers'
import { modelService } from '../../src/main/ml/service/model-service'
import type { WhyResult } from '../../src/shared/api'
import { call } from '../library/helpers'

const modelsDir = process.env.POSTERITY_MODELS ?? resolve(__dirname, '../../../shared/models')
const haveBackbone = existsSync(join(modelsDir, 'mobilenetv2-12-int8.onnx'))
if (!haveBackbone) console.warn(`[test/explore] no backbone in ${modelsDir}: skipping the occlusion test`)

describe.skipIf(!haveBackbone)('why: occlusion sensitivity in the worker', () => {
  const work = mkdtempSync(join(tmpdir(), 'posterity-why-'))
  let core: Core

  beforeAll(async () => {
    const dir = join(work, 'posters')
    mkdirSync(dir)
    const rows = ['Id,Genre,Red,Blue']
    for (let i = 0; i < 40; i++) {
      const red = i % 2 === 0
      const id = `tt${3000000 + i}`
      // Grey posters with a noise stripe that varies; the genre is the top-left patch's colour.
      const patch = await sharp({ create: { width: 100, height: 140, channels: 3, background: red ? '#e01010' : '#1030e0' } }).png().toBuffer()
      const stripe = await sharp({ create: { width: 200, height: 30, channels: 3, background: { r: (i * 53) % 256, g: (i * 97) % 256, b: (i * 31) % 256 } } }).png().toBuffer()
      await sharp({ create: { width: 200, height: 300, channels: 3, background: '#808080' } })
        .composite([
          { input: patch, left: 0, top: 0 },
          { input: stripe, left: 0, top: 160 + (i % 5) * 20 },
        ])
        .jpeg()
        .toFile(join(dir, `${id}.jpg`))
      rows.push(`${id},"['${red ? 'Red' : 'Blue'}']",${red ? 1 : 0},${red ? 0 : 1}`)
    }
    writeFileSync(join(work, 'labels.csv'), rows.join('\n'))
    core = openCore({ libraryDir: join(work, 'lib') })
    await (await (await startImport(core, { paths: [dir], labels: join(work, 'labels.csv') }))).promise
    const { jobId } = await call(core, 'model.train', { kind: 'head', seed: 1 })
    await core.jobs.wait(jobId)
    expect(core.jobs.list().find((j) => j.jobId === jobId)?.status).toBe('done')
  }, 300_000)

  afterAll(async () => {
    modelService(core).worker.stop()
    await core.close()
    rmSync(work, { recursive: true, force: true })
  })

  it('masks each region, re-scores, and finds the patch that carries the genre', async () => {
    await expect(call(core, 'explore.why', { id: 'tt3000000', genre: 'Green' })).rejects.toThrow(/does not predict "Green"/)
    await expect(call(core, 'explore.why', { id: 'nope', genre: 'Red' })).rejects.toThrow(/no poster "nope"/)
    const progress: number[] = []
    let result: WhyResult | null = null
    const off = core.events.onAny((name, p) => {
      if (name !== 'why.progress') return
      const e = p as { done: number; status: string; result: WhyResult | null }
      if (e.status === 'running') progress.push(e.done)
      else result = e.result
    })
    const { jobId } = await call(core, 'explore.why', { id: 'tt3000000', genre: 'Red', grid: 4 })
    await core.jobs.wait(jobId)
    off()
    expect(progress.length).toBeGreaterThan(0)
    const r = result as WhyResult | null
    expect(r).not.toBeNull()
    expect(r!.cols).toBe(4)
    expect(r!.rows).toBe(Math.round((4 * 320) / 224))
    expect(r!.drops).toHaveLength(r!.cols * r!.rows)
    expect(r!.probability).toBeGreaterThan(0.5)
    // The patch covers the top-left half-width, ~half-height: the largest drop is there.
    const best = r!.drops.indexOf(Math.max(...r!.drops))
    expect(best % r!.cols).toBeLessThan(2)
    expect(Math.floor(best / r!.cols)).toBeLessThan(Math.ceil(r!.rows / 2))
  }, 120_000)

  it('computes a few heat maps at once and refuses more (each holds its masked copies in memory)', async () => {
    const started: string[] = []
    for (let i = 0; i < 4; i++) started.push((await call(core, 'explore.why', { id: 'tt3000000', genre: 'Red', grid: 4 })).jobId)
    await expect(call(core, 'explore.why', { id: 'tt3000000', genre: 'Red', grid: 4 })).rejects.toThrow(/4 heat maps are being computed already/)
    for (const id of started) await core.jobs.wait(id)
    const again = await call(core, 'explore.why', { id: 'tt3000000', genre: 'Red', grid: 4 })
    await core.jobs.wait(again.jobId)
  }, 120_000)

  it('gives each genre its AP with a bootstrap interval around it (the dashboard)', async () => {
    const d = await call(core, 'explore.dashboard', {})
    expect(d.ap).not.toBeNull()
    for (const g of d.ap.genres as { genre: string; ap: number; low: number | null; high: number | null }[]) {
      expect(g.low).not.toBeNull()
      expect(g.low!).toBeLessThanOrEqual(g.high!)
      expect(g.high!).toBeLessThanOrEqual(1)
      expect(g.ap).toBeGreaterThanOrEqual(g.low! - 0.05)
      expect(g.ap).toBeLessThanOrEqual(g.high! + 0.05)
    }
    expect(d.ap.macro.low).not.toBeNull()
  })
})
