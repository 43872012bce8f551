// The renderer's Pinia stores against a real core (real SQLite library in a temp dir), the
// way the desktop app wires them: `window.posterityDesktop` is a link that carries the
// channel protocol to the core as structured clones (a MessagePort in the app), and the
// renderer builds its client on top. The browser-only parts (DOM, WebSocket) are covered by
// the e2e tests.
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { nextTick } from 'vue'
import { createPinia, setActivePinia } from 'pinia'
import type { CoreLinkEvents, DesktopBridge } from '../../src/shared/api'
import type { Core } from '../../src/main/core'
import { createChannelHub, type AttachedLink, type ChannelHub } from '../../src/main/api/channel'
import { call, open, seed, tempDir, type SeedPoster } from '../library/helpers'
import { useLibrary } from '../../src/renderer/src/stores/library'
import { useSelection } from '../../src/renderer/src/stores/selection'
import { useLabels } from '../../src/renderer/src/stores/labels'
import { useDetail } from '../../src/renderer/src/stores/detail'
import { useGenres } from '../../src/renderer/src/stores/genres'
import { useToasts } from '../../src/renderer/src/stores/toasts'
import { useModel } from '../../src/renderer/src/stores/model'
import { onLibraryChange } from '../../src/renderer/src/api/library-changes'

// bridge.ts resolves the link once per process: it forwards to whichever core the current
// test opened.
let core: Core
let cleanup: () => void
let hub: ChannelHub | null = null
let attached: AttachedLink | null = null
let linkEvents: CoreLinkEvents | null = null
const desktop: DesktopBridge = {
  link: {
    open(events) {
      linkEvents = events
      queueMicrotask(() => events.open())
    },
    send: (msg) => attached?.receive(structuredClone(msg)),
    close: () => (linkEvents = null),
  },
  pathForFile: () => '',
}
;(globalThis as { window?: unknown }).window = { posterityDesktop: desktop }

const GENRES = ['Action', 'Comedy', 'Drama']
/** 450 posters (more than two pages of 200); every 3rd unlabelled, the rest with 1-2 genres. */
const posters: SeedPoster[] = Array.from({ length: 450 }, (_, i) => ({
  id: `tt${String(i).padStart(7, '0')}`,
  title: `Film ${String(i).padStart(3, '0')}`,
  year: 1980 + (i % 30),
  genres: i % 3 === 0 ? null : i % 2 ? [GENRES[i % 3]] : [GENRES[(i % 3) - 1], 'Drama'],
}))

beforeEach(() => {
  const t = tempDir('posterity-stores-')
  cleanup = t.cleanup
  core = open(t.dir)
  seed(core, posters)
  hub = createChannelHub(core.dispatch, core.events)
  attached = hub.attach({ send: (msg) => linkEvents?.message(structuredClone(msg)) })
  setActivePinia(createPinia())
})
afterEach(async () => {
  attached?.detach()
  hub?.close()
  await core.close()
  cleanup()
})

const until = async (cond: () => boolean, what: string, ms = 5000) => {
  const end = Date.now() + ms
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 10))
  }
}

async function started() {
  const library = useLibrary()
  const genres = useGenres()
  library.start()
  await genres.refresh()
  await until(() => library.loaded, 'the first page')
  return library
}

describe('library store', () => {
  it('pages through the list and keeps the total of the filter', async () => {
    const library = await started()
    expect(library.total).toBe(450)
    expect(library.itemAt(0)?.title).toBe('Film 000')
    expect(library.itemAt(199)?.title).toBe('Film 199')
    expect(library.itemAt(420)).toBeUndefined() // not fetched yet
    await library.ensure(400, 450)
    expect(library.itemAt(449)?.title).toBe('Film 449')
  })

  it('follows every part of the filter, as the core counts it', async () => {
    const library = await started()
    const expectTotal = async (filter: Record<string, unknown>) => {
      await nextTick()
      const want = (await call(core, 'library.query', { ...filter, limit: 1 })).total
      await until(() => library.loaded && library.total === want, `total ${want} for ${JSON.stringify(filter)}`)
    }
    library.genres = ['Drama', 'Action']
    library.match = 'all'
    await expectTotal({ genres: ['Drama', 'Action'], match: 'all' })
    library.match = 'none'
    await expectTotal({ genres: ['Drama', 'Action'], match: 'none' })
    library.genres = []
    library.labelled = 'unlabelled'
    await expectTotal({ labelled: 'unlabelled' })
    expect(library.total).toBe(150)
    library.search = 'film 04'
    await expectTotal({ labelled: 'unlabelled', search: 'film 04' })
    library.clearFilters()
    await expectTotal({})
    expect(library.total).toBe(450)
  })
})

