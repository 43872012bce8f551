// End to end in Chromium against `posterity serve`: similar posters from the detail (and the
// grid sorted by them), the embeddings map computed in the background with a lasso that
// becomes the grid's selection, and a near-duplicate merge undone. The library is generated
// posters (sharp) imported by the real importer, with constructed embeddings in three
// well-separated groups, so neighbours, clusters and the map's groups are known.
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import sharp from 'sharp'
import { describe, expect, it } from 'vitest'
import { T } from '../../src/renderer/src/testids'
import { fitView, pointsInLasso } from '../../src/renderer/src/lib/lasso'
import { openCore } from '../../src/main/core'
import { startImport } from '../../src/main/importer/handlers'
import { modelService } from '../../src/main/ml/service/model-service'
import { putEmbeddings } from '../../src/main/ml/store/embeddings'
import { mulberry32 } from '../../src/shared/random'
import { hasChromium, repo } from './serve-child'
import { poll, servedInChromium, tid } from './fixture'

// 3 groups of 10 posters; tt2000001 and tt2000002 are near-identical (same base, tiny noise).
const GROUPS = 3
const PER = 10
const idOf = (g: number, i: number) => `tt${2000000 + g * PER + i + 1}`
const groupOf = (id: string) => Math.floor((Number(id.slice(2)) - 2000001) / PER)

const poll30 = <V>(fn: () => Promise<V> | V) => poll(fn, 30_000)

