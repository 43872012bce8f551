// End to end in Chromium against `posterity serve`: deleting posters (asked first) and
// undoing it, merging genres (asked first) and undoing it without touching an earlier label
// edit, editing a title, the label-source chips. Screenshots of the grid chips and the
// detail are kept in test-results/.
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import sharp from 'sharp'
import { describe, expect, it } from 'vitest'
import { openCore } from '../../src/main/core'
import { startImport } from '../../src/main/importer/handlers'
import { T } from '../../src/renderer/src/testids'
import { hasChromium, repo } from './serve-child'
import { poll, servedInChromium, tid } from './fixture'

const films = [
  { id: 'tt2000001', title: 'Amélie', year: 2001, genres: ['Comedy', 'Romance'] },
  { id: 'tt2000002', title: 'Blade Runner 2049', year: 2017, genres: ['Science Fiction', 'Thriller', 'Mystery'] },
  { id: 'tt2000003', title: 'Casablanca', year: 1942, genres: ['Drama', 'Romance', 'War'] },
  { id: 'tt2000004', title: 'Dune', year: 2021, genres: ['Adventure'] },
  { id: 'tt2000005', title: 'Eraserhead', year: 1977, genres: ['Horror', 'Fantasy'] },
  { id: 'tt2000006', title: 'Fargo', year: 1996, genres: ['Crime', 'Drama', 'Thriller'] },
]
const GENRES = [...new Set(films.flatMap((f) => f.genres))]