describe('selection store', () => {
  it('selects ranges with shift, toggles with ctrl, and ranges over pages never loaded', async () => {
    const library = await started()
    const selection = useSelection()
    await selection.click(2, library.itemAt(2)!.id, { range: false, toggle: false })
    await selection.click(6, library.itemAt(6)!.id, { range: true, toggle: false })
    expect(selection.ids).toEqual(posters.slice(2, 7).map((p) => p.id))
    await selection.click(4, library.itemAt(4)!.id, { range: false, toggle: true })
    expect(selection.count).toBe(4)
    expect(selection.isSelected(posters[4].id)).toBe(false)
    // Anchor at 4 (the last plain/ctrl click), shift-click far beyond the loaded page.
    await selection.click(430, posters[430].id, { range: true, toggle: false })
    expect(selection.count).toBe(427)
    expect(selection.isSelected(posters[300].id)).toBe(true)
    selection.clear()
    expect(selection.count).toBe(0)
  })

  it('select all takes every poster of the filter, and a new filter clears the selection', async () => {
    const library = await started()
    const selection = useSelection()
    library.labelled = 'unlabelled'
    await nextTick()
    await until(() => library.loaded && library.total === 150, 'the unlabelled list')
    await selection.selectAll()
    expect(selection.count).toBe(150)
    library.labelled = 'all'
    await nextTick()
    expect(selection.count).toBe(0)
  })
})

describe('labels store', () => {
  it('shows an edit at once, saves it, and undoes it from the history', async () => {
    const library = await started()
    const labels = useLabels()
    labels.start()
    const p = library.itemAt(3)! // unlabelled
    expect(p.labelled).toBe(false)
    const saving = labels.toggle(p, 'Comedy')
    // Optimistic: on screen before the core answered.
    expect(library.itemAt(3)).toMatchObject({ labelled: true, genres: ['Comedy'] })
    expect(await saving).toBe(true)
    expect(await call(core, 'library.get', { id: p.id })).toMatchObject({ labelled: true, genres: ['Comedy'] })
    expect(labels.canUndo).toBe(true)
    expect(labels.history.undoLabel).toMatch(/Comedy/)

    await labels.undo()
    expect(await call(core, 'library.get', { id: p.id })).toMatchObject({ labelled: false, genres: [] })
    await until(() => library.itemAt(3)?.labelled === false, 'the grid to show the undo')
    expect(labels.canRedo).toBe(true)
  })

  it('rolls a refused edit back and says why', async () => {
    const library = await started()
    const labels = useLabels()
    const toasts = useToasts()
    const before = library.itemAt(1)!
    const ok = await labels.edit([before.id], { add: ['N/A'] })
    expect(ok).toBe(false)
    expect(library.itemAt(1)).toEqual(before)
    expect(toasts.items.at(-1)).toMatchObject({ kind: 'error' })
    expect(toasts.items.at(-1)!.text).toMatch(/no genre/)
    expect(await call(core, 'library.get', { id: before.id })).toMatchObject({ genres: before.genres })
  })

  it('Unlabel on one poster without the poster at hand (the toolbar) still offers Undo, named by its title', async () => {
    const library = await started()
    const labels = useLabels()
    const toasts = useToasts()
    const p = library.itemAt(1)! // labelled
    expect(p.labelled).toBe(true)
    expect(await labels.markUnlabelled([p.id])).toBe(true)
    await until(() => toasts.items.some((t) => t.text === `${p.title} is unlabelled again` && t.action?.label === 'Undo'), 'the Undo toast')
    // Already unlabelled: nothing changed, no toast.
    const n = toasts.items.length
    expect(await labels.markUnlabelled([library.itemAt(0)!.id])).toBe(true)
    await new Promise((r) => setTimeout(r, 50))
    expect(toasts.items.length).toBe(n)
  })

  it('bulk-adds a genre to a selection, including posters never loaded', async () => {
    const library = await started()
    const selection = useSelection()
    const labels = useLabels()
    await selection.selectAll()
    expect(await labels.edit(selection.ids, { add: ['Action'] })).toBe(true)
    expect((await call(core, 'library.query', { genres: ['Action'], limit: 1 })).total).toBe(450)
    expect(library.itemAt(0)?.genres).toContain('Action')
  })
})

