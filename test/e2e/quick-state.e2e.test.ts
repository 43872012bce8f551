// End to end in Chromium against `posterity serve`: a library whose quick first model is
// active and whose cross-validated run has not run (it was stopped before embedding the
// default set). The Review view says the suspect queue comes with the cross-validated run and
// serves the uncertain queue from the quick model; the Train view counts each feature set;
// Explore's duplicates say they compare the one-pass features. Training again from the Train
// view runs the cross-validated run: the Review view says it is training, then shows the
// suspect queue. Needs the backbone.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import sharp from 'sharp'
import { describe, expect, it } from 'vitest'
import { T } from '../../src/renderer/src/testids'
import { openCore } from '../../src/main/core'
import { startImport } from '../../src/main/importer/handlers'
import { modelService } from '../../src/main/ml/service/model-service'
import { DEFAULT_FEATURES, FEATURE_SETS, FIRST_FEATURES } from '../../src/main/ml/backbone/catalog'
import { mulberry32 } from '../../src/shared/random'
import { hasChromium } from './serve-child'
import { poll, servedInChromium, tid } from './fixture'

const modelsDir = process.env.POSTERITY_MODELS ?? resolve(__dirname, '../../../shared/models')
const haveBackbone = existsSync(join(modelsDir, 'mobilenetv2-12-int8.onnx'))
if (!haveBackbone) console.warn(`[e2e] no backbone in ${modelsDir}: skipping the views before the cross-validated run (set POSTERITY_MODELS)`)

const genres = ['Red', 'Green', 'Blue']
const ground: Record<string, [number, number, number]> = { Red: [200, 40, 40], Green: [40, 170, 70], Blue: [40, 70, 200] }
const N = 240
const UNLABELLED = 30
const shots = process.env.POSTERITY_E2E_SHOTS

