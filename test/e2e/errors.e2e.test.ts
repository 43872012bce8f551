// End to end in Chromium against `posterity serve`: a genre's out-of-fold errors (the Train
// view's AP bars, or the picker under them) list the 60 most confident of each side, and
// "Show more" pages through the rest. The run and its out-of-fold probabilities are written
// into the library before serving (no backbone needed).
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import sharp from 'sharp'
import { describe, expect, it } from 'vitest'
import type { ModelEvaluation } from '../../src/shared/api'
import { openCore } from '../../src/main/core'
import { startImport } from '../../src/main/importer/handlers'
import { putRunPosters } from '../../src/main/ml/store/out-of-fold'
import { insertStubRun } from '../../src/main/ml/store/stub-run'
import { T } from '../../src/renderer/src/testids'
import { hasChromium } from './serve-child'
import { poll, servedInChromium, tid } from './fixture'

const GENRES = ['Comedy', 'Drama']
// 130 posters labelled Drama that the model calls Comedy (false positives of Comedy), 10 Comedy ones.
const drama = Array.from({ length: 130 }, (_, i) => `tt40${String(i).padStart(5, '0')}`)
const comedy = Array.from({ length: 10 }, (_, i) => `tt41${String(i).padStart(5, '0')}`)

describe.skipIf(!hasChromium)("a genre's out-of-fold errors, page by page (Chromium)", () => {
  const ui = servedInChromium({
    name: 'errors',
    prepare: async (root) => {
      const folder = join(root, 'posters')
      mkdirSync(folder)
      for (const [i, id] of [...drama, ...comedy].entries())
        await sharp({ create: { width: 12, height: 18, channels: 3, background: { r: i % 256, g: 90, b: 255 - (i % 256) } } }).jpeg().toFile(join(folder, `${id}.jpg`))
      writeFileSync(join(root, 'labels.csv'), ['Id,Genre,Comedy,Drama', ...drama.map((id) => `${id},x,0,1`), ...comedy.map((id) => `${id},x,1,0`)].join('\n') + '\n')
      const lib = join(root, 'library')
      const core = openCore({ libraryDir: lib })
      await (await startImport(core, { paths: [folder], labels: join(root, 'labels.csv') })).promise
      const metric = (genre: string, support: number) => ({ genre, support, ap: 0.5, f1: 0.5, threshold: 0.5, priorAp: 0.1, priorF1: 0.1 })
      const zero = { macroAp: 0.5, microAp: 0.5, macroF1: 0.5, microF1: 0.5, hit1: 0.5, hit3: 0.5 }
      const evaluation: ModelEvaluation = { posters: 140, model: zero, prior: zero, genres: [metric('Comedy', 10), metric('Drama', 130)], rare: [], minSupport: 5 }
      const runId = insertStubRun(core.db, { genres: GENRES, thresholds: [0.5, 0.5], weightsPath: join(lib, 'models', 'none'), evaluation, trainSize: 140, valSize: 140 }, true)
      putRunPosters(core.db, runId, [
        ...drama.map((id, i) => ({ id, fold: i % 5, probs: Float32Array.from([0.99 - i * 0.003, 0.9]) })),
        ...comedy.map((id, i) => ({ id, fold: i % 5, probs: Float32Array.from([0.9, 0.1]) })),
      ])
      await core.close()
      return lib
    },
    viewport: { width: 1400, height: 900 },
  })

  const side = (s: string) => ui.page.locator(`${tid('genre-errors')} [data-side="${s}"]`)

  it('lists the 60 most confident, then pages through the rest with Show more', async () => {
    await ui.page.goto(ui.serve.url)
    await ui.page.click(tid(T.navTrain))
    await poll(() => ui.page.locator(`${tid('errors-genre')} option[value="Comedy"]`).count()).toBe(1)
    await ui.page.selectOption(tid('errors-genre'), 'Comedy')
    const fp = side('falsePositives')
    await poll(() => fp.locator('.thumb').count()).toBe(60)
    expect(await fp.locator('h5').textContent()).toMatch(/\(130, the 60 most confident shown\)/)
    // The most confident first: the first poster of the list.
    expect(await fp.locator('.thumb').first().getAttribute('data-id')).toBe(drama[0])
    const more = ui.page.locator(tid('errors-more-falsePositives'))
    await poll(() => more.textContent()).toMatch(/Show 60 more \(70 not shown\)/)
    await more.click()
    await poll(() => fp.locator('.thumb').count()).toBe(120)
    await poll(() => more.textContent()).toMatch(/Show 10 more \(10 not shown\)/)
    await more.click()
    await poll(() => fp.locator('.thumb').count()).toBe(130)
    expect(await more.count()).toBe(0)
    expect(await fp.locator('h5').textContent()).not.toMatch(/most confident shown/)
    expect(await fp.locator('.thumb').last().getAttribute('data-id')).toBe(drama[129])
    // The other side has nothing to page.
    expect(await side('falseNegatives').locator('.thumb').count()).toBe(0)
    expect(await ui.page.locator(tid('errors-more-falseNegatives')).count()).toBe(0)
    expect(ui.pageErrors).toEqual([])
  }, 60_000)
})