describe('model store', () => {
  it('sends one train request for a double click: the second click neither calls nor toasts', async () => {
    const model = useModel()
    const toasts = useToasts()
    const opts = { kind: 'head' as const, seed: 1 }
    // Two clicks in one tick: the second finds the first request out and sends none.
    const first = model.train(opts)
    expect(model.starting).toBe(true)
    const second = model.train(opts)
    await Promise.all([first, second])
    expect(model.starting).toBe(false)
    // Without a backbone the one request is refused for that reason only, never as a conflict.
    expect(toasts.items.length).toBeLessThanOrEqual(1)
    for (const t of toasts.items) expect(t.text).not.toMatch(/already in progress/)
    if (model.trainJob) await model.cancel(model.trainJob)
  })
})

describe('detail store', () => {
  it('moves through the list in order, without skipping when a labelled poster leaves the filter', async () => {
    const library = await started()
    const detail = useDetail()
    const labels = useLabels()
    detail.start()
    library.labelled = 'unlabelled'
    await nextTick()
    await until(() => library.loaded && library.total === 150, 'the unlabelled list')
    const unlabelled = posters.filter((p) => p.genres === null).map((p) => p.id)
    await detail.show(unlabelled[0], 0)
    expect(detail.poster?.id).toBe(unlabelled[0])
    expect(detail.navIds?.length).toBe(150)
    await labels.toggle(detail.poster!, 'Drama') // it leaves the "unlabelled" list
    await until(() => library.total === 149, 'the grid to drop the labelled poster')
    await detail.step(1)
    expect(detail.poster?.id).toBe(unlabelled[1])
    await detail.step(-1)
    expect(detail.poster).toMatchObject({ id: unlabelled[0], genres: ['Drama'] })
  })
})

describe('the library.changed hub', () => {
  it('fans each change out to the handlers of its reason, once each, and stops after unsubscribe', async () => {
    const all: string[] = []
    const labels: (string[] | undefined)[] = []
    const genres: string[] = []
    const offAll = onLibraryChange((e) => all.push(e.reason))
    const offLabels = onLibraryChange((e) => labels.push(e.ids), ['labels'])
    const offGenres = onLibraryChange((e) => genres.push(e.reason), ['genres', 'posters'])
    try {
      await call(core, 'labels.edit', { ids: [posters[1].id], add: ['Action'] })
      await until(() => labels.length === 1, 'the labels change')
      expect(labels).toEqual([[posters[1].id]])
      await call(core, 'genres.add', { name: 'Western' })
      await until(() => genres.length === 1, 'the genres change')
      expect(genres).toEqual(['genres'])
      expect(labels).toHaveLength(1)
      offLabels()
      await call(core, 'labels.edit', { ids: [posters[2].id], add: ['Western'] })
      await until(() => all.filter((r) => r === 'labels').length === 2, 'the second labels change')
      expect(labels).toHaveLength(1)
      expect(all).toEqual(['labels', 'genres', 'labels'])
    } finally {
      offAll()
      offLabels()
      offGenres()
    }
  })
})
