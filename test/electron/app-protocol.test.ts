// The window's page comes from posterity-app://app/, served from the built renderer folder
// only. Real files in a temp folder, real Requests and Responses, the handler that
// protocol.handle is given (no Electron needed to call it).
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { APP_URL, appProtocolHandler, type ProtocolHandler } from '../../src/main/electron/app-protocol'
import { CSP, DEV_SERVER_CSP, parseCsp } from '../../src/main/hosting/csp'
import { locateRendererFile } from '../../src/main/hosting/renderer-files'

let root: string
let renderer: string
let handler: ProtocolHandler

const get = (url: string, init?: RequestInit) => handler(new Request(url, init))

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'posterity-app-protocol-'))
  renderer = join(root, 'out', 'renderer')
  mkdirSync(join(renderer, 'assets'), { recursive: true })
  writeFileSync(join(renderer, 'index.html'), '<!doctype html><title>Posterity</title>')
  writeFileSync(join(renderer, 'assets', 'index-abc.js'), 'console.log(1)')
  writeFileSync(join(renderer, 'assets', 'index-abc.css'), 'body{}')
  writeFileSync(join(renderer, 'assets', 'blob.bin'), 'x')
  writeFileSync(join(renderer, 'assets', 'a b.svg'), '<svg/>')
  // What must stay out of reach: a file beside the folder, and links that lead to it.
  writeFileSync(join(root, 'out', 'secret.txt'), 'secret')
  writeFileSync(join(root, 'secret.txt'), 'secret')
  symlinkSync(join(root, 'secret.txt'), join(renderer, 'assets', 'leak.txt'))
  symlinkSync(root, join(renderer, 'up'))
  // A link that stays inside is just another name for our own file.
  symlinkSync(join(renderer, 'assets', 'index-abc.js'), join(renderer, 'alias.js'))
  handler = appProtocolHandler(renderer)
})

afterAll(() => rmSync(root, { recursive: true, force: true }))

describe('posterity-app: protocol', () => {
  it('serves the page at the app URL and at /, with the CSP and the security headers', async () => {
    for (const url of [APP_URL, 'posterity-app://app/', 'posterity-app://app', 'posterity-app://APP/index.html', `${APP_URL}?x=1#/train`]) {
      const res = await get(url)
      expect(res.status, url).toBe(200)
      expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8')
      expect(res.headers.get('content-security-policy')).toBe(CSP)
      expect(res.headers.get('x-content-type-options')).toBe('nosniff')
      expect(await res.text()).toContain('<title>Posterity</title>')
    }
    // The policy sent allows no inline style or script.
    expect(parseCsp(CSP).get('style-src')).toEqual(["'self'"])
    expect(CSP).not.toMatch(/unsafe-inline/)
  })

  it('the dev server alone gets inline styles (Vite injects <style> elements), nothing else differs', () => {
    const dev = parseCsp(DEV_SERVER_CSP)
    const built = parseCsp(CSP)
    expect(dev.get('style-src')).toEqual(["'self'", "'unsafe-inline'"])
    dev.delete('style-src')
    built.delete('style-src')
    expect(dev).toEqual(built)
  })

  it('sends each asset with its type, unknown kinds as opaque bytes, and decodes names once', async () => {
    const type = async (path: string) => (await get(`posterity-app://app/${path}`)).headers.get('content-type')
    expect(await type('assets/index-abc.js')).toBe('text/javascript; charset=utf-8')
    expect(await type('assets/index-abc.css')).toBe('text/css; charset=utf-8')
    expect(await type('assets/blob.bin')).toBe('application/octet-stream')
    expect(await type('assets/a%20b.svg')).toBe('image/svg+xml')
    expect(await type('alias.js')).toBe('text/javascript; charset=utf-8')
    const js = await get('posterity-app://app/assets/index-abc.js')
    expect(await js.text()).toBe('console.log(1)')
    expect(js.headers.get('content-length')).toBe(String('console.log(1)'.length))
  })

  it('refuses every way out of the folder', async () => {
    const outside = [
      'posterity-app://app/..%2Fsecret.txt',
      'posterity-app://app/..%2F..%2Fsecret.txt',
      'posterity-app://app/assets/..%2F..%2Fsecret.txt',
      'posterity-app://app/%2e%2e%2Fsecret.txt',
      'posterity-app://app/%2E%2E%2F%2E%2E%2Fsecret.txt',
      'posterity-app://app/assets%2F..%2F..%2Fsecret.txt',
      'posterity-app://app/..%5Csecret.txt',
      `posterity-app://app/${encodeURIComponent(join(root, 'secret.txt'))}`,
      `posterity-app://app/${join(root, 'secret.txt')}`.replace('app/', 'app//'),
      'posterity-app://app//etc/passwd',
      'posterity-app://app/%2Fetc%2Fpasswd',
      'posterity-app://app/assets/leak.txt',
      'posterity-app://app/up/secret.txt',
      'posterity-app://app/index.html%00.js',
      'posterity-app://app/%E0%A4%A',
    ]
    for (const url of outside) {
      const res = await get(url)
      expect(res.status, url).toBe(404)
      expect(await res.text(), url).not.toContain('secret')
    }
    // The URL parser already folds plain and encoded dot segments: they cannot climb above the folder.
    for (const url of ['posterity-app://app/../secret.txt', 'posterity-app://app/%2e%2e/%2e%2e/secret.txt', 'posterity-app://app/assets/../../secret.txt']) {
      expect((await get(url)).status, url).toBe(404)
    }
  })

  it('refuses directories, missing files, other hosts, ports, credentials and other schemes', async () => {
    for (const url of [
      'posterity-app://app/assets',
      'posterity-app://app/assets/',
      'posterity-app://app/nope.js',
      'posterity-app://evil/index.html',
      'posterity-app://app.evil/index.html',
      'posterity-app://app:8080/index.html',
      'posterity-app:///index.html',
      'posterity-media://app/index.html',
      'file:///etc/passwd',
    ]) {
      expect((await get(url)).status, url).toBe(404)
    }
    // Node's Request refuses credentials in a URL; the handler reads only method and url.
    const withCredentials = { method: 'GET', url: 'posterity-app://user:pw@app/index.html' } as Request
    expect((await handler(withCredentials)).status).toBe(404)
  })

  it('answers GET only', async () => {
    for (const method of ['POST', 'PUT', 'DELETE', 'HEAD', 'OPTIONS', 'PATCH']) {
      const res = await get(APP_URL, { method })
      expect(res.status, method).toBe(405)
      expect(res.headers.get('allow')).toBe('GET')
    }
  })
})

describe('locateRendererFile', () => {
  it('is confined to the real folder, even when given through a symlinked path', async () => {
    const linked = join(root, 'linked-renderer')
    symlinkSync(renderer, linked)
    expect(await locateRendererFile(linked, '/assets/index-abc.js')).toBe(join(renderer, 'assets', 'index-abc.js'))
    expect(await locateRendererFile(linked, '/assets/leak.txt')).toBeNull()
    expect(await locateRendererFile(renderer, 'index.html')).toBeNull()
    expect(await locateRendererFile(join(root, 'missing'), '/index.html')).toBeNull()
  })
})
