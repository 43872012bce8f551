// The serve host's defences, seen from a real Chromium: a page of another origin cannot
// open the API socket even with the token, a rebound DNS name gets nothing, and the app
// shell without the token cannot reach the API.
import { createServer, type Server } from 'node:http'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { hasChromium } from './serve-child'
import { servedInChromium } from './fixture'

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
  let foreign: Server
  let foreignPort: number
  const ui = servedInChromium({
    name: 'origin',
    // Stands in for an attacker's DNS: these names resolve to loopback.
    chromiumArgs: ['--host-resolver-rules=MAP rebind.test 127.0.0.1, MAP foreign.test 127.0.0.1'],
    timeout: 60_000,
  })

  beforeAll(async () => {
    // Another site on this machine: a different origin than the server's.
    foreign = createServer((_req, res) => res.end('<!doctype html><title>foreign</title>'))
    await new Promise<void>((r) => foreign.listen(0, '127.0.0.1', r))
    foreignPort = (foreign.address() as { port: number }).port
  })

  afterAll(() => {
    foreign?.close()
  })

  it('the app page itself connects', async () => {
    await ui.page.goto(ui.serve.url)
    expect(await socketOpens(ui.page, `ws://127.0.0.1:${ui.serve.port}/api?token=${ui.serve.token}`)).toBe(true)
  })

  it('a page of another origin cannot open the socket, even knowing the token', async () => {
    await ui.page.goto(`http://foreign.test:${foreignPort}/`)
    expect(await socketOpens(ui.page, `ws://127.0.0.1:${ui.serve.port}/api?token=${ui.serve.token}`)).toBe(false)
    await ui.page.goto(`http://127.0.0.1:${foreignPort}/`)
    expect(await socketOpens(ui.page, `ws://127.0.0.1:${ui.serve.port}/api?token=${ui.serve.token}`)).toBe(false)
  })

  it('a DNS-rebound name gets nothing', async () => {
    const res = await ui.page.goto(`http://rebind.test:${ui.serve.port}/`)
    expect(res?.status()).toBe(400)
    expect(await socketOpens(ui.page, `ws://rebind.test:${ui.serve.port}/api?token=${ui.serve.token}`)).toBe(false)
  })

  it('the shell without the token loads, but the API stays shut', async () => {
    const res = await ui.page.goto(`http://127.0.0.1:${ui.serve.port}/`)
    expect(res?.status()).toBe(200)
    expect(res?.headers()['content-security-policy']).toContain("script-src 'self'")
    expect(await socketOpens(ui.page, `ws://127.0.0.1:${ui.serve.port}/api`)).toBe(false)
    expect(await socketOpens(ui.page, `ws://127.0.0.1:${ui.serve.port}/api?token=guess`)).toBe(false)
  })
})
