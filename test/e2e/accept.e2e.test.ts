// End to end in Chromium against `posterity serve`: select unlabelled posters, preview the
// acceptance of the active model's predictions (nothing written), accept, see the labels
// with their "prediction" source, the skipped poster still unlabelled, and undo. The model
// run and its probabilities are written into the library before serving (the rule does not
// depend on how they were learnt; no backbone needed).
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import sharp from 'sharp'
import { describe, expect, it } from 'vitest'
import { T } from '../../src/renderer/src/testids'
import { openCore } from '../../src/main/core'
import { startImport } from '../../src/main/importer/handlers'
import { activateRun, putPredictions } from '../../src/main/ml/store/runs'
import { insertStubRun } from '../../src/main/ml/store/stub-run'
import { hasChromium, repo } from './serve-child'
import { poll, servedInChromium, tid } from './fixture'

const GENRES = ['Action', 'Comedy', 'Drama', 'Horror', 'Romance']
const THRESHOLDS = [0.3, 0.3, 0.3, 0.05, 0.6]
// Four unlabelled posters and what the model says of them.
const unlabelled: Record<string, number[]> = {
  tt2000001: [0.9, 0.8, 0.7, 0.65, 0.62], // five above both bars: the best three
  tt2000002: [0.45, 0.3, 0.2, 0.1, 0.4], // nothing reaches 50%: skipped, stays unlabelled
  tt2000003: [0.1, 0.1, 0.1, 0.52, 0.55], // Horror; Romance is under its 60% threshold
  tt2000004: [0.1, 0.6, 0.1, 0.0, 0.0], // Comedy
}
const labelled = ['tt2000005', 'tt2000006']
// Fifty more labelled posters: the retrain offer counts distinct posters a person corrected.
const more = Array.from({ length: 50 }, (_, i) => `tt21000${String(i).padStart(2, '0')}`)

