// What every e2e file sets up the same way: a temp folder, a library prepared in it, the
// built `posterity serve` on that library, an API socket beside the page (to check what the
// UI did) and one Chromium page; torn down after the block, the server required to exit 0.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium, type Browser, type Page } from 'playwright-core'
import { afterAll, beforeAll, expect } from 'vitest'
import { connect, type ApiSocket } from '../server/helpers'
import { CHROMIUM, CHROMIUM_ARGS, ensureBuilt, startServeChild, type ServeChild } from './serve-child'

export const tid = (id: string): string => `[data-testid="${id}"]`

/** The UI settles within milliseconds alone, but CI runs every test file at once on two cores. */
export const poll = <V>(fn: () => Promise<V> | V, timeout = 20_000) => expect.poll(fn, { timeout, interval: 100 })

export interface Served {
  /** The block's temp folder (removed after it). */
  readonly root: string
  readonly serve: ServeChild
  readonly browser: Browser
  readonly page: Page
  readonly api: ApiSocket
  /** Uncaught errors of the page, for tests that require none. */
  readonly pageErrors: string[]
}

export interface ServeOptions {
  /** Names the temp folder: posterity-e2e-<name>-…. */
  name: string
  /** Fills the temp folder before the server starts; returns the library folder (default <root>/library). */
  prepare?: (root: string) => Promise<string | void> | string | void
  /** Extra environment of the server. */
  env?: (root: string) => Record<string, string>
  viewport?: { width: number; height: number }
  chromiumArgs?: string[]
  /** More listeners, or a first navigation. */
  onPage?: (page: Page, serve: ServeChild) => Promise<void> | void
  timeout?: number
}

/** Registers the block's beforeAll / afterAll; the returned object is filled once beforeAll ran. */
export function servedInChromium(opts: ServeOptions): Served {
  const s = { pageErrors: [] as string[] } as { -readonly [K in keyof Served]: Served[K] }
  beforeAll(async () => {
    await ensureBuilt()
    s.root = mkdtempSync(join(tmpdir(), `posterity-e2e-${opts.name}-`))
    const lib = (await opts.prepare?.(s.root)) ?? join(s.root, 'library')
    s.serve = await startServeChild(lib, opts.env?.(s.root))
    s.api = await connect(`ws://127.0.0.1:${s.serve.port}/api?token=${s.serve.token}`, { origin: s.serve.origin })
    s.browser = await chromium.launch({ executablePath: CHROMIUM, args: [...CHROMIUM_ARGS, ...(opts.chromiumArgs ?? [])] })
    s.page = await s.browser.newPage({ viewport: opts.viewport ?? { width: 1400, height: 900 }, colorScheme: 'light' })
    s.page.on('pageerror', (e) => s.pageErrors.push(e.message))
    await opts.onPage?.(s.page, s.serve)
  }, opts.timeout ?? 120_000)
  afterAll(async () => {
    s.api?.close()
    await s.browser?.close()
    if (s.serve) expect(await s.serve.stop()).toBe(0)
    if (s.root) rmSync(s.root, { recursive: true, force: true })
  })
  return s
}
