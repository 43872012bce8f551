// End to end in Chromium against `posterity serve`: import a generated folder through the
// import dialog, filter, select, bulk-tag, label by keyboard in the detail, undo, reload,
// and find every change still there. A screenshot is kept in test-results/.
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import sharp from 'sharp'
import { describe, expect, it } from 'vitest'
import { T } from '../../src/renderer/src/testids'
import { hasChromium, repo } from './serve-child'
import { poll, servedInChromium, tid } from './fixture'

// Eight posters; titles sort them; six are labelled in the Kaggle layout, two are not.
const films = [
  { id: 'tt1000001', title: 'Alpha', year: 1991, genres: ['Drama'] },
  { id: 'tt1000002', title: 'Bravo', year: 1992, genres: ['Comedy'] },
  { id: 'tt1000003', title: 'Charlie', year: 1993, genres: ['Drama', 'Action'] },
  { id: 'tt1000004', title: 'Delta', year: 1994, genres: ['Action'] },
  { id: 'tt1000005', title: 'Echo', year: 1995, genres: ['Drama', 'Comedy'] },
  { id: 'tt1000006', title: 'Foxtrot', year: 1996, genres: [] as string[] },
  { id: 'tt1000007', title: 'Golf', year: 1997, genres: null },
  { id: 'tt1000008', title: 'Hotel', year: 1998, genres: null },
]
const GENRES = ['Action', 'Comedy', 'Drama']
const dramas = films.filter((f) => f.genres?.includes('Drama')).map((f) => f.id)

