// End to end in Chromium against `posterity serve`: open a generated movie collection in the
// Collection view, let a real model (trained on the NFO genres) propose, accept all changes,
// dry run (nothing on disk moves), write (only the accepted NFOs change, the locked one
// never), check the files on disk, undo, and find every original byte restored.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { chromium, type Browser, type Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { FilmPlan, Film } from '../../src/shared/api'
import { T } from '../../src/renderer/src/testids'
import { connect, type ApiSocket } from '../server/helpers'
import { fixtureFilms, writeCollection } from '../collection/fixture'
import { CHROMIUM, CHROMIUM_ARGS, ensureBuilt, hasChromium, repo, startServeChild, type ServeChild } from './serve-child'

const tid = (id: string) => `[data-testid="${id}"]`
const poll = <T>(fn: () => Promise<T> | T) => expect.poll(fn, { timeout: 30_000, interval: 100 })

function snapshot(dir: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>()
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name)
      if (e.isDirectory()) walk(p)
      else out.set(p, readFileSync(p))
    }
  }
  walk(dir)
  return out
}

describe.skipIf(!hasChromium)('the collection in Chromium (posterity serve)', () => {
  let work: string
  let movies: string
  let libDir: string
  let serve: ServeChild
  let browser: Browser
  let page: Page
  let api: ApiSocket
  const pageErrors: string[] = []

  beforeAll(async () => {
    await ensureBuilt()
    work = mkdtempSync(join(tmpdir(), 'posterity-e2e-collection-'))
    movies = join(work, 'Movies')
    libDir = join(work, 'library')
    await writeCollection(movies, [
      ...fixtureFilms(18),
      { folder: 'Locked (1990)', title: 'Locked', year: 1990, genre: 'Red', nfoGenres: [], locked: true },
      { folder: 'Bare (1992)', title: 'Bare', year: 1992, genre: 'Blue', nfoGenres: null },
    ])
    serve = await startServeChild(libDir)
    api = await connect(`ws://127.0.0.1:${serve.port}/api?token=${serve.token}`, { origin: serve.origin })
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS })
    page = await browser.newPage({ viewport: { width: 1400, height: 900 }, colorScheme: 'light' })
    page.on('pageerror', (e) => pageErrors.push(e.message))
    page.on('dialog', (d) => void d.accept())
  }, 120_000)

  afterAll(async () => {
    api?.close()
    await browser?.close()
    if (serve) expect(await serve.stop()).toBe(0)
    if (work) rmSync(work, { recursive: true, force: true })
  })

  const rows = () => page.locator(tid(T.filmRow))
  const row = (key: string) => page.locator(`${tid(T.filmRow)}[data-key="${key}"]`)

  it('opens the collection: every film listed, the locked one shown as locked', async () => {
    await page.goto(`${serve.url}#/collection`)
    await page.fill(tid(T.collectionRoot), movies)
    await page.click(tid(T.collectionOpen))
    await poll(() => page.locator(tid(T.collectionSummary)).textContent()).toMatch(/20\s*films \(20 with a poster\)/)
    await poll(() => rows().count()).toBe(20)
    expect(await row('Locked (1990)/Locked.mkv').textContent()).toMatch(/locked/)
    // No model yet: the view says so instead of proposing.
    await poll(() => page.getByRole('alert').filter({ hasText: 'No proposals' }).count()).toBe(1)
  }, 90_000)

  let plan: FilmPlan[]
  it('proposes with a model trained on the NFO genres, accepts all changes, and a dry run writes nothing', async () => {
    const { jobId } = await api.ok<{ jobId: string }>('model.train', { kind: 'cnn', epochs: 2, inputSize: 16 })
    await api.next((m) => m.type === 'event' && (m as { name: string }).name === 'train.finished' && (m as { payload: { jobId: string } }).payload.jobId === jobId, 120_000)
    // Every genre may pass (thresholds at 0), at most one a film: films whose NFO has no
    // genre or a different one get a change, whatever the little model learnt.
    const db = new Database(join(libDir, 'library.sqlite'))
    db.prepare('UPDATE model_runs SET thresholds = ? WHERE active = 1').run(JSON.stringify([0, 0, 0]))
    db.close()
    await page.fill(tid(T.minProb), '0')
    await page.fill(tid(T.maxGenres), '1')
    plan = (await api.ok<{ films: FilmPlan[] }>('collection.plan', { root: movies, rule: { minProbability: 0, maxGenres: 1, mode: 'replace' } })).films
    const changes = plan.filter((p) => p.change === 'update' || p.change === 'create')
    expect(changes.length).toBeGreaterThanOrEqual(3) // films 12 and 15 have no genre, Bare has no NFO
    await poll(() => page.locator(tid(T.acceptAll)).textContent()).toMatch(new RegExp(`Accept all ${changes.length} changes`))
    await page.click(tid(T.acceptAll))
    await poll(() => page.locator(tid(T.collectionWrite)).textContent()).toMatch(new RegExp(`Write ${changes.length} NFO files`))
    expect(await row('Locked (1990)/Locked.mkv').locator(tid(T.filmAccept)).isDisabled()).toBe(true)

    const before = snapshot(movies)
    await page.click(tid(T.collectionDryRun))
    const dry = page.locator(tid(T.dryRunResult))
    await dry.waitFor()
    await poll(() => dry.textContent()).toMatch(/\+ {3}<genre>/)
    expect(await dry.textContent()).toMatch(/Bare\.nfo — new file/)
    expect(await dry.textContent()).toMatch(/— would change/)
    await page.screenshot({ path: join(repo, 'test-results', 'collection-dry-run.png') })
    expect(snapshot(movies)).toEqual(before)
  }, 180_000)

  it('writes the accepted NFOs (only their genre lines change), then undo puts every original back', async () => {
    const before = snapshot(movies)
    await page.click(tid(T.collectionWrite))
    const changes = plan.filter((p) => p.change === 'update' || p.change === 'create')
    await poll(() => page.locator(tid(T.writeResult)).textContent()).toMatch(new RegExp(`Wrote ${changes.length} files`))
    const after = snapshot(movies)
    const { films } = await api.ok<{ films: Film[] }>('collection.films', { root: movies })
    for (const f of films) {
      const p = plan.find((x) => x.id === f.id)!
      const was = before.get(f.nfoPath)
      const now = after.get(f.nfoPath)
      if (p.change === 'update') {
        const text = now!.toString('utf8')
        for (const g of p.genres) expect(text).toContain(`<genre>${g}</genre>`)
        const strip = (b: Buffer) => b.toString('utf8').replace(/\r\n  <genre>[^<]*<\/genre>/g, '')
        expect(strip(now!)).toBe(strip(was!))
      } else if (p.change === 'create') {
        expect(was).toBeUndefined()
        expect(now!.toString('utf8')).toContain(`<genre>${p.genres[0]}</genre>`)
      } else if (was) expect(now!.equals(was), f.key).toBe(true)
    }
    expect(after.get(join(movies, 'Locked (1990)', 'Locked.nfo'))).toEqual(before.get(join(movies, 'Locked (1990)', 'Locked.nfo')))
    expect(readdirSync(join(libDir, 'collection-backups')).length).toBe(1)
    await page.screenshot({ path: join(repo, 'test-results', 'collection.png'), fullPage: false })

    await poll(() => page.locator(tid(T.collectionUndo)).isVisible()).toBe(true)
    await page.click(tid(T.collectionUndo))
    await poll(() => snapshot(movies)).toEqual(before)
    await poll(() => page.locator(tid(T.collectionUndo)).count()).toBe(0)
    expect(pageErrors).toEqual([])
  }, 120_000)
})