describe.skipIf(!hasChromium)('accepting predictions for a selection, with its preview (Chromium)', () => {
  let olderRun = 0
  const ui = servedInChromium({
    name: 'accept',
    prepare: async (root) => {
      const folder = join(root, 'posters')
      mkdirSync(folder)
      const ids = [...Object.keys(unlabelled), ...labelled]
      for (const [i, id] of ids.entries())
        await sharp({ create: { width: 120, height: 180, channels: 3, background: { r: 40 * i, g: 200 - 20 * i, b: 90 } } })
          .jpeg()
          .toFile(join(folder, `${id}.jpg`))
      const { writeFileSync } = await import('node:fs')
      for (const [i, id] of more.entries()) await sharp({ create: { width: 12, height: 18, channels: 3, background: { r: i * 5, g: 90, b: 250 - i * 5 } } }).jpeg().toFile(join(folder, `${id}.jpg`))
      writeFileSync(
        join(root, 'labels.csv'),
        ['Id,Genre,' + GENRES.join(','), `tt2000005,"['Drama']",0,0,1,0,0`, `tt2000006,"['Comedy']",0,1,0,0,0`, ...more.map((id) => `${id},"['Drama']",0,0,1,0,0`)].join('\n') + '\n',
      )
      const libDir = join(root, 'library')
      const core = openCore({ libraryDir: libDir })
      await (await startImport(core, { paths: [folder], labels: join(root, 'labels.csv') })).promise
      for (const g of GENRES) if (!core.db.prepare('SELECT 1 FROM genres WHERE name = ?').get(g)) core.db.prepare('INSERT INTO genres (name, position) VALUES (?, 99)').run(g)
      // An older run, not active: activating it must drop a preview made with the active one.
      olderRun = insertStubRun(core.db, { backend: 'cpu', genres: GENRES, trainSize: 2, thresholds: THRESHOLDS, weightsPath: join(libDir, 'models', 'none') }, false)
      const runId = insertStubRun(core.db, { backend: 'cpu', genres: GENRES, trainSize: 2, thresholds: THRESHOLDS, weightsPath: join(libDir, 'models', 'none') }, false)
      activateRun(core.db, runId)
      putPredictions(core.db, runId, Object.entries(unlabelled).map(([id, p]) => ({ id, probs: Float32Array.from(p) })))
      await core.close()
      return libDir
    },
    viewport: { width: 1400, height: 1000 },
  })

  const get = (id: string) => ui.api.ok<{ labelled: boolean; labels: { genre: string; source: string }[] }>('library.get', { id })
  const labelsOf = async (id: string) => (await get(id)).labels.map((l) => `${l.genre}:${l.source}`).sort()

  it('previews, writes nothing until confirmed, accepts under the rule, and undoes', async () => {
    await ui.page.goto(ui.serve.url)
    await poll(() => ui.page.locator(`${tid(T.posterCard)}`).count()).toBeGreaterThan(6)
    // Select the unlabelled posters in the library.
    await ui.page.selectOption(tid(T.labelledFilter), 'unlabelled')
    await poll(() => ui.page.locator(tid(T.posterCard)).count()).toBe(4)
    await ui.page.click(tid(T.selectAll))
    await poll(() => ui.page.locator(tid(T.selectionCount)).textContent()).toMatch(/^\s*4 selected/)

    await ui.page.click(tid(T.navTrain))
    // A cleared minimum is not 0%: Preview is disabled, with the reason.
    await ui.page.fill(tid(T.acceptMinPct), '')
    await poll(() => ui.page.locator(tid(T.acceptRuleProblem)).textContent()).toMatch(/minimum probability/)
    expect(await ui.page.locator(tid(T.acceptPreview)).isDisabled()).toBe(true)
    await ui.page.fill(tid(T.acceptMinPct), '50')
    await ui.page.fill(tid(T.acceptMaxGenres), '')
    await poll(() => ui.page.locator(tid(T.acceptRuleProblem)).textContent()).toMatch(/genres/)
    expect(await ui.page.locator(tid(T.acceptPreview)).isDisabled()).toBe(true)
    await ui.page.fill(tid(T.acceptMaxGenres), '3')
    await poll(() => ui.page.locator(tid(T.acceptRuleProblem)).count()).toBe(0)
    await ui.page.click(tid(T.acceptPreview))
    const preview = ui.page.locator(tid(T.acceptPreviewResult))
    await preview.waitFor()
    expect(await preview.textContent()).toMatch(/3 posters would gain genres;\s*1 poster skipped/)
    const gained = async () => Object.fromEntries(await preview.locator('li[data-genre]').evaluateAll((lis) => lis.map((li) => [li.getAttribute('data-genre'), li.textContent!.replace(/\s+/g, ' ').trim()])))
    expect(await gained()).toEqual({
      Action: 'Action 1 poster',
      Comedy: 'Comedy 2 posters',
      Drama: 'Drama 1 poster',
      Horror: 'Horror 1 poster',
    })
    // The preview wrote nothing.
    for (const id of Object.keys(unlabelled)) expect((await get(id)).labelled).toBe(false)
    // Changing the rule drops the preview; a stricter one previews less.
    await ui.page.fill(tid(T.acceptMaxGenres), '1')
    await poll(() => preview.count()).toBe(0)
    await ui.page.click(tid(T.acceptPreview))
    await poll(() => ui.page.locator(tid(T.acceptPreviewResult)).textContent()).toMatch(/3 posters would gain genres/)
    expect(await gained()).toEqual({ Action: 'Action 1 poster', Comedy: 'Comedy 1 poster', Horror: 'Horror 1 poster' })
    await ui.page.click(tid(T.acceptCancel))
    await ui.page.fill(tid(T.acceptMaxGenres), '3')
    await ui.page.click(tid(T.acceptPreview))
    await poll(() => ui.page.locator(tid(T.acceptPreviewResult)).textContent()).toMatch(/3 posters would gain genres/)

    await ui.page.click(tid(T.acceptConfirm))
    await poll(() => labelsOf('tt2000001')).toEqual(['Action:prediction', 'Comedy:prediction', 'Drama:prediction'])
    expect(await labelsOf('tt2000003')).toEqual(['Horror:prediction'])
    expect(await labelsOf('tt2000004')).toEqual(['Comedy:prediction'])
    expect(await get('tt2000002')).toMatchObject({ labelled: false, labels: [] })
    await poll(() => ui.page.locator(tid(T.acceptPreviewResult)).count()).toBe(0)

    mkdirSync(join(repo, 'test-results'), { recursive: true })
    await ui.page.screenshot({ path: join(repo, 'test-results', 'e2e-accept.png'), fullPage: true })

    // One undo step takes the whole acceptance back.
    await ui.page.click(tid(T.undo))
    await poll(async () => (await get('tt2000001')).labelled).toBe(false)
    expect((await get('tt2000003')).labelled).toBe(false)

    // A preview is of the active run: activating another (here from outside the page) drops it.
    await ui.page.click(tid(T.acceptPreview))
    await poll(() => ui.page.locator(tid(T.acceptPreviewResult)).count()).toBe(1)
    await ui.api.ok('model.activate', { id: olderRun })
    await poll(() => ui.page.locator(tid(T.acceptPreviewResult)).count()).toBe(0)
    expect(ui.pageErrors).toEqual([])
  }, 120_000)

  it('offers to retrain after 50 corrections by a person, from the status bar and the Train view', async () => {
    await ui.page.click(tid(T.navLibrary))
    expect(await ui.page.locator(tid(T.retrainHint)).count()).toBe(0)
    // Editing the same two posters again and again is two corrections, not fifty.
    for (let i = 0; i < 25; i++) await ui.api.ok('labels.edit', { ids: labelled, add: [i % 2 ? 'Horror' : 'Action'], remove: [i % 2 ? 'Action' : 'Horror'] })
    await poll(async () => (await ui.api.ok<{ correctionsSinceActive: number }>('model.status', {})).correctionsSinceActive).toBe(2)
    expect(await ui.page.locator(tid(T.retrainHint)).count()).toBe(0)
    // 50 distinct posters corrected (accepting never counts).
    await ui.api.ok('labels.edit', { ids: more.slice(0, 48), add: ['Action'] })
    const hint = ui.page.locator(tid(T.retrainHint))
    await poll(() => hint.textContent()).toMatch(/50 corrections since the model was trained: retrain\?/)
    await hint.click()
    await poll(() => ui.page.locator(tid(T.retrainOffer)).textContent()).toMatch(/You corrected the labels of 50 posters since the model was last trained/)
    // Said once: the sentence read "since the model was last trained was trained (...)".
    expect((await ui.page.locator(tid(T.retrainOffer)).textContent())!.replace(/\s+/g, ' ')).toMatch(/since the model was last trained \(the offer comes after 50\)\. Retrain/)
    expect(ui.pageErrors).toEqual([])
  }, 60_000)
})
