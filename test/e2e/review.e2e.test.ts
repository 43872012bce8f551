// End to end in Chromium against `posterity serve`: the suspect-label queue worked by keyboard
// (apply a suggestion with Enter, fix with the genre keys, undo with Ctrl+Z), then the
// corrections checked in the library. The library holds a stored run with out-of-fold
// probabilities (what training's cross-validation writes) in which two posters' labels are wrong.
import { mkdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { T } from '../../src/renderer/src/testids'
import { putRunPosters } from '../../src/main/ml/store/out-of-fold'
import { insertStubRun } from '../../src/main/ml/store/stub-run'
import { jpeg, open, seed } from '../library/helpers'
import { hasChromium } from './serve-child'
import { poll, servedInChromium, tid } from './fixture'

const GENRES = ['Action', 'Comedy', 'Drama']
const films = Array.from({ length: 30 }, (_, i) => ({ id: `tt20000${String(i).padStart(2, '0')}`, title: `Film ${i}`, genre: GENRES[i % 3] }))
// Two Action films labelled Drama; the first is the more suspect one.
const [w1, w2] = [films[0].id, films[3].id]

describe.skipIf(!hasChromium)('the Review view in Chromium (posterity serve)', () => {
  const ui = servedInChromium({
    name: 'review',
    prepare: async (root) => {
      const lib = join(root, 'library')
      const folder = join(root, 'posters')
      mkdirSync(folder)
      for (const [i, f] of films.entries()) await jpeg(join(folder, `${f.id}.jpg`), { seed: i + 1 })
      const core = open(lib)
      seed(
        core,
        films.map((f) => ({ id: f.id, title: f.title, genres: [f.id === w1 || f.id === w2 ? 'Drama' : f.genre] })),
      )
      // The real files, with their sizes: the poster route serves only the file that was imported.
      for (const f of films) {
        const file = join(folder, `${f.id}.jpg`)
        core.db.prepare('UPDATE posters SET path = ?, size = ? WHERE id = ?').run(file, statSync(file).size, f.id)
      }
      const runId = insertStubRun(core.db, { genres: GENRES, trainSize: films.length, seconds: 1, thresholds: [0.5, 0.5, 0.5], weightsPath: join(lib, 'models', 'none') }, true)
      putRunPosters(
        core.db,
        runId,
        films.map((f, i) => ({
          id: f.id,
          fold: i % 5,
          probs:
            f.id === w1 ? Float32Array.of(0.97, 0.04, 0.02) : f.id === w2 ? Float32Array.of(0.9, 0.6, 0.08) : Float32Array.from(GENRES, (g) => (g === f.genre ? 0.8 : 0.1)),
        })),
      )
      await core.close()
      return lib
    },
  })

  const current = () => ui.page.locator(tid(T.reviewCurrent))
  const pressed = (g: string) => ui.page.locator(tid(T.reviewGenre(g))).getAttribute('aria-pressed')
  const labelsOf = async (id: string) => (await ui.api.ok<{ labels: { genre: string; source: string }[] }>('library.get', { id })).labels

  it('opens on the suspect queue, most suspect first, with its fix and counts', async () => {
    await ui.page.goto(`${ui.serve.url}#/review`)
    await poll(() => current().getAttribute('data-id')).toBe(w1)
    await poll(() => ui.page.locator(tid(T.reviewQueue('suspect'))).textContent()).toMatch(/Suspect labels\s*2/)
    expect(await ui.page.locator(tid(T.reviewQueue('suspect'))).getAttribute('aria-checked')).toBe('true')
    // Each edit with the probability behind it.
    expect((await ui.page.locator(tid(T.reviewEdit)).allTextContents()).map((e) => e.trim())).toEqual([expect.stringMatching(/^\+ Action\s+\d+%$/), expect.stringMatching(/^− Drama\s+\d+%$/)])
    expect(await ui.page.locator(`${tid(T.reviewLabels)} [data-genre]`).allTextContents()).toEqual([expect.stringMatching(/Drama\s+imported/)])
    expect(await ui.page.locator(tid(T.reviewProbs)).textContent()).toMatch(/Action.*97%/)
    // Why: a Drama poster the model reads as Action is a whole set gone wrong, not one genre.
    expect(await ui.page.locator(tid(T.reviewWhy)).textContent()).toMatch(/whole label set/)
    // The image of the poster under review loads.
    await poll(() => ui.page.locator('.review .image img').evaluate((i) => (i as HTMLImageElement).naturalWidth)).toBeGreaterThan(0)
  })

  it('applies the suggestion with Enter and moves on, even with a button focused', async () => {
    // A clicked queue button keeps the focus: Enter still applies the suggestion, not that button.
    await ui.page.locator(tid(T.reviewQueue('suspect'))).click()
    await ui.page.keyboard.press('Enter')
    await poll(() => current().getAttribute('data-id')).toBe(w2)
    await poll(() => labelsOf(w1)).toEqual([{ genre: 'Action', source: 'user' }])
    expect(await ui.page.locator(tid(T.reviewProgress)).textContent()).toMatch(/1 of 2 reviewed/)
  })

  it('fixes the next poster with the genre keys and undoes the last key with Ctrl+Z', async () => {
    const key = async (g: string) => (await ui.page.locator(`${tid(T.reviewGenre(g))} kbd`).textContent())!.trim()
    expect(await pressed('Drama')).toBe('true')
    await ui.page.keyboard.press(await key('Action'))
    await poll(() => pressed('Action')).toBe('true')
    await ui.page.keyboard.press(await key('Drama'))
    await poll(() => pressed('Drama')).toBe('false')
    await poll(async () => (await labelsOf(w2)).map((l) => l.genre)).toEqual(['Action'])
    await ui.page.keyboard.press('Control+z')
    await poll(() => pressed('Drama')).toBe('true')
    expect(await pressed('Action')).toBe('true')
    await poll(async () => (await labelsOf(w2)).map((l) => l.genre).sort()).toEqual(['Action', 'Drama'])
    // Undo twice more: the Action key's edit, then the suggestion applied to the first poster, which comes back.
    await ui.page.keyboard.press('Control+z')
    await poll(async () => (await labelsOf(w2)).map((l) => l.genre)).toEqual(['Drama'])
    await ui.page.keyboard.press('Control+z')
    await poll(() => current().getAttribute('data-id')).toBe(w1)
    await poll(() => labelsOf(w1)).toEqual([{ genre: 'Drama', source: 'imported' }])
    // Redo through the toolbar brings the fix back.
    await ui.page.locator(tid(T.redo)).click()
    await poll(() => labelsOf(w1)).toEqual([{ genre: 'Action', source: 'user' }])
  })

  it('shows the corrections in the library', async () => {
    await ui.page.locator(tid(T.navLibrary)).click()
    await ui.page.locator(tid(T.searchInput)).fill(w1)
    const card = ui.page.locator(`${tid(T.posterCard)}[data-id="${w1}"]`)
    await poll(() => card.textContent()).toMatch(/Action/)
    expect(await card.textContent()).not.toMatch(/Drama/)
    await ui.page.locator(tid(T.searchInput)).fill(w2)
    await poll(() => ui.page.locator(`${tid(T.posterCard)}[data-id="${w2}"]`).textContent()).toMatch(/Drama/)
    // The suspect queue now holds only the poster still wrong.
    await ui.page.locator(tid(T.navReview)).click()
    await poll(() => ui.page.locator(tid(T.reviewQueue('suspect'))).textContent()).toMatch(/Suspect labels\s*1/)
    expect(ui.pageErrors).toEqual([])
  })
})
