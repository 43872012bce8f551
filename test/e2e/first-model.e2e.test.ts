// End to end in Chromium against `posterity serve`: a library's first training from the Train
// view is a quick fit, shown active with provisional figures and every poster predicted; the
// cross-validated run follows by itself and takes its place. Needs the backbone.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import sharp from 'sharp'
import { describe, expect, it } from 'vitest'
import { T } from '../../src/renderer/src/testids'
import { openCore } from '../../src/main/core'
import { startImport } from '../../src/main/importer/handlers'
import { modelService } from '../../src/main/ml/service/model-service'
import { hasChromium } from './serve-child'
import { poll, servedInChromium, tid } from './fixture'

const modelsDir = process.env.POSTERITY_MODELS ?? resolve(__dirname, '../../../shared/models')
const haveBackbone = existsSync(join(modelsDir, 'mobilenetv2-12-int8.onnx'))
if (!haveBackbone) console.warn(`[e2e] no backbone in ${modelsDir}: skipping the quick first model in the Train view (set POSTERITY_MODELS)`)

const genres = ['Red', 'Green', 'Blue']
const colours: Record<string, string> = { Red: '#d02020', Green: '#20b040', Blue: '#2040d0' }

describe.skipIf(!hasChromium || !haveBackbone)('a first model from the Train view (Chromium)', () => {
  const ui = servedInChromium({
    name: 'first-model',
    prepare: async (root) => {
      const folder = join(root, 'posters')
      mkdirSync(folder)
      const rows = ['Id,Genre,Red,Green,Blue']
      for (let i = 0; i < 240; i++) {
        const g = genres[i % 3]
        const id = `tt${String(3000 + i).padStart(7, '0')}`
        const svg = `<svg width="60" height="90"><rect x="${(i * 7) % 30}" y="${(i * 11) % 50}" width="25" height="30" fill="#ffffff"/></svg>`
        await sharp({ create: { width: 60, height: 90, channels: 3, background: colours[g] } }).composite([{ input: Buffer.from(svg) }]).jpeg().toFile(join(folder, `${id}.jpg`))
        if (i < 210) rows.push(`${id},"['${g}']",${genres.map((x) => (x === g ? 1 : 0)).join(',')}`)
      }
      writeFileSync(join(root, 'labels.csv'), rows.join('\n') + '\n')
      const libDir = join(root, 'library')
      const core = openCore({ libraryDir: libDir })
      await (await startImport(core, { paths: [folder], labels: join(root, 'labels.csv'), embed: true })).promise
      modelService(core).worker.stop()
      await core.close()
      return libDir
    },
    timeout: 180_000,
  })

  it('shows the quick fit active with provisional figures, then the cross-validated run replacing it', async () => {
    const { page, api } = ui
    await page.goto(ui.serve.url)
    await page.locator(tid(T.navTrain)).click()
    await page.locator(tid('train-start')).click()
    // The quick run: active, marked provisional, its note saying cross-validation follows.
    const quick = page.locator('[data-testid^="run-quick-"]')
    await poll(() => quick.count(), 60_000).toBe(1)
    const quickId = Number((await quick.getAttribute('data-testid'))!.replace('run-quick-', ''))
    const runs = () => api.ok<{ runs: { id: number; active: boolean; note: string | null }[] }>('model.runs', {})
    expect((await runs()).runs.find((r) => r.id === quickId)?.note).toMatch(/quick first model/)
    await poll(() => page.locator(tid('train-view')).textContent()).toMatch(/provisional figures of a quick first model/)
    if (process.env.POSTERITY_E2E_SHOTS) await page.screenshot({ path: join(process.env.POSTERITY_E2E_SHOTS, 'first-model-quick.png') })
    // Every poster has a prediction of the quick model (the grid's probabilities come from there).
    const pred = await api.ok<{ runId: number | null }>('model.prediction', { id: 'tt0003239' })
    expect(pred.runId).toBe(quickId)
    // The cross-validated run replaces it by itself.
    await poll(async () => (await runs()).runs.find((r) => r.active)?.id ?? quickId, 120_000).not.toBe(quickId)
    await poll(() => page.locator(tid('train-view')).textContent(), 30_000).toMatch(/figures from out-of-fold predictions \(5-fold cross-validation/)
    // The curve shown is one fold's, and says so (its macro-AP is not the run's out-of-fold figure).
    await poll(() => page.locator(tid('curve-caption')).textContent(), 30_000).toMatch(/fold 1 of 5/)
    await poll(async () => (await runs()).runs.find((r) => r.id === quickId)?.note, 30_000).toMatch(/^replaced by the cross-validated run/)
    if (process.env.POSTERITY_E2E_SHOTS) await page.screenshot({ path: join(process.env.POSTERITY_E2E_SHOTS, 'first-model-cv.png') })
    // Both runs' rows, the quick one's note included, keep inside the Runs panel at 1400 px
    // (their Activate and Delete buttons once spilled past its border).
    const spill = await page.locator(tid('model-runs')).evaluate((t) => t.getBoundingClientRect().right - t.closest('.panel')!.getBoundingClientRect().right)
    expect(spill).toBeLessThanOrEqual(0)
    // Compare: one ticked run asks for a second (no one-column "comparison"); two are set side by side.
    const cvId = (await runs()).runs.find((r) => r.active)!.id
    await page.getByLabel(`Compare run ${quickId}`).check()
    await poll(() => page.locator('[data-testid="compare-hint"]').textContent()).toMatch(new RegExp(`Tick a second run to compare it with run #${quickId}`))
    expect(await page.getByRole('table', { name: 'Runs compared' }).count()).toBe(0)
    await page.getByLabel(`Compare run ${cvId}`).check()
    await poll(() => page.getByRole('table', { name: 'Runs compared' }).count()).toBe(1)
    await page.getByLabel(`Compare run ${quickId}`).uncheck()
    await poll(() => page.getByRole('table', { name: 'Runs compared' }).count()).toBe(0)
    await poll(() => page.locator('[data-testid="compare-hint"]').textContent()).toMatch(new RegExp(`run #${cvId}`))
    expect(ui.pageErrors).toEqual([])
  })
})
