// End to end in Chromium against `posterity serve`: the suspect-label queue worked by keyboard
// (apply a suggestion with Enter, fix with the genre keys, undo with Ctrl+Z), the corrections
// checked in the library, the end of the queue, and the library ordered by the model. The
// library holds a stored run with out-of-fold probabilities (what training's cross-validation
// writes) in which two posters' labels are wrong, and stored predictions for five posters only.
import { createHash } from 'node:crypto'
import { mkdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { T } from '../../src/renderer/src/testids'
import { putRunPosters } from '../../src/main/ml/store/out-of-fold'
import { putPredictions } from '../../src/main/ml/store/runs'
import { insertStubRun } from '../../src/main/ml/store/stub-run'
import { jpeg, open, seed } from '../library/helpers'
import { hasChromium, repo } from './serve-child'
import { poll, servedInChromium, tid } from './fixture'

const GENRES = ['Action', 'Comedy', 'Drama']
const films = Array.from({ length: 30 }, (_, i) => ({ id: `tt20000${String(i).padStart(2, '0')}`, title: `Film ${i}`, genre: GENRES[i % 3] }))
// Two Action films labelled Drama; the first is the more suspect one.
const [w1, w2] = [films[0].id, films[3].id]
// The only posters with a stored prediction of the active run; Film 27 the likeliest Action.
const predictedFilms = films.slice(25).map((f, i) => ({ id: f.id, probs: Float32Array.of(i === 2 ? 0.95 : 0.2 + i / 10, 0.1, 0.1) }))

const figures = { macroAp: 0.5, microAp: 0.5, macroF1: 0.5, microF1: 0.5, hit1: 0.5, hit3: 0.5 }
/** The run's cross-validated figures, one AP bar a genre in the Train view. */
const evaluation = {
  posters: films.length,
  model: figures,
  prior: figures,
  genres: GENRES.map((genre) => ({ genre, support: 10, ap: 0.5, f1: 0.5, threshold: 0.5, priorAp: 0.3, priorF1: 0.3 })),
  rare: [],
  minSupport: 5,
  method: 'cross-validation' as const,
  folds: 5,
}

/** WCAG contrast ratio of two CSS rgb()/rgba() colours (alpha ignored). */
function contrast(a: string, b: string): number {
  const lum = (c: string) => {
    const [r, g, bl] = c.match(/[\d.]+/g)!.slice(0, 3).map((v) => {
      const x = Number(v) / 255
      return x <= 0.03928 ? x / 12.92 : ((x + 0.055) / 1.055) ** 2.4
    })
    return 0.2126 * r + 0.7152 * g + 0.0722 * bl
  }
  const [hi, lo] = [lum(a), lum(b)].sort((x, y) => y - x)
  return (hi + 0.05) / (lo + 0.05)
}

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
      // The real files, with their sizes and hashes: the poster route serves only the file that was imported.
      for (const f of films) {
        const file = join(folder, `${f.id}.jpg`)
        const hash = createHash('sha256').update(readFileSync(file)).digest('hex')
        core.db.prepare('UPDATE posters SET path = ?, size = ?, hash = ? WHERE id = ?').run(file, statSync(file).size, hash, f.id)
      }
      const runId = insertStubRun(
        core.db,
        { genres: GENRES, trainSize: films.length, seconds: 1, thresholds: [0.5, 0.5, 0.5], weightsPath: join(lib, 'models', 'none'), evaluation },
        true,
      )
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
      putPredictions(core.db, runId, predictedFilms)
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
    // The ↵ key in the Apply button reads against the button (it was white on light grey).
    const [fg, bg] = await ui.page.locator(`${tid(T.reviewAccept)} kbd`).evaluate((k) => {
      const own = getComputedStyle(k)
      const clear = own.backgroundColor === 'rgba(0, 0, 0, 0)' || own.backgroundColor === 'transparent'
      return [own.color, clear ? getComputedStyle(k.parentElement!).backgroundColor : own.backgroundColor]
    })
    expect(contrast(fg, bg)).toBeGreaterThan(4.5)
  }, 60_000)

  it('applies the suggestion with Enter and moves on, even with a button focused', async () => {
    // A clicked queue button keeps the focus: Enter still applies the suggestion, not that button.
    await ui.page.locator(tid(T.reviewQueue('suspect'))).click()
    await ui.page.keyboard.press('Enter')
    await poll(() => current().getAttribute('data-id')).toBe(w2)
    await poll(() => labelsOf(w1)).toEqual([{ genre: 'Action', source: 'user' }])
    expect(await ui.page.locator(tid(T.reviewProgress)).textContent()).toMatch(/1 of 2 reviewed/)
  }, 60_000)

  it('fixes the next poster with the genre keys and undoes the last key with Ctrl+Z', async () => {
    const key = async (g: string) => (await ui.page.locator(`${tid(T.reviewGenre(g))} kbd`).textContent())!.trim()
    expect(await pressed('Drama')).toBe('true')
    await ui.page.keyboard.press(await key('Action'))
    await poll(() => pressed('Action')).toBe('true')
    await ui.page.keyboard.press(await key('Drama'))
    await poll(() => pressed('Drama')).toBe('false')
    await poll(async () => (await labelsOf(w2)).map((l) => l.genre)).toEqual(['Action'])
    const progress = () => ui.page.locator(tid(T.reviewProgress)).textContent()
    await poll(progress).toMatch(/2 of 2 reviewed/)
    await ui.page.keyboard.press('Control+z')
    await poll(() => pressed('Drama')).toBe('true')
    expect(await pressed('Action')).toBe('true')
    await poll(async () => (await labelsOf(w2)).map((l) => l.genre).sort()).toEqual(['Action', 'Drama'])
    // Its Action key's edit stands: the poster is still fixed.
    expect(await progress()).toMatch(/2 of 2 reviewed/)
    // Undo twice more: the Action key's edit, then the suggestion applied to the first poster, which comes back.
    await ui.page.keyboard.press('Control+z')
    await poll(async () => (await labelsOf(w2)).map((l) => l.genre)).toEqual(['Drama'])
    await poll(progress).toMatch(/1 of 2 reviewed/)
    await ui.page.keyboard.press('Control+z')
    await poll(() => current().getAttribute('data-id')).toBe(w1)
    await poll(() => labelsOf(w1)).toEqual([{ genre: 'Drama', source: 'imported' }])
    await poll(progress).toMatch(/0 of 2 reviewed/)
    // Redo through the toolbar brings the fix back.
    await ui.page.locator(tid(T.redo)).click()
    await poll(() => labelsOf(w1)).toEqual([{ genre: 'Action', source: 'user' }])
  }, 60_000)

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
  }, 60_000)

  it('ends the session in a "queue done" state; → / j past the end marks nothing', async () => {
    const done = ui.page.locator(tid(T.reviewDone))
    const badge = () => current().locator('.done').textContent()
    await poll(() => current().getAttribute('data-id')).toBe(w1)
    await ui.page.keyboard.press('j')
    await poll(() => current().getAttribute('data-id')).toBe(w2)
    // Enter on the last poster applies the suggestion and ends the session.
    await poll(() => ui.page.locator(tid(T.reviewAccept)).isEnabled()).toBe(true)
    await ui.page.keyboard.press('Enter')
    await poll(() => done.textContent()).toMatch(/Queue done: 1 reviewed/)
    expect(await done.textContent()).toMatch(/1 applied or fixed, 1 skipped/)
    expect(await current().count()).toBe(0)
    await poll(async () => (await labelsOf(w2)).map((l) => l.genre)).not.toEqual(['Drama'])
    // The other queues, with their sizes, and this one ranked again.
    await poll(() => ui.page.locator(tid(T.reviewSwitch('uncertain'))).textContent()).toMatch(/Uncertain\s*0/)
    expect(await ui.page.locator(tid(T.reviewSwitch('suspect'))).count()).toBe(0)
    mkdirSync(join(repo, 'test-results'), { recursive: true })
    await ui.page.screenshot({ path: join(repo, 'test-results', 'e2e-review-done.png') })
    // j with nothing left does nothing; k goes back to the last poster, still "accepted".
    await ui.page.keyboard.press('j')
    await ui.page.keyboard.press('k')
    await poll(() => current().getAttribute('data-id')).toBe(w2)
    expect(await badge()).toBe('accepted')
    // Moving past a poster already handled keeps what was done to it.
    await ui.page.keyboard.press('j')
    await poll(() => done.count()).toBe(1)
    await ui.page.keyboard.press('k')
    await ui.page.keyboard.press('k')
    await poll(() => current().getAttribute('data-id')).toBe(w1)
    expect(await badge()).toBe('skipped')
    await ui.page.keyboard.press('j')
    await ui.page.keyboard.press('j')
    await poll(() => done.count()).toBe(1)
    await ui.page.locator(tid(T.reviewReload)).click()
    await poll(() => done.count()).toBe(0)
    await poll(async () => (await current().count()) + (await ui.page.locator(tid(T.reviewEmpty)).count())).toBe(1)
    expect(ui.pageErrors).toEqual([])
  }, 60_000)

  it('orders the library by a probability and back to the title sort, saying which posters it cannot rank', async () => {
    const firstCard = () => ui.page.locator(`${tid(T.posterCard)}#poster-0`).getAttribute('data-id')
    await ui.page.locator(tid(T.navLibrary)).click()
    await ui.page.locator(tid(T.searchInput)).fill('')
    await poll(firstCard).toBe(films[0].id) // "Film 0": by title, A to Z
    await ui.page.selectOption(tid(T.predictionOrder), 'p:Action')
    await poll(firstCard).toBe(films[27].id)
    // 25 of the 30 posters have no stored prediction: said, with where to predict them.
    const note = ui.page.locator(tid(T.predictionCoverage))
    await poll(() => note.textContent()).toMatch(/25 of the 30 posters have no stored prediction/)
    expect(await note.textContent()).toMatch(/Predict all posters/)
    // The order has its own direction; clearing it leaves the title sort as it was (not Z to A).
    await ui.page.locator(tid(T.predictionOrderDir)).click()
    await poll(firstCard).toBe(films[25].id)
    await ui.page.selectOption(tid(T.predictionOrder), '')
    await poll(firstCard).toBe(films[0].id)
    await poll(() => note.count()).toBe(0)
    expect(ui.pageErrors).toEqual([])
  }, 60_000)
  it("keeps a genre's out-of-fold errors listed in the Train view when the genre is renamed, and after its undo", async () => {
    const page = ui.page
    const errors = page.locator(tid(T.genreErrors))
    const heading = () => errors.locator('h4').textContent()
    await page.click(tid(T.navTrain))
    await page.selectOption(tid(T.errorsGenre), 'Action')
    await poll(heading).toMatch(/^Action: /)
    await poll(() => errors.locator('[data-side]').count()).toBe(2)
    await page.click(tid(T.navGenres))
    const row = page.locator(`${tid(T.genreManager)} [data-genre="Action"]`)
    await row.getByRole('button', { name: 'Rename' }).click()
    await row.locator('input').fill('Thrills')
    await page.keyboard.press('Enter')
    await poll(() => page.locator(`${tid(T.genreManager)} [data-genre="Thrills"]`).count()).toBe(1)
    await page.click(tid(T.navTrain))
    // The list follows its genre to the new name; the picker and the chart offer the new name.
    await poll(heading).toMatch(/^Thrills: /)
    await poll(() => page.locator(`${tid(T.errorsGenre)} option`).allTextContents()).toContain('Thrills')
    expect(await page.locator(`${tid(T.errorsGenre)} option`).allTextContents()).not.toContain('Action')
    // Picked again under its new name, it lists the same errors (before, the run "had no genre").
    await errors.getByRole('button', { name: 'Close the error lists' }).click()
    await poll(() => errors.count()).toBe(0)
    await page.selectOption(tid(T.errorsGenre), 'Thrills')
    await poll(heading).toMatch(/^Thrills: /)
    await poll(() => errors.locator('[data-side]').count()).toBe(2)
    // Undo the rename: back to Action, the list with it.
    await page.keyboard.press('Control+z')
    await poll(heading).toMatch(/^Action: /)
    expect(await page.locator('[role="alert"]').allTextContents()).toEqual(expect.not.arrayContaining([expect.stringMatching(/Could not list/)]))
    expect(ui.pageErrors).toEqual([])
  }, 60_000)
  it('keeps the genre filter and the model filter and order on a genre renamed meanwhile, and after its undo', async () => {
    const page = ui.page
    const cards = page.locator(tid(T.posterCard))
    const firstCard = () => page.locator(`${tid(T.posterCard)}#poster-0`).getAttribute('data-id')
    await page.click(tid(T.navLibrary))
    await page.selectOption(tid(T.predictedFilter), 'Action')
    await page.selectOption(tid(T.predictionOrder), 'p:Action')
    await page.locator(tid(T.genreFilter('Action'))).check()
    // Of the three posters predicted Action (Films 27, 28, 29), Film 27 is labelled Action.
    await poll(() => cards.count()).toBe(1)
    await poll(firstCard).toBe(films[27].id)
    await ui.api.ok('genres.rename', { name: 'Action', to: 'Thrills' })
    await poll(() => page.locator(tid(T.predictedFilter)).inputValue()).toBe('Thrills')
    expect(await page.locator(tid(T.predictionOrder)).inputValue()).toBe('p:Thrills')
    expect(await page.locator(tid(T.genreFilter('Thrills'))).isChecked()).toBe(true)
    await poll(firstCard).toBe(films[27].id)
    expect(await cards.count()).toBe(1)
    // Its undo (Ctrl+Z here): back to Action, the filters with it.
    await page.keyboard.press('Control+z')
    await poll(() => page.locator(tid(T.predictedFilter)).inputValue()).toBe('Action')
    expect(await page.locator(tid(T.predictionOrder)).inputValue()).toBe('p:Action')
    expect(await page.locator(tid(T.genreFilter('Action'))).isChecked()).toBe(true)
    await poll(firstCard).toBe(films[27].id)
    expect(await page.getByText(/Could not load posters/).allTextContents()).toEqual([])
    // A deleted genre leaves them: every poster is listed again.
    await ui.api.ok('genres.remove', { name: 'Action' })
    await poll(() => page.locator(tid(T.predictedFilter)).inputValue()).toBe('')
    expect(await page.locator(tid(T.predictionOrder)).inputValue()).toBe('')
    await poll(() => page.locator('.total').first().textContent()).toBe(`${films.length} posters`)
    expect(await page.getByText(/Could not load posters/).count()).toBe(0)
    await ui.api.ok('labels.undo', {})
    expect(ui.pageErrors).toEqual([])
  }, 60_000)
})
