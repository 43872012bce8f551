// Who may ask for a port to the core, and where a frame may go: our own page only, judged
// by the frame's URL, never by object identity. Our page is posterity-app://app/ (or the dev
// server); file:// is never trusted. Stand-in frames (Electron's WebFrameMain: url, parent).
import { describe, expect, it } from 'vitest'
import { APP_URL } from '../../src/main/electron/app-protocol'
import { sameApp, subframeNavigationAllowed, trustedFrame, type FrameLike } from '../../src/main/electron/trust'

const top = (url: string): FrameLike => ({ url, parent: null })
const child = (url: string, parent: FrameLike): FrameLike => ({ url, parent })

const DEV_APP = 'http://localhost:5173/'

describe('trustedFrame', () => {
  it('accepts the top frame of our page, from the app scheme or the dev server, whatever object it is', () => {
    expect(APP_URL).toBe('posterity-app://app/index.html')
    expect(trustedFrame(top(APP_URL), APP_URL)).toBe(true)
    expect(trustedFrame(top(`${APP_URL}#/train`), APP_URL)).toBe(true)
    expect(trustedFrame(top('posterity-app://app/'), APP_URL)).toBe(true)
    expect(trustedFrame(top('http://localhost:5173/index.html?x=1'), DEV_APP)).toBe(true)
    // A fresh object describing the same frame is just as good: no identity check.
    expect(trustedFrame({ ...top(APP_URL) }, APP_URL)).toBe(true)
  })

  it('refuses subframes, even of our own page', () => {
    expect(trustedFrame(child(APP_URL, top(APP_URL)), APP_URL)).toBe(false)
    expect(trustedFrame(child(DEV_APP, top(DEV_APP)), DEV_APP)).toBe(false)
  })

  it('refuses other pages: another host, port, scheme, credentials', () => {
    expect(trustedFrame(top('posterity-app://evil/index.html'), APP_URL)).toBe(false)
    expect(trustedFrame(top('posterity-app://app:1/index.html'), APP_URL)).toBe(false)
    expect(trustedFrame(top('posterity-app://user@app/index.html'), APP_URL)).toBe(false)
    expect(trustedFrame(top('posterity-media://thumb/tt1'), APP_URL)).toBe(false)
    expect(trustedFrame(top('https://evil.example/'), APP_URL)).toBe(false)
    expect(trustedFrame(top('http://localhost:5174/'), DEV_APP)).toBe(false)
    expect(trustedFrame(top('https://localhost:5173/'), DEV_APP)).toBe(false)
    expect(trustedFrame(top('http://user:pw@localhost:5173/'), DEV_APP)).toBe(false)
    expect(trustedFrame(top(APP_URL), DEV_APP)).toBe(false)
  })

  it('never trusts file://, not even the built page on disk or a file app URL', () => {
    const built = 'file:///opt/posterity/out/renderer/index.html'
    expect(trustedFrame(top(built), APP_URL)).toBe(false)
    expect(trustedFrame(top(built), built)).toBe(false)
    expect(trustedFrame(top('file:///tmp/evil.html'), built)).toBe(false)
    expect(sameApp(built, built)).toBe(false)
  })

  it('refuses a frame that is gone or a URL that does not parse', () => {
    expect(trustedFrame(null, APP_URL)).toBe(false)
    expect(trustedFrame(undefined, APP_URL)).toBe(false)
    expect(trustedFrame(top('not a url'), APP_URL)).toBe(false)
    expect(sameApp(APP_URL, 'also not a url')).toBe(false)
  })
})

describe('subframeNavigationAllowed', () => {
  it('lets a subframe move within our own app only', () => {
    expect(subframeNavigationAllowed('posterity-app://app/index.html#/explore', APP_URL)).toBe(true)
    expect(subframeNavigationAllowed('posterity-app://app/assets/x.svg', APP_URL)).toBe(true)
    expect(subframeNavigationAllowed('http://localhost:5173/other', DEV_APP)).toBe(true)
  })

  it('refuses every other destination', () => {
    for (const url of [
      'https://evil.example/',
      'http://localhost:5173/',
      'posterity-app://evil/',
      'posterity-media://full/tt1',
      'file:///etc/passwd',
      'file:///opt/posterity/out/renderer/index.html',
      'about:blank',
      'about:srcdoc',
      'data:text/html,<script>1</script>',
      'javascript:alert(1)',
      'blob:posterity-app://app/0f0e',
      'chrome://settings',
      '',
      'not a url',
    ]) {
      expect(subframeNavigationAllowed(url, APP_URL), url).toBe(false)
    }
    expect(subframeNavigationAllowed('posterity-app://app/', DEV_APP)).toBe(false)
  })
})
