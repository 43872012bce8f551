// Who may ask for a port to the core: the top frame of our own page, judged by the frame's
// URL, never by object identity. Stand-in frames (Electron's WebFrameMain: url, parent).
import { describe, expect, it } from 'vitest'
import { sameApp, trustedFrame, type FrameLike } from '../../src/main/electron/trust'

const top = (url: string): FrameLike => ({ url, parent: null })
const child = (url: string, parent: FrameLike): FrameLike => ({ url, parent })

describe('trustedFrame', () => {
  const FILE_APP = 'file:///opt/posterity/out/renderer/index.html'
  const DEV_APP = 'http://localhost:5173/'

  it('accepts the top frame of our page, from a file or the dev server, whatever object it is', () => {
    expect(trustedFrame(top(FILE_APP), FILE_APP)).toBe(true)
    expect(trustedFrame(top(`${FILE_APP}#/train`), FILE_APP)).toBe(true)
    expect(trustedFrame(top('http://localhost:5173/index.html?x=1'), DEV_APP)).toBe(true)
    // A fresh object describing the same frame is just as good: no identity check.
    expect(trustedFrame({ ...top(FILE_APP) }, FILE_APP)).toBe(true)
  })

  it('refuses subframes, even of our own page', () => {
    expect(trustedFrame(child(FILE_APP, top(FILE_APP)), FILE_APP)).toBe(false)
    expect(trustedFrame(child(DEV_APP, top(DEV_APP)), DEV_APP)).toBe(false)
  })

  it('refuses other pages: another file, another origin, another port, another scheme, credentials', () => {
    expect(trustedFrame(top('file:///tmp/evil.html'), FILE_APP)).toBe(false)
    expect(trustedFrame(top('https://evil.example/'), FILE_APP)).toBe(false)
    expect(trustedFrame(top('http://localhost:5174/'), DEV_APP)).toBe(false)
    expect(trustedFrame(top('https://localhost:5173/'), DEV_APP)).toBe(false)
    expect(trustedFrame(top('http://user:pw@localhost:5173/'), DEV_APP)).toBe(false)
    expect(trustedFrame(top('posterity-media://thumb/tt1'), FILE_APP)).toBe(false)
  })

  it('refuses a frame that is gone or a URL that does not parse', () => {
    expect(trustedFrame(null, FILE_APP)).toBe(false)
    expect(trustedFrame(undefined, FILE_APP)).toBe(false)
    expect(trustedFrame(top('not a url'), FILE_APP)).toBe(false)
    expect(sameApp(FILE_APP, 'also not a url')).toBe(false)
  })
})
