// One policy for both hosts: the header the server and the desktop window send is the
// policy of the renderer's <meta> tag, and it is strict where it matters.
import { existsSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { CSP, HEADER_ONLY_DIRECTIVES, parseCsp } from '../../src/main/hosting/csp'
import { hostAllowed, originAllowed, tokenMatches } from '../../src/main/server/guard'

const repo = fileURLToPath(new URL('../..', import.meta.url))

/** The directives both forms share (header-only ones are ignored in <meta>). */
function comparable(policy: string): Map<string, string[]> {
  const p = parseCsp(policy)
  for (const d of HEADER_ONLY_DIRECTIVES) p.delete(d)
  return p
}

function metaCsp(html: string): string {
  const m = /<meta\s+http-equiv="Content-Security-Policy"\s+content="([^"]+)"/i.exec(html)
  if (!m) throw new Error('no CSP <meta> tag')
  return m[1]
}

describe('CSP', () => {
  it('is the same policy as the renderer source <meta> tag', () => {
    const html = readFileSync(`${repo}/src/renderer/index.html`, 'utf8')
    expect(comparable(CSP)).toEqual(comparable(metaCsp(html)))
  })

  it.skipIf(!existsSync(`${repo}/out/renderer/index.html`))('is the same policy as the built renderer', () => {
    const html = readFileSync(`${repo}/out/renderer/index.html`, 'utf8')
    expect(comparable(CSP)).toEqual(comparable(metaCsp(html)))
  })

  it('allows no inline or eval script, no plugins, no framing, no base rewriting', () => {
    const p = parseCsp(CSP)
    expect(p.get('script-src')).toEqual(["'self'"])
    expect(p.get('object-src')).toEqual(["'none'"])
    expect(p.get('base-uri')).toEqual(["'none'"])
    expect(p.get('frame-ancestors')).toEqual(["'none'"])
    // form-action does not fall back to default-src.
    expect(p.get('form-action')).toEqual(["'none'"])
    expect(CSP).not.toMatch(/unsafe-eval/)
  })
})

describe('guards', () => {
  it('compares tokens exactly', () => {
    expect(tokenMatches('abc', 'abc')).toBe(true)
    for (const t of ['abd', 'ab', 'abcd', '', null, undefined]) expect(tokenMatches('abc', t)).toBe(false)
  })

  it('accepts only Host headers naming this server', () => {
    const lo = { host: '127.0.0.1', port: 8080 }
    expect(hostAllowed('127.0.0.1:8080', lo)).toBe(true)
    expect(hostAllowed('localhost:8080', lo)).toBe(true)
    for (const h of [undefined, '', '127.0.0.1', '127.0.0.1:8081', 'attacker.example:8080', '127.0.0.1.nip.io:8080', '10.0.0.2:8080']) {
      expect(hostAllowed(h, lo), String(h)).toBe(false)
    }
    const v6 = { host: '::1', port: 9 }
    expect(hostAllowed('[::1]:9', v6)).toBe(true)
    expect(hostAllowed('::1:9', v6)).toBe(false)
    // Bound to every interface: IP literals only (a rebinding attack needs a domain name).
    const all = { host: '0.0.0.0', port: 80 }
    expect(hostAllowed('192.168.1.5:80', all)).toBe(true)
    expect(hostAllowed('evil.example:80', all)).toBe(false)
  })

  it('accepts only the page’s own Origin', () => {
    expect(originAllowed(undefined, '127.0.0.1:1')).toBe(true)
    expect(originAllowed('http://127.0.0.1:1', '127.0.0.1:1')).toBe(true)
    expect(originAllowed('http://evil.example', '127.0.0.1:1')).toBe(false)
    expect(originAllowed('null', '127.0.0.1:1')).toBe(false)
    expect(originAllowed('http://127.0.0.1:1.evil.example', '127.0.0.1:1')).toBe(false)
  })
})