describe.skipIf(!hasChromium)('Explore in Chromium (posterity serve)', () => {
  // The CSP allows no inline style: chart.js and Vue's :style must get by without it.
  const cspErrors: string[] = []
  const ui = servedInChromium({
    name: 'explore',
    prepare: async (root) => {
      const folder = join(root, 'posters')
      mkdirSync(folder)
      for (let g = 0; g < GROUPS; g++)
        for (let i = 0; i < PER; i++) {
          const k = g * PER + i
          await sharp({ create: { width: 120, height: 180, channels: 3, background: { r: (k * 37) % 256, g: 60 + g * 60, b: (k * 91) % 256 } } })
            .jpeg({ quality: 85 })
            .toFile(join(folder, `${idOf(g, i)}.jpg`))
        }
      const lib = join(root, 'library')
      const core = openCore({ libraryDir: lib })
      await (await startImport(core, { paths: [folder] })).promise
      // Constructed embeddings: a centre per group, members spread around it (centred cosine ~0.6 within
      // a group, under the duplicate threshold); poster 2 nearly equals poster 1.
      const s = modelService(core)
      const rand = mulberry32(3)
      const gauss = () => Math.sqrt(-2 * Math.log(rand() + 1e-12)) * Math.cos(2 * Math.PI * rand())
      const centres = Array.from({ length: GROUPS }, () => Float32Array.from({ length: s.dims }, () => 1.5 * gauss()))
      const rows = core.db.prepare('SELECT id, hash FROM posters ORDER BY id').all() as { id: string; hash: string }[]
      let first: Float32Array | null = null
      putEmbeddings(
        core.db,
        s.key,
        rows.map((r) => {
          const c = centres[groupOf(r.id)]
          let v = c.map((x) => x + gauss())
          if (r.id === idOf(0, 0)) first = v
          if (r.id === idOf(0, 1)) v = first!.map((x) => x + 0.02 * gauss())
          return { hash: r.hash, vector: v }
        }),
      )
      s.worker.stop()
      await core.close()
      return lib
    },
    onPage: async (page, serve) => {
      page.on('console', (m) => {
        if (m.type() === 'error' && /Content Security Policy/i.test(m.text())) cspErrors.push(m.text())
      })
      await page.goto(serve.url)
    },
    timeout: 180_000,
  })

  it('shows similar posters in the detail and sorts the grid by them', async () => {
    const anchor = idOf(0, 0)
    await ui.page.locator(`${tid(T.posterCard)}[data-id="${anchor}"]`).dblclick()
    const items = ui.page.locator(`${tid(T.similarPosters)} ${tid(T.similarItem)}`)
    await poll30(() => items.count()).toBe(8)
    // The near-identical poster first, then the rest of its group.
    expect(await items.first().getAttribute('data-id')).toBe(idOf(0, 1))
    const ids = await items.evaluateAll((els) => els.map((e) => e.getAttribute('data-id')!))
    expect(ids.every((id) => groupOf(id) === 0)).toBe(true)

    await ui.page.locator(tid(T.similarSort)).click()
    await poll30(() => ui.page.locator(tid(T.similarBanner)).isVisible()).toBe(true)
    const cards = ui.page.locator(tid(T.posterCard))
    await poll30(() => cards.nth(1).getAttribute('data-id')).toBe(idOf(0, 1))
    expect(await cards.first().getAttribute('data-id')).toBe(anchor)
    const firstTen = await cards.evaluateAll((els) => els.slice(0, 10).map((e) => e.getAttribute('data-id')!))
    expect(firstTen.every((id) => groupOf(id) === 0)).toBe(true)

    // A click on a similar poster shows it.
    await items.nth(2).click()
    await poll30(() => ui.page.locator(tid(T.posterDetail)).getAttribute('data-id')).toBe(ids[2])
    await ui.page.locator(tid(T.similarClear)).click()
    await poll30(() => ui.page.locator(tid(T.similarBanner)).count()).toBe(0)
    await ui.page.keyboard.press('Escape')
  })

  it('computes the map in the background and a lasso around one group selects it in the grid', async () => {
    await ui.page.locator(tid(T.navExplore)).click()
    await ui.page.locator(tid(T.exploreTab('map'))).click()
    await ui.page.locator(tid(T.mapCompute)).click()
    const canvas = ui.page.locator(tid(T.mapCanvas))
    await poll30(() => canvas.getAttribute('aria-label')).toBe(`Embeddings map of ${GROUPS * PER} posters`)
    const { points } = await ui.api.ok<{ points: { id: string; x: number; y: number }[] }>('explore.map', {})
    const box = (await canvas.boundingBox())!
    // The same view the panel fits (y flipped: up is up), and a lasso around group 1's points.
    const xy = new Float32Array(points.flatMap((p) => [p.x, -p.y]))
    const view = fitView(xy, box.width, box.height)
    const screen = points.map((p, i) => ({ id: p.id, x: xy[2 * i] * view.scale + view.tx, y: xy[2 * i + 1] * view.scale + view.ty }))
    const mine = screen.filter((p) => groupOf(p.id) === 1)
    const pad = 8
    const [x0, x1] = [Math.min(...mine.map((p) => p.x)) - pad, Math.max(...mine.map((p) => p.x)) + pad]
    const [y0, y1] = [Math.min(...mine.map((p) => p.y)) - pad, Math.max(...mine.map((p) => p.y)) + pad]
    const poly = [x0, y0, x1, y0, x1, y1, x0, y1]
    const expected = pointsInLasso(xy, view, poly).map((i) => points[i].id)
    expect(expected).toEqual(expect.arrayContaining(mine.map((p) => p.id)))
    // The groups are apart on the map: the lasso around one takes no poster of another.
    expect(expected.every((id) => groupOf(id) === 1)).toBe(true)

    await ui.page.locator(tid(T.mapLasso)).click()
    await ui.page.mouse.move(box.x + x0, box.y + y0)
    await ui.page.mouse.down()
    for (const [x, y] of [[x1, y0], [x1, y1], [x0, y1], [x0, y0 + 1]]) await ui.page.mouse.move(box.x + x, box.y + y, { steps: 4 })
    await ui.page.mouse.up()
    await ui.page.screenshot({ path: join(repo, 'test-results', 'e2e-explore-map.png') })
    await ui.page.getByRole('button', { name: 'Open in grid' }).click()
    await poll30(() => ui.page.locator(tid(T.selectionCount)).textContent()).toBe(`${expected.length} selected`)
    // The selection is the grid's: its cards carry it (once the grid has drawn them: the count can come first).
    const selected = () => ui.page.locator(`${tid(T.posterCard)}[aria-selected="true"]`).evaluateAll((els) => els.map((e) => e.getAttribute('data-id')!).sort())
    await poll30(selected).toEqual([...expected].sort())
  })

  it('keeps the colouring and the zoom across tabs, follows a rename of the genre, and keeps the map whole in a narrower window', async () => {
    await ui.page.locator(tid(T.navExplore)).click()
    await ui.page.locator(tid(T.exploreTab('map'))).click()
    const canvas = ui.page.locator(tid(T.mapCanvas))
    await poll30(() => canvas.getAttribute('aria-label')).toBe(`Embeddings map of ${GROUPS * PER} posters`)
    const colourBy = ui.page.getByLabel('Colour by')
    const genre = ui.page.getByLabel('Genre', { exact: true })
    // The library came without genres: three, the map colouring the second.
    for (const name of ['Drama', 'Comedy', 'War']) await ui.api.ok('genres.add', { name })
    const chosen = 'Comedy'
    await poll30(() => genre.locator('option').allTextContents()).toEqual(['Drama', 'Comedy', 'War'])
    await colourBy.selectOption('prediction')
    await genre.selectOption(chosen)
    // The canvas's inked extent (the drawn points), in CSS pixels.
    const inked = () =>
      canvas.evaluate((c: HTMLCanvasElement) => {
        const g = c.getContext('2d')!
        const { data } = g.getImageData(0, 0, c.width, c.height)
        let x0 = Infinity, x1 = -Infinity, y0 = Infinity, y1 = -Infinity
        for (let y = 0; y < c.height; y++)
          for (let x = 0; x < c.width; x++)
            if (data[4 * (y * c.width + x) + 3] > 0) {
              x0 = Math.min(x0, x); x1 = Math.max(x1, x)
              y0 = Math.min(y0, y); y1 = Math.max(y1, y)
            }
        const k = c.width / c.clientWidth
        return { x0: x0 / k, x1: x1 / k, y0: y0 / k, y1: y1 / k, w: c.clientWidth, h: c.clientHeight }
      })
    const picture = () => canvas.evaluate((c: HTMLCanvasElement) => c.toDataURL())
    const fitted = await picture()
    // Zoomed in around the centre.
    const box = (await canvas.boundingBox())!
    await ui.page.mouse.move(box.x + box.width / 2, box.y + box.height / 2)
    await ui.page.mouse.wheel(0, -150)
    await poll30(picture).not.toBe(fitted)
    const zoomed = await picture()

    // Another tab and back, and a poster opened from the grid and back: as the user left it.
    await ui.page.locator(tid(T.exploreTab('dashboard'))).click()
    await ui.page.locator(tid(T.exploreTab('map'))).click()
    await ui.page.locator(tid(T.navLibrary)).click()
    await ui.page.locator(tid(T.navExplore)).click()
    await poll30(() => canvas.getAttribute('aria-label')).toBe(`Embeddings map of ${GROUPS * PER} posters`)
    expect(await colourBy.inputValue()).toBe('prediction')
    expect(await genre.inputValue()).toBe(chosen)
    await poll30(picture).toBe(zoomed)

    // The genre renamed (here by another client) while the map is coloured by it: it follows.
    await ui.api.ok('genres.rename', { name: chosen, to: `${chosen} films` })
    await poll30(() => genre.inputValue()).toBe(`${chosen} films`)
    expect(await colourBy.inputValue()).toBe('prediction')
    await ui.api.ok('genres.rename', { name: `${chosen} films`, to: chosen })
    await poll30(() => genre.inputValue()).toBe(chosen)

    // Fit, then the window narrowed to the desktop minimum: the whole map stays inside the canvas, fitted to it.
    await ui.page.getByRole('button', { name: 'Fit' }).click()
    await poll30(picture).toBe(fitted)
    await ui.page.setViewportSize({ width: 800, height: 600 })
    try {
      const whole = (r: Awaited<ReturnType<typeof inked>>) => r.w < 780 && r.x0 >= 10 && r.x1 <= r.w - 10 && r.y0 >= 10 && r.y1 <= r.h - 10 && (r.x1 - r.x0 > r.w - 70 || r.y1 - r.y0 > r.h - 70)
      await expect.poll(async () => { const r = await inked(); return whole(r) || JSON.stringify(r) }, { timeout: 30_000 }).toBe(true)
      await ui.page.screenshot({ path: join(repo, 'test-results', 'e2e-explore-map-800.png') })
    } finally {
      await ui.page.setViewportSize({ width: 1400, height: 900 })
    }
    await colourBy.selectOption('label')
  })

  it('merges a near-duplicate pair and undoes the merge', async () => {
    await ui.page.locator(tid(T.navExplore)).click()
    await ui.page.locator(tid(T.exploreTab('duplicates'))).click()
    const cluster = ui.page.locator(tid(T.dupCluster))
    await poll30(() => cluster.count()).toBe(1)
    expect(await cluster.getAttribute('data-key')).toBe(idOf(0, 0))
    // While the clusters are shown, the library changes elsewhere (another window, an undo): they follow.
    await ui.api.ok('labels.edit', { ids: [idOf(0, 0)], add: ['Western'] })
    await poll30(() => cluster.locator('.chip').allTextContents()).toEqual(['Western'])
    await ui.api.ok('library.remove', { ids: [idOf(0, 1)] })
    await poll30(() => cluster.count()).toBe(0)
    await ui.api.ok('labels.undo', {})
    await poll30(() => cluster.count()).toBe(1)
    await ui.api.ok('labels.undo', {})
    await poll30(() => cluster.locator('.chip').count()).toBe(0)
    await ui.page.locator(tid(T.dupKeep(idOf(0, 1)))).check()
    await ui.page.locator(tid(T.dupMerge)).click()
    await poll30(() => cluster.count()).toBe(0)
    expect((await ui.api.ok<{ posters: number }>('library.stats', {})).posters).toBe(GROUPS * PER - 1)
    expect((await ui.api.call('library.get', { id: idOf(0, 0) })).ok).toBe(false)
    await ui.page.screenshot({ path: join(repo, 'test-results', 'e2e-explore-duplicates.png') })

    const { decisions } = await ui.api.ok<{ decisions: { id: number }[] }>('explore.decisions', {})
    await ui.page.locator(tid(T.dupUndo(decisions[0].id))).click()
    await poll30(() => cluster.count()).toBe(1)
    expect((await ui.api.ok<{ posters: number }>('library.stats', {})).posters).toBe(GROUPS * PER)
    // Back in the grid too.
    await ui.page.locator(tid(T.navLibrary)).click()
    await poll30(() => ui.page.locator(`${tid(T.posterCard)}[data-id="${idOf(0, 0)}"]`).count()).toBe(1)
  })

  it('draws the dashboard', async () => {
    await ui.page.locator(tid(T.navExplore)).click()
    await ui.page.locator(tid(T.exploreTab('dashboard'))).click()
    const canvases = ui.page.locator(`${tid(T.dashboard)} canvas`)
    await poll30(() => canvases.count()).toBeGreaterThan(0)
    // chart.js drew into the first chart (axes and legend at least): some pixels are not blank.
    await poll30(() =>
      canvases.first().evaluate((c: HTMLCanvasElement) => {
        const data = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data
        let inked = 0
        for (let i = 3; i < data.length; i += 4) if (data[i] > 0) inked++
        return inked
      }),
    ).toBeGreaterThan(100)
    await poll30(() => ui.page.locator(tid(T.dashboard)).textContent()).toContain(`of ${GROUPS * PER} posters labelled`)
    // No model here: the labels chart does not speak of "the 0 posters with a stored prediction of the active model".
    expect(await ui.page.getByTestId('dashboard-predicted-rule').textContent()).toBe('Labelled posters per genre. No active model, so nothing predicted: train one in the Train view.')
    // Every view this file went through (grid, detail, map, duplicates, charts) under the policy.
    expect(cspErrors).toEqual([])
  })
})