describe.skipIf(!hasChromium || !haveBackbone)('before the cross-validated run (Chromium)', () => {
  const ui = servedInChromium({
    name: 'quick-state',
    prepare: async (root) => {
      const folder = join(root, 'posters')
      mkdirSync(folder)
      const rows = ['Id,Genre,Red,Green,Blue']
      for (let i = 0; i < N; i++) {
        const g = genres[i % 3]
        const id = `tt${String(8000 + i).padStart(7, '0')}`
        const rand = mulberry32(900 + i)
        const c = () => Math.floor(rand() * 256)
        const shapes = Array.from({ length: 4 }, () => `<circle cx="${Math.floor(rand() * 120)}" cy="${Math.floor(rand() * 180)}" r="${10 + Math.floor(rand() * 25)}" fill="rgb(${c()},${c()},${c()})"/>`).join('')
        const [r, gr, b] = ground[g]
        await sharp({ create: { width: 120, height: 180, channels: 3, background: { r, g: gr, b } } })
          .composite([{ input: Buffer.from(`<svg width="120" height="180">${shapes}</svg>`) }])
          .jpeg()
          .toFile(join(folder, `${id}.jpg`))
        if (i < N - UNLABELLED) rows.push(`${id},"['${g}']",${genres.map((x) => (x === g ? 1 : 0)).join(',')}`)
      }
      writeFileSync(join(root, 'labels.csv'), rows.join('\n') + '\n')
      const libDir = join(root, 'library')
      const core = openCore({ libraryDir: libDir })
      await (await startImport(core, { paths: [folder], labels: join(root, 'labels.csv'), embed: true })).promise
      // The quick fit, as the Train view's first training makes it; its cross-validated run is stopped at once.
      const env = await core.dispatch('model.train', { kind: 'head', quick: true })
      if (!env.ok) throw new Error(env.error.message)
      await core.jobs.wait((env.value as { jobId: string }).jobId)
      for (const j of core.jobs.list().filter((x) => x.status === 'running')) {
        await core.dispatch('jobs.cancel', { jobId: j.jobId })
        await core.jobs.wait(j.jobId).catch(() => undefined)
      }
      core.db.prepare('DELETE FROM embeddings WHERE features = ?').run(FEATURE_SETS[DEFAULT_FEATURES].version)
      modelService(core).worker.stop()
      await core.close()
      return libDir
    },
    timeout: 240_000,
  })

  it('the Review view: the suspect queue waits for the cross-validated run, the uncertain queue has posters', async () => {
    const { page, api } = ui
    const quickId = (await api.ok<{ activeRun: number }>('model.status', {})).activeRun
    expect((await api.ok<{ config: Record<string, unknown> }>('model.run', { id: quickId })).config.quick).toBe(true)
    await page.goto(`${ui.serve.url}#/review`)
    const empty = page.locator(tid(T.reviewEmpty))
    await poll(() => empty.textContent()).toMatch(/Suspect labels come with the cross-validated run.*not training in this process/)
    // The counts load after the queue.
    await poll(() => page.locator(tid(T.reviewQueue('uncertain'))).textContent()).toMatch(new RegExp(`Uncertain\\s*${UNLABELLED}`))
    await poll(() => page.locator(tid(T.reviewQueue('suspect'))).getAttribute('title')).toMatch(/cross-validated run/)
    if (shots) await page.screenshot({ path: join(shots, 'quick-review-suspect.png') })
    await page.locator(tid('review-pending-uncertain')).click()
    const current = page.locator(tid(T.reviewCurrent))
    await poll(() => current.getAttribute('data-id')).toMatch(/^tt00082[1-3]\d$/)
    expect(await page.locator(tid(T.reviewQueue('uncertain'))).getAttribute('aria-checked')).toBe('true')
    expect(await page.locator(tid(T.reviewProbs)).textContent()).toMatch(/(Red|Green|Blue).*%/)
    if (shots) await page.screenshot({ path: join(shots, 'quick-review-uncertain.png') })
    // Enter accepts the quick model's suggestion for this poster.
    const id = (await current.getAttribute('data-id'))!
    await page.keyboard.press('Enter')
    await poll(async () => (await api.ok<{ labelled: boolean }>('library.get', { id })).labelled).toBe(true)
    expect(ui.pageErrors).toEqual([])
  })

  it('the Train view counts each feature set; Explore says it compares the one-pass features', async () => {
    const { page } = ui
    await page.locator(tid(T.navTrain)).click()
    await poll(() => page.locator(tid(`features-${FIRST_FEATURES}`)).textContent()).toMatch(new RegExp(`1 pass a poster; the active quick first model.*${N} of ${N} posters embedded`))
    expect(await page.locator(tid(`features-${DEFAULT_FEATURES}`)).textContent()).toMatch(new RegExp(`4 passes a poster; the cross-validated run.*0 of ${N} posters embedded`))
    if (shots) await page.screenshot({ path: join(shots, 'quick-train.png') })
    await page.locator(tid(T.navExplore)).click()
    await page.locator(tid(T.exploreTab('duplicates'))).click()
    await poll(() => page.locator(tid('dup-features')).textContent()).toMatch(new RegExp(`one-pass features ${FIRST_FEATURES} until the default set is embedded`))
    // The map, laid out on the one-pass set, says why.
    await page.locator(tid(T.exploreTab('map'))).click()
    await page.locator(tid(T.mapCompute)).click()
    await poll(() => page.locator(tid(T.mapCanvas)).getAttribute('aria-label'), 60_000).toBe(`Embeddings map of ${N} posters`)
    await poll(() => page.locator(tid('map-features')).textContent()).toMatch(new RegExp(`one-pass features \\(${FIRST_FEATURES}\\) stand in.*0 of ${N} posters`))
    if (shots) await page.screenshot({ path: join(shots, 'quick-map.png') })
    // Similar posters in the detail say which features they compare.
    await page.locator(tid(T.navLibrary)).click()
    await page.locator(`${tid(T.posterCard)}[data-id="tt0008000"]`).dblclick()
    await poll(() => page.locator(`${tid(T.similarPosters)} ${tid(T.similarItem)}`).count(), 30_000).toBe(8)
    expect(await page.locator(tid('similar-features')).textContent()).toMatch(new RegExp(`one-pass features \\(${FIRST_FEATURES}\\)`))
    if (shots) await page.screenshot({ path: join(shots, 'quick-similar.png') })
    await page.keyboard.press('Escape')
    expect(ui.pageErrors).toEqual([])
  }, 120_000)

  it('training from the Train view runs the cross-validated run; the suspect queue says so, then fills', async () => {
    const { page, api } = ui
    const quickId = (await api.ok<{ activeRun: number }>('model.status', {})).activeRun
    await page.locator(tid(T.navTrain)).click()
    await page.locator(tid('train-start')).click()
    await page.locator(tid(T.navReview)).click()
    await page.locator(tid(T.reviewQueue('suspect'))).click()
    await poll(() => page.locator(tid(T.reviewEmpty)).textContent()).toMatch(/cross-validated run.*training now/)
    if (shots) await page.screenshot({ path: join(shots, 'quick-review-training.png') })
    await poll(async () => (await api.ok<{ activeRun: number }>('model.status', {})).activeRun, 180_000).not.toBe(quickId)
    // The queue reloads by itself once the cross-validated run is active.
    await poll(() => page.locator(`${tid(T.reviewCurrent)}, ${tid(T.reviewEmpty)}`).first().textContent(), 30_000).not.toMatch(/come with the cross-validated run/)
    expect(ui.pageErrors).toEqual([])
  }, 240_000)
})