describe.skipIf(!hasChromium)('the library in Chromium (posterity serve)', () => {
  const ui = servedInChromium({
    name: 'library',
    prepare: async (root) => {
      const folder = join(root, 'posters')
      mkdirSync(folder)
      for (const [i, f] of films.entries()) {
        // Distinct colours and a stripe, so every poster has its own content hash.
        const stripe = await sharp({ create: { width: 200, height: 40, channels: 3, background: { r: 255 - i * 30, g: 255, b: i * 30 } } })
          .png()
          .toBuffer()
        await sharp({ create: { width: 200, height: 300, channels: 3, background: { r: 30 * i, g: 80 + 10 * i, b: 160 } } })
          .composite([{ input: stripe, top: 20 * i, left: 0 }])
          .jpeg({ quality: 85 })
          .toFile(join(folder, `${f.id}.jpg`))
      }
      const labelRows = films
        .filter((f) => f.genres !== null)
        .map((f) => [f.id, `"[${f.genres!.map((g) => `'${g}'`).join(', ')}]"`, ...GENRES.map((g) => (f.genres!.includes(g) ? 1 : 0))].join(','))
      writeFileSync(join(root, 'labels.csv'), [['Id', 'Genre', ...GENRES].join(','), ...labelRows].join('\n') + '\n')
      writeFileSync(join(root, 'movies.csv'), ['Id,Title,Year', ...films.map((f) => `${f.id},${f.title},${f.year}`)].join('\n') + '\n')
    },
    onPage: (page) => {
      page.on('console', (m) => {
        if (m.type() === 'error' && /Content Security Policy|Refused to/.test(m.text()) && !/frame-ancestors/.test(m.text())) ui.pageErrors.push(m.text())
      })
    },
  })

  const cards = () => ui.page.locator(tid(T.posterCard))
  const card = (id: string) => ui.page.locator(`${tid(T.posterCard)}[data-id="${id}"]`)
  const posterGenres = async (id: string) => (await ui.api.ok<{ genres: string[]; labelled: boolean }>('library.get', { id }))

  it('imports a generated folder through the import dialog', async () => {
    await ui.page.goto(ui.serve.url)
    await poll(() => ui.page.locator(tid(T.statusBar)).textContent()).toMatch(/Connected/)
    // An empty library's dashboard says what to do instead of drawing empty charts.
    await ui.page.click(tid(T.navExplore))
    await ui.page.locator(tid(T.exploreTab('dashboard'))).click()
    await poll(() => ui.page.locator('[data-testid="dashboard-empty"]').textContent()).toMatch(/No posters yet: import some/)
    await ui.page.click(tid(T.navLibrary))
    await ui.page.click(tid(T.importOpen))
    await ui.page.fill(tid(T.importPath), join(ui.root, 'posters'))
    await ui.page.fill(tid(T.importLabels), join(ui.root, 'labels.csv'))
    await ui.page.fill(tid(T.importMetadata), join(ui.root, 'movies.csv'))
    await ui.page.click(tid(T.importStart))
    const summary = ui.page.locator(tid(T.importSummary))
    await summary.waitFor({ timeout: 60_000 })
    expect(await summary.textContent()).toMatch(/8/)
    await ui.page.getByRole('button', { name: 'Done' }).click()
    await poll(() => cards().count()).toBe(films.length)
    expect((await ui.api.ok<{ posters: number; labelled: number }>('library.stats')).labelled).toBe(6)
  }, 90_000)

  it('filters by genre, selects all, bulk-adds a genre', async () => {
    await ui.page.click(tid(T.genreFilter('Drama')))
    await poll(() => cards().count()).toBe(dramas.length)
    await ui.page.click(tid(T.selectAll))
    await poll(() => ui.page.locator(tid(T.selectionCount)).textContent()).toMatch(new RegExp(`^\\s*${dramas.length} selected`))
    await ui.page.selectOption(tid(T.bulkGenreSelect), 'Comedy')
    await ui.page.click(tid(T.bulkAdd))
    // Saved in the library (asked over a second, independent connection).
    await poll(async () => (await ui.api.ok<{ total: number }>('library.query', { genres: ['Drama', 'Comedy'], match: 'all' })).total)
      .toBe(dramas.length)
    // And shown: every Drama card now carries a Comedy chip.
    for (const id of dramas) await poll(() => card(id).textContent()).toMatch(/Comedy/)
    // Back to everything, nothing selected.
    await ui.page.click(tid(T.genreFilter('Drama')))
    await ui.page.keyboard.press('Escape')
    await poll(() => cards().count()).toBe(films.length)
  }, 60_000)

  it('labels a poster by keyboard in the detail, and undoes', async () => {
    const id = 'tt1000007' // Golf: unlabelled
    await card(id).dblclick()
    const detail = ui.page.locator(tid(T.posterDetail))
    await poll(() => detail.getAttribute('data-id')).toBe(id)
    const chip = (g: string) => ui.page.locator(tid(T.detailGenre(g)))
    await chip('Action').waitFor()
    const keyOf = async (g: string) => (await chip(g).locator('kbd').textContent())!.trim()
    const [actionKey, dramaKey] = [await keyOf('Action'), await keyOf('Drama')]

    await ui.page.keyboard.press(actionKey)
    await poll(() => chip('Action').getAttribute('aria-pressed')).toBe('true')
    await ui.page.keyboard.press(dramaKey)
    await poll(() => chip('Drama').getAttribute('aria-pressed')).toBe('true')
    await poll(async () => (await posterGenres(id)).genres.sort()).toEqual(['Action', 'Drama'])

    await ui.page.keyboard.press('Control+z')
    await poll(() => chip('Drama').getAttribute('aria-pressed')).toBe('false')
    expect(await chip('Action').getAttribute('aria-pressed')).toBe('true')
    await poll(async () => (await posterGenres(id)).genres).toEqual(['Action'])
    expect((await posterGenres(id)).labelled).toBe(true)

    // Arrow keys move to the neighbour in the grid's order (by title: Golf → Hotel).
    await ui.page.keyboard.press('ArrowRight')
    await poll(() => detail.getAttribute('data-id')).toBe('tt1000008')
  }, 60_000)

  it('keeps every change across a reload', async () => {
    await ui.page.reload()
    await poll(() => cards().count()).toBe(films.length)
    // The bulk tag.
    await ui.page.click(tid(T.genreFilter('Comedy')))
    const comedies = films.filter((f) => f.genres?.includes('Comedy') || f.genres?.includes('Drama')).length
    await poll(() => cards().count()).toBe(comedies)
    await ui.page.click(tid(T.genreFilter('Comedy')))
    await poll(() => cards().count()).toBe(films.length)
    expect((await posterGenres('tt1000003')).genres.sort()).toEqual(['Action', 'Comedy', 'Drama'])
    // The keyboard edit, with the undone part still undone.
    await card('tt1000007').dblclick()
    await poll(() => ui.page.locator(tid(T.posterDetail)).getAttribute('data-id')).toBe('tt1000007')
    await poll(() => ui.page.locator(tid(T.detailGenre('Action'))).getAttribute('aria-pressed')).toBe('true')
    expect(await ui.page.locator(tid(T.detailGenre('Drama'))).getAttribute('aria-pressed')).toBe('false')
    // Thumbnails load through the token-protected media route.
    await poll(() => ui.page.locator(`${tid(T.posterCard)} img`).evaluateAll((imgs) => imgs.filter((i) => (i as HTMLImageElement).naturalWidth > 0).length))
      .toBe(films.length)

    mkdirSync(join(repo, 'test-results'), { recursive: true })
    await ui.page.screenshot({ path: join(repo, 'test-results', 'e2e-library.png') })
    expect(ui.pageErrors).toEqual([])
  }, 60_000)

  it('fits the desktop window at its minimum width (800 px): nothing runs off the right edge', async () => {
    await ui.page.setViewportSize({ width: 800, height: 700 })
    try {
      await ui.page.click(tid(T.navLibrary))
      await poll(() => ui.page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)).toBeLessThanOrEqual(0)
      // Import (the bar's last control) and the grid's cards stay inside the window.
      const right = (sel: string) => ui.page.locator(sel).first().evaluate((e) => e.getBoundingClientRect().right)
      expect(await right(tid(T.importOpen))).toBeLessThanOrEqual(800)
      expect(await ui.page.locator(tid(T.posterCard)).evaluateAll((cs) => Math.max(...cs.map((c) => c.getBoundingClientRect().right)))).toBeLessThanOrEqual(800)
    } finally {
      await ui.page.setViewportSize({ width: 1400, height: 900 })
    }
  }, 60_000)
})
