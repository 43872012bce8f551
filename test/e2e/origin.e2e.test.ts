// The serve host's defences, seen from a real Chromium: a page of another origin cannot
// open the API socket even with the token, a rebound DNS name gets nothing, and the app
// shell without the token cannot reach the API.
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium, type Browser, type Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CHROMIUM, CHROMIUM_ARGS, ensureBuilt, hasChromium, startServeChild, type ServeChild } from './serve-child'


/** In the page: does a WebSocket to `url` open? */
function socketOpens(page: Page, url: string): Promise<boolean> {
  return page.evaluate(
    (u) =>
      new Promise<boolean>((resolve) => {
        const ws = new WebSocket(u)
        ws.onopen = () => {
          ws.close()
          resolve(true)
        }
        ws.onerror = () => resolve(false)
        ws.onclose = () => resolve(false)
      }),
    url,
  )
}

describe.skipIf(!hasChromium)('serve defences in Chromium', () => {
  let root: string
  let serve: ServeChild
  let foreign: Server
  let foreignPort: number
  let browser: Browser
  let page: Page

  beforeAll(async () => {
    await ensureBuilt()
    root = mkdtempSync(join(tmpdir(), 'posterity-e2e-origin-'))
    serve = await startServeChild(join(root, 'library'))
    // Another site on this machine: a different origin than the server's.
    foreign = createServer((_req, res) => res.end('<!doctype html><title>foreign</title>'))
    await new Promise<void>((r) => foreign.listen(0, '127.0.0.1', r))
    foreignPort = (foreign.address() as { port: number }).port
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      // Stands in for an attacker's DNS: these names resolve to loopback.
      args: [...CHROMIUM_ARGS, '--host-resolver-rules=MAP rebind.test 127.0.0.1, MAP foreign.test 127.0.0.1'],
    })
    page = await browser.newPage()
  }, 60_000)

  afterAll(async () => {
    await browser?.close()
    foreign?.close()
    if (serve) expect(await serve.stop()).toBe(0)
    if (root) rmSync(root, { recursive: true, force: true })
  })

  it('the app page itself connects', async () => {
    await page.goto(serve.url)
    expect(await socketOpens(page, `ws://127.0.0.1:${serve.port}/api?token=${serve.token}`)).toBe(true)
  })

  it('a page of another origin cannot open the socket, even knowing the token', async () => {
    await page.goto(`http://foreign.test:${foreignPort}/`)
    expect(await socketOpens(page, `ws://127.0.0.1:${serve.port}/api?token=${serve.token}`)).toBe(false)
    await page.goto(`http://127.0.0.1:${foreignPort}/`)
    expect(await socketOpens(page, `ws://127.0.0.1:${serve.port}/api?token=${serve.token}`)).toBe(false)
  })

  it('a DNS-rebound name gets nothing', async () => {
    const res = await page.goto(`http://rebind.test:${serve.port}/`)
    expect(res?.status()).toBe(400)
    expect(await socketOpens(page, `ws://rebind.test:${serve.port}/api?token=${serve.token}`)).toBe(false)
  })

  it('the shell without the token loads, but the API stays shut', async () => {
    const res = await page.goto(`http://127.0.0.1:${serve.port}/`)
    expect(res?.status()).toBe(200)
    expect(res?.headers()['content-security-policy']).toContain("script-src 'self'")
    expect(await socketOpens(page, `ws://127.0.0.1:${serve.port}/api`)).toBe(false)
    expect(await socketOpens(page, `ws://127.0.0.1:${serve.port}/api?token=guess`)).toBe(false)
  })
})
