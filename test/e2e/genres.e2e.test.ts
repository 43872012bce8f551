// End to end in Chromium against `posterity serve`: the Genres view by keyboard and by drag.
// The arrows keep the focus on the row moved (pressed again, they move it again); a genre
// dragged onto a row below goes after that row (so to the end of the list, or one row down);
// the merge form takes the focus and closes on Esc, as the rename form does, the focus back on
// the button that opened it; the poster detail's genre keys follow the new order.
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import sharp from 'sharp'
import { describe, expect, it } from 'vitest'
import { openCore } from '../../src/main/core'
import { startImport } from '../../src/main/importer/handlers'
import { T } from '../../src/renderer/src/testids'
import { hasChromium } from './serve-child'
import { poll, servedInChromium, tid } from './fixture'

const GENRES = ['Action', 'Comedy', 'Drama', 'Horror', 'Romance']

describe.skipIf(!hasChromium)('the Genres view by keyboard and drag (Chromium)', () => {
  const ui = servedInChromium({
    name: 'genres',
    prepare: async (root) => {
      const folder = join(root, 'posters')
      mkdirSync(folder)
      const ids = ['tt3000001', 'tt3000002', 'tt3000003']
      for (const [i, id] of ids.entries())
        await sharp({ create: { width: 120, height: 180, channels: 3, background: { r: 60 * i, g: 90, b: 200 - 50 * i } } }).jpeg().toFile(join(folder, `${id}.jpg`))
      writeFileSync(join(root, 'labels.csv'), ['Id,Genre,' + GENRES.join(','), ...ids.map((id, i) => `${id},x,${GENRES.map((_, j) => (j === i ? 1 : 0)).join(',')}`)].join('\n') + '\n')
      const lib = join(root, 'library')
      const core = openCore({ libraryDir: lib })
      await (await startImport(core, { paths: [folder], labels: join(root, 'labels.csv') })).promise
      for (const g of GENRES) if (!core.db.prepare('SELECT 1 FROM genres WHERE name = ?').get(g)) core.db.prepare('INSERT INTO genres (name, position) VALUES (?, 99)').run(g)
      await core.close()
      return lib
    },
    viewport: { width: 1000, height: 800 },
  })

  const shown = () => ui.page.locator('.list .row .name').allInnerTexts()
  const stored = async () => (await ui.api.ok<{ genres: { name: string }[] }>('genres.list')).genres.map((g) => g.name)
  const focused = () => ui.page.evaluate(() => document.activeElement?.getAttribute('aria-label') ?? document.activeElement?.textContent?.trim() ?? null)

  it('the arrows keep the focus: Enter pressed again moves the same genre again', async () => {
    await ui.page.goto(ui.serve.url)
    // The app's first reads (library facts, genres, jobs) land before the first key, so none of
    // them re-renders the list under it.
    await poll(() => ui.page.locator(tid(T.statusBar)).textContent()).toMatch(/posters/)
    await ui.page.click(tid(T.navGenres))
    await poll(shown).toEqual(GENRES)
    // Each step waits until the move is stored and shown (the list re-read) before the next key.
    const settled = async (order: string[], focus: string) => {
      await poll(stored).toEqual(order)
      await poll(shown).toEqual(order)
      await poll(focused).toBe(focus)
    }
    await ui.page.getByLabel('Move Drama up').focus()
    await poll(focused).toBe('Move Drama up')
    await ui.page.keyboard.press('Enter')
    await settled(['Action', 'Drama', 'Comedy', 'Horror', 'Romance'], 'Move Drama up')
    await ui.page.keyboard.press('Enter')
    // At the top the up arrow is disabled: the focus goes to the down arrow, still on Drama.
    await settled(['Drama', 'Action', 'Comedy', 'Horror', 'Romance'], 'Move Drama down')
    await ui.page.keyboard.press('Enter')
    await settled(['Action', 'Drama', 'Comedy', 'Horror', 'Romance'], 'Move Drama down')
    // The keys follow the order: Drama answers to 2 now.
    await poll(() => ui.page.locator('[data-genre="Drama"] kbd').textContent()).toBe('2')
    expect(ui.pageErrors).toEqual([])
  }, 60_000)

  it('a genre dragged onto a row below goes after it: to the end of the list, or one row down', async () => {
    const row = (g: string) => ui.page.locator('.list > li', { has: ui.page.locator(`[data-genre="${g}"]`) })
    expect(await stored()).toEqual(['Action', 'Drama', 'Comedy', 'Horror', 'Romance'])
    await row('Action').dragTo(row('Romance'))
    await poll(stored).toEqual(['Drama', 'Comedy', 'Horror', 'Romance', 'Action'])
    await row('Drama').dragTo(row('Comedy'))
    await poll(stored).toEqual(['Comedy', 'Drama', 'Horror', 'Romance', 'Action'])
    // Upwards it goes before the row dropped on.
    await row('Action').dragTo(row('Comedy'))
    await poll(stored).toEqual(['Action', 'Comedy', 'Drama', 'Horror', 'Romance'])
    await poll(shown).toEqual(['Action', 'Comedy', 'Drama', 'Horror', 'Romance'])
    await poll(() => ui.page.locator('[data-genre="Romance"] kbd').textContent()).toBe('5')
    expect(ui.pageErrors).toEqual([])
  }, 60_000)

  it('the merge and rename forms take the focus, and Esc closes them with the focus back on their button', async () => {
    await ui.page.click(tid(T.genreMerge('Horror')))
    await poll(focused).toBe('Genre to merge Horror into')
    await ui.page.keyboard.press('Escape')
    await poll(() => ui.page.locator(tid(T.genreMerge('Horror-target'))).count()).toBe(0)
    await poll(focused).toBe('Merge…')
    await ui.page.locator('[data-genre="Horror"] button', { hasText: 'Rename' }).click()
    await poll(focused).toBe('New name for Horror')
    await ui.page.keyboard.press('Escape')
    await poll(() => ui.page.getByLabel('New name for Horror').count()).toBe(0)
    await poll(focused).toBe('Rename')
    expect(await stored()).toEqual(['Action', 'Comedy', 'Drama', 'Horror', 'Romance'])
    expect(ui.pageErrors).toEqual([])
  }, 60_000)

  it('a question answered with Esc gives the focus back to the button that asked it', async () => {
    await ui.page.locator(tid(T.genreDelete('Horror'))).focus()
    await ui.page.keyboard.press('Enter')
    await poll(() => ui.page.locator(tid(T.confirmDialog)).count()).toBe(1)
    await ui.page.keyboard.press('Escape')
    await poll(() => ui.page.locator(tid(T.confirmDialog)).count()).toBe(0)
    await poll(() => ui.page.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe(T.genreDelete('Horror'))
    expect(await stored()).toEqual(['Action', 'Comedy', 'Drama', 'Horror', 'Romance'])
    expect(ui.pageErrors).toEqual([])
  }, 60_000)
})