describe.skipIf(!hasChromium)('library management in Chromium (posterity serve)', () => {
  const ui = servedInChromium({
    name: 'manage',
    prepare: async (root) => {
      const folder = join(root, 'posters')
      mkdirSync(folder)
      for (const [i, f] of films.entries()) {
        await sharp({ create: { width: 200, height: 300, channels: 3, background: { r: 40 * i, g: 120, b: 200 - 30 * i } } })
          .composite([{ input: await sharp({ create: { width: 200, height: 30, channels: 3, background: '#fff' } }).png().toBuffer(), top: 25 * i, left: 0 }])
          .jpeg({ quality: 85 })
          .toFile(join(folder, `${f.id}.jpg`))
      }
      writeFileSync(
        join(root, 'labels.csv'),
        [['Id', 'Genre', ...GENRES].join(','), ...films.map((f) => [f.id, 'x', ...GENRES.map((g) => (f.genres.includes(g) ? 1 : 0))].join(','))].join('\n') + '\n',
      )
      writeFileSync(join(root, 'movies.csv'), ['Id,Title,Year', ...films.map((f) => `${f.id},${f.title},${f.year}`)].join('\n') + '\n')
      const lib = join(root, 'library')
      const core = openCore({ libraryDir: lib })
      const r = await (await startImport(core, { paths: [folder], labels: join(root, 'labels.csv'), metadata: join(root, 'movies.csv') })).promise
      expect(r?.added).toBe(films.length)
      // One accepted prediction, so the grid shows every kind of chip.
      core.db.prepare(`INSERT INTO labels (poster_id, genre_id, source) SELECT 'tt2000004', id, 'prediction' FROM genres WHERE name = 'Crime'`).run()
      await core.close()
      return lib
    },
    env: (root) => ({ POSTERITY_STATE_DIR: join(root, 'state') }),
    viewport: { width: 1280, height: 820 },
  })

  const cards = () => ui.page.locator(tid(T.posterCard))
  const card = (id: string) => ui.page.locator(`${tid(T.posterCard)}[data-id="${id}"]`)
  const get = (id: string) => ui.api.ok<{ genres: string[]; labels: { genre: string; source: string }[] }>('library.get', { id })

  it('shows whole chips with +N, marked by source, and search folds accents', async () => {
    await ui.page.goto(ui.serve.url)
    await poll(() => cards().count()).toBe(films.length)
    // Three long genres never fit a card: whole chips then "+N", none cut mid-word (only a first
    // chip too wide for the card is cut, with an ellipsis: see the small thumbnails below).
    const chips = card('tt2000002').locator('.chip:not(.cut)')
    await poll(() => card('tt2000002').locator('.more').textContent()).toMatch(/^\+\d$/)
    const clipped = await chips.evaluateAll((els) => els.filter((e) => e.scrollWidth > e.clientWidth + 1 || e.getBoundingClientRect().right > e.closest('.card')!.getBoundingClientRect().right).length)
    expect(clipped).toBe(0)
    // Bigger thumbnails: fewer columns, room for more chips.
    const width = () => card('tt2000004').evaluate((e) => e.getBoundingClientRect().width)
    const narrow = await width()
    await ui.page.locator(tid(T.thumbSize)).fill('250')
    await poll(width).toBeGreaterThan(narrow + 50)
    const pred = card('tt2000004').locator('.chip.src-prediction')
    await poll(() => pred.count()).toBe(1)
    expect(await pred.getAttribute('title')).toMatch(/Crime: accepted model prediction/)
    mkdirSync(join(repo, 'test-results'), { recursive: true })
    await ui.page.screenshot({ path: join(repo, 'test-results', 'e2e-manage-grid.png') })
    await ui.page.locator(tid(T.thumbSize)).fill('150')
    await ui.page.fill(tid(T.searchInput), '  AMELIE ')
    await poll(() => cards().count()).toBe(1)
    // One poster is "1 poster" above the grid, not "1 posters".
    expect(await ui.page.locator('.toolbar .total').textContent()).toBe('1 poster')
    await ui.page.fill(tid(T.searchInput), '')
    await poll(() => cards().count()).toBe(films.length)
    expect(await ui.page.locator('.toolbar .total').textContent()).toBe(`${films.length} posters`)
    // The source filter.
    await ui.page.selectOption(tid(T.sourceFilter), 'prediction')
    await poll(() => cards().count()).toBe(1)
    await ui.page.selectOption(tid(T.sourceFilter), '')
    await poll(() => cards().count()).toBe(films.length)
  }, 60_000)

  it('deletes a selection after asking, and undo brings posters, labels and thumbnails back', async () => {
    await card('tt2000001').click()
    await card('tt2000004').click({ modifiers: ['Control'] })
    await poll(() => ui.page.locator(tid(T.selectionCount)).textContent()).toMatch(/^\s*2 selected/)
    await ui.page.click(tid(T.deleteSelection))
    const dialog = ui.page.locator(tid(T.confirmDialog))
    await dialog.waitFor()
    expect(await dialog.textContent()).toMatch(/Delete 2 posters\?/)
    // Cancel first: nothing happens.
    await ui.page.click(tid(T.confirmCancel))
    await poll(() => dialog.count()).toBe(0)
    expect(await cards().count()).toBe(films.length)
    await ui.page.click(tid(T.deleteSelection))
    await ui.page.click(tid(T.confirmOk))
    await poll(() => cards().count()).toBe(films.length - 2)
    expect((await ui.api.ok<{ posters: number }>('library.stats')).posters).toBe(films.length - 2)
    await poll(() => ui.page.locator(tid(T.toastAction)).count()).toBeGreaterThan(0)
    await ui.page.keyboard.press('Control+z')
    await poll(() => cards().count()).toBe(films.length)
    expect((await get('tt2000001')).genres).toEqual(['Comedy', 'Romance'])
    await poll(() => card('tt2000004').locator('img').evaluate((i) => (i as HTMLImageElement).naturalWidth)).toBeGreaterThan(0)
  }, 60_000)

  it('edits a title in the detail, undoably', async () => {
    await ui.page.keyboard.press('Escape')
    await card('tt2000005').dblclick()
    const detail = ui.page.locator(tid(T.posterDetail))
    await poll(() => detail.getAttribute('data-id')).toBe('tt2000005')
    await ui.page.click(tid(T.detailEdit))
    await ui.page.fill(tid(T.detailTitle), 'Eraserhead (restored)')
    await ui.page.fill(tid(T.detailYear), '19x7')
    await ui.page.click(tid(T.detailSave))
    await poll(() => detail.textContent()).toMatch(/four digits/)
    await ui.page.fill(tid(T.detailYear), '1978')
    await ui.page.keyboard.press('Enter')
    await poll(() => detail.locator('h2').textContent()).toMatch(/Eraserhead \(restored\)\s*\(1978\)/)
    await ui.page.screenshot({ path: join(repo, 'test-results', 'e2e-manage-detail.png') })
    await ui.page.keyboard.press('Control+z')
    await poll(async () => (await ui.api.ok<{ title: string; year: number }>('library.get', { id: 'tt2000005' })).year).toBe(1977)
    await poll(() => detail.locator('h2').textContent()).toMatch(/^\s*Eraserhead\s*\(1977\)/)
  }, 60_000)

  it('a key that clears the genres shows a toast whose Undo brings them back', async () => {
    const detail = ui.page.locator(tid(T.posterDetail))
    await card('tt2000001').dblclick()
    await poll(() => detail.getAttribute('data-id')).toBe('tt2000001')
    // data-id is set before the poster has loaded; a key pressed before then does nothing.
    await poll(() => detail.locator('h2').textContent()).toMatch(/Amélie/)
    await ui.page.keyboard.press('n') // no genre
    await poll(async () => (await get('tt2000001')).genres).toEqual([])
    const toast = ui.page.locator('.toast', { hasText: 'Cleared 2 genres of Amélie' })
    await poll(() => toast.count()).toBe(1)
    await toast.locator(tid(T.toastAction)).click()
    await poll(async () => (await get('tt2000001')).genres).toEqual(['Comedy', 'Romance'])
    // A toast's Undo takes back its own edit only: after a later edit it says so and undoes nothing.
    await detail.locator('h2').click()
    await ui.page.keyboard.press('n')
    await poll(async () => (await get('tt2000001')).genres).toEqual([])
    const second = ui.page.locator('.toast', { hasText: 'Cleared 2 genres of Amélie' }).last()
    await poll(() => second.count()).toBe(1)
    const drama = (await ui.page.locator(tid(T.detailGenre('Drama'))).locator('kbd').textContent())!.trim()
    await ui.page.keyboard.press(drama)
    await poll(async () => (await get('tt2000001')).genres).toEqual(['Drama'])
    await second.locator(tid(T.toastAction)).click()
    await poll(() => ui.page.locator('.toast', { hasText: 'Later edits came after this one' }).count()).toBe(1)
    expect((await get('tt2000001')).genres).toEqual(['Drama'])
    await ui.page.keyboard.press('Control+z')
    await poll(async () => (await get('tt2000001')).genres).toEqual([])
    await ui.page.keyboard.press('Control+z')
    await poll(async () => (await get('tt2000001')).genres).toEqual(['Comedy', 'Romance'])
    await ui.page.keyboard.press('Escape')
    await card('tt2000005').dblclick()
    await poll(() => detail.getAttribute('data-id')).toBe('tt2000005')
  }, 60_000)

  it('merges genres after asking; undo splits them and leaves the earlier label edit alone', async () => {
    // An earlier, unrelated label edit by keyboard: add Drama to Eraserhead.
    const chip = (g: string) => ui.page.locator(tid(T.detailGenre(g)))
    const key = (await chip('Drama').locator('kbd').textContent())!.trim()
    await ui.page.keyboard.press(key)
    await poll(async () => (await get('tt2000005')).genres).toContain('Drama')
    await ui.page.keyboard.press('Escape')
    await ui.page.click(tid(T.navGenres))
    await ui.page.click(tid(T.genreMerge('Thriller')))
    await ui.page.selectOption(tid(T.genreMerge('Thriller-target')), 'Mystery')
    await ui.page.click(tid(T.genreMerge('Thriller-submit')))
    await ui.page.locator(tid(T.confirmDialog)).waitFor()
    expect(await ui.page.locator(tid(T.confirmDialog)).textContent()).toMatch(/Merge Thriller into Mystery\?/)
    await ui.page.click(tid(T.confirmOk))
    const names = async () => (await ui.api.ok<{ genres: { name: string; count: number }[] }>('genres.list')).genres
    await poll(async () => (await names()).map((g) => g.name)).not.toContain('Thriller')
    expect((await names()).find((g) => g.name === 'Mystery')?.count).toBe(2)
    await poll(() => ui.page.locator('[data-genre="Thriller"]').count()).toBe(0)
    await ui.page.keyboard.press('Control+z')
    await poll(async () => (await names()).map((g) => g.name)).toContain('Thriller')
    await poll(() => ui.page.locator('[data-genre="Thriller"]').count()).toBe(1)
    expect((await names()).find((g) => g.name === 'Mystery')?.count).toBe(1)
    expect((await get('tt2000006')).genres.sort()).toEqual(['Crime', 'Drama', 'Thriller'])
    // The unrelated earlier edit is still there.
    expect((await get('tt2000005')).genres).toContain('Drama')
    expect(ui.pageErrors).toEqual([])
  }, 60_000)

  it('refuses a genre name the label files could not keep, in the form, saying why', async () => {
    const input = ui.page.getByLabel('New genre name')
    const problem = ui.page.locator(tid(T.genreProblem))
    for (const [name, why] of [
      ['Title', /column name in label files/],
      ['"Noir"', /quote mark/],
      ['A|B', /cannot contain "\|"/],
    ] as const) {
      await input.fill(name)
      await input.press('Enter')
      await poll(() => problem.textContent()).toMatch(why)
      expect(await problem.textContent()).toMatch(/1 to 40 characters/)
    }
    expect(await ui.page.locator('.toast').filter({ hasText: 'genres.add' }).count()).toBe(0)
    const names = (await ui.api.ok<{ genres: { name: string }[] }>('genres.list')).genres.map((g) => g.name)
    expect(names).not.toContain('Title')
    await input.fill('')
  })

  it('Unlabel in the toolbar with one poster selected offers Undo too', async () => {
    await ui.page.click(tid(T.navLibrary))
    await ui.page.keyboard.press('Escape')
    await poll(() => cards().count()).toBe(films.length)
    await card('tt2000003').click()
    await poll(() => ui.page.locator(tid(T.selectionCount)).textContent()).toMatch(/^\s*1 selected/)
    await ui.page.click(tid(T.bulkUnlabel))
    await poll(async () => (await get('tt2000003')).genres).toEqual([])
    const toast = ui.page.locator('.toast', { hasText: 'Casablanca is unlabelled again' })
    await poll(() => toast.count()).toBe(1)
    await toast.locator(tid(T.toastAction)).click()
    await poll(async () => (await get('tt2000003')).genres.sort()).toEqual(['Drama', 'Romance', 'War'])
    await ui.page.keyboard.press('Escape')
  }, 60_000)

  it('at small thumbnails a card names its first genre, cut with an ellipsis, rather than "+N" alone', async () => {
    const width = () => card('tt2000002').evaluate((e) => e.getBoundingClientRect().width)
    const before = await width()
    await ui.page.locator(tid(T.thumbSize)).fill('130')
    await poll(width).toBeLessThan(before)
    // Every card with genres shows a chip; a cut one is the only chip, ends in an ellipsis and keeps its name in the tooltip.
    const lines = () =>
      cards().evaluateAll((els) =>
        els.map((c) => {
          const meta = c.querySelector('.meta')!
          const cut = meta.querySelector<HTMLElement>('.chip.cut')
          return {
            chips: meta.querySelectorAll('.chip').length,
            more: !!meta.querySelector('.more'),
            cut: cut ? { ellipsis: getComputedStyle(cut).textOverflow, inside: cut.getBoundingClientRect().right <= c.getBoundingClientRect().right, title: cut.title } : null,
          }
        }),
      )
    await poll(async () => (await lines()).filter((l) => l.more && l.chips === 0).length).toBe(0)
    const all = await lines()
    const cut = all.filter((l) => l.cut)
    expect(cut.length).toBeGreaterThan(0)
    for (const l of cut) {
      expect(l.chips).toBe(1)
      expect(l.cut).toMatchObject({ ellipsis: 'ellipsis', inside: true, title: expect.stringMatching(/^\S/) })
    }
    await ui.page.screenshot({ path: join(repo, 'test-results', 'e2e-manage-small-thumbs.png') })
    await ui.page.locator(tid(T.thumbSize)).fill('150')
    expect(ui.pageErrors).toEqual([])
  }, 60_000)
  it('the library dialog takes the focus and Esc closes it, also after deleting an import, which Ctrl+Z brings back', async () => {
    const page = ui.page
    const dialog = page.locator('[role="dialog"][aria-labelledby="library-title"]')
    await page.click(tid(T.navLibrary))
    await poll(() => cards().count()).toBe(films.length)
    await page.click(tid(T.libraryOpen))
    await poll(() => dialog.count()).toBe(1)
    // Opened from its button: the focus is in the dialog (Tab does not walk the page behind it), Esc closes it.
    await poll(() => page.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe(T.libraryPath)
    await page.keyboard.press('Escape')
    await poll(() => dialog.count()).toBe(0)
    expect(await page.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe(T.libraryOpen)
    // Deleting the import asks first; the import's Delete button goes with its posters, and the focus with it.
    await page.click(tid(T.libraryOpen))
    await page.locator(tid(T.importDelete)).click()
    await poll(() => page.locator(tid(T.confirmDialog)).textContent()).toMatch(new RegExp(`Delete the ${films.length} posters of import`))
    await page.click(tid(T.confirmOk))
    await poll(() => cards().count()).toBe(0)
    await poll(() => page.locator(tid(T.importDelete)).count()).toBe(0)
    await page.keyboard.press('Escape')
    await poll(() => dialog.count()).toBe(0)
    await page.keyboard.press('Control+z')
    await poll(() => cards().count()).toBe(films.length)
    expect(ui.pageErrors).toEqual([])
  }, 60_000)

  it('creates a second library from the dialog, lists the first under Recent, and switches back to it', async () => {
    const page = ui.page
    const first = join(ui.root, 'library')
    const second = join(ui.root, 'second library')
    await page.click(tid(T.libraryOpen))
    await page.locator(tid(T.libraryPath)).fill(second)
    await page.click(tid(T.libraryCreatePath))
    // The new library is empty and named in the bar.
    await poll(() => cards().count()).toBe(0)
    await poll(() => page.locator(tid(T.libraryOpen)).textContent()).toMatch(/second library/)
    await page.click(tid(T.libraryOpen))
    const recent = page.getByRole('list', { name: 'Recent' })
    await poll(() => recent.locator(tid(T.libraryRecent)).allTextContents()).toContainEqual(expect.stringContaining(first))
    await recent.locator(tid(T.libraryRecent), { hasText: first }).first().click()
    await poll(() => cards().count()).toBe(films.length)
    await poll(() => page.locator(tid(T.libraryOpen)).textContent()).toMatch(/library/)
    expect(ui.pageErrors).toEqual([])
  }, 60_000)
})
