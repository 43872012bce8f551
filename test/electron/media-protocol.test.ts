// The window's poster protocol, posterity-media://<kind>/<id>: the handler protocol.handle
// is given, called with real Requests over a real library (real JPEGs imported by the core,
// the core's own lookup), so only the library's posters are ever read, whatever the URL says.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openCore, type Core } from '../../src/main/core'
import { mediaProtocolHandler } from '../../src/main/electron/media-protocol'
import type { ProtocolHandler } from '../../src/main/electron/app-protocol'
import { mediaFile } from '../../src/main/library/media'

const SECRET = 'not-a-poster-secret'
const posters = ['tt0000001', 'tt0000002']
let root: string
let postersDir: string
let core: Core
let handler: ProtocolHandler

const get = (url: string, init?: RequestInit) => handler(new Request(url, init))

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'posterity-media-protocol-'))
  postersDir = join(root, 'posters')
  mkdirSync(postersDir)
  for (const [i, id] of posters.entries()) {
    await sharp({ create: { width: 60, height: 90, channels: 3, background: { r: 90 * i, g: 100, b: 50 } } })
      .jpeg()
      .toFile(join(postersDir, `${id}.jpg`))
  }
  writeFileSync(join(root, 'secret.jpg'), SECRET)
  core = openCore({ libraryDir: join(root, 'library'), host: 'electron' })
  const finished = new Promise<void>((resolve) => core.events.onAny((name) => name === 'import.finished' && resolve()))
  const started = await core.dispatch('imports.start', { paths: [postersDir] })
  expect(started.ok).toBe(true)
  await finished
  // What the main process does: ask the core which file serves the poster.
  handler = mediaProtocolHandler(async (kind, id) => mediaFile(core, kind, id))
}, 60_000)

afterAll(async () => {
  await core?.close()
  rmSync(root, { recursive: true, force: true })
})

describe('posterity-media: protocol', () => {
  it('serves a library poster and its thumbnail, typed, nosniff', async () => {
    const full = await get(`posterity-media://full/${posters[0]}`)
    expect(full.status).toBe(200)
    expect(full.headers.get('content-type')).toBe('image/jpeg')
    expect(full.headers.get('x-content-type-options')).toBe('nosniff')
    expect(Buffer.from(await full.arrayBuffer()).equals(readFileSync(join(postersDir, `${posters[0]}.jpg`)))).toBe(true)
    const thumb = await get(`posterity-media://thumb/${posters[1]}`)
    expect(thumb.status).toBe(200)
    expect(thumb.headers.get('content-type')).toMatch(/^image\//)
    const head = await get(`posterity-media://thumb/${posters[1]}`, { method: 'HEAD' })
    expect(head.status).toBe(200)
    expect(await head.text()).toBe('')
  })

  it('answers only GET and HEAD', async () => {
    for (const method of ['POST', 'PUT', 'DELETE']) {
      expect((await get(`posterity-media://full/${posters[0]}`, { method })).status, method).toBe(405)
    }
  })

  it('serves nothing but library posters: no traversal, encoded or not, no other host or file', async () => {
    const attempts = [
      'posterity-media://full/tt9999999',
      'posterity-media://full/..%2F..%2Fsecret.jpg',
      'posterity-media://full/%2e%2e%2fsecret.jpg',
      'posterity-media://full/..%5Csecret.jpg',
      'posterity-media://full/../../secret.jpg',
      `posterity-media://full/${encodeURIComponent(join(root, 'secret.jpg'))}`,
      `posterity-media://full/${posters[0]}%00.jpg`,
      `posterity-media://full/${posters[0]}/extra`,
      `posterity-media://full/${'a'.repeat(5000)}`,
      'posterity-media://library/library.sqlite',
      `posterity-media://other/${posters[0]}`,
      `posterity-media://full/`,
      `posterity-media://full/%E0%A4%A`,
      // The right kind and id, dressed up: a port is not our URL. (A Request refuses credentials.)
      `posterity-media://full:1/${posters[0]}`,
    ]
    for (const url of attempts) {
      const res = await get(url)
      expect(res.status, url).toBe(404)
      const body = await res.text()
      expect(body, url).not.toContain(SECRET)
      expect(body, url).not.toContain('SQLite format')
    }
  })

  it('refuses an original swapped for a link out of the library after the import', async () => {
    const original = join(postersDir, `${posters[1]}.jpg`)
    const kept = readFileSync(original)
    unlinkSync(original)
    symlinkSync(join(root, 'secret.jpg'), original)
    try {
      const res = await get(`posterity-media://full/${posters[1]}`)
      expect(res.status).toBe(404)
      expect(await res.text()).not.toContain(SECRET)
    } finally {
      unlinkSync(original)
      writeFileSync(original, kept)
    }
    expect((await get(`posterity-media://full/${posters[1]}`)).status).toBe(200)
  })

  it('refuses an original swapped for other bytes of the same size between the lookup and the read', async () => {
    const original = join(postersDir, `${posters[0]}.jpg`)
    const kept = readFileSync(original)
    // The core looks the file up while it is the imported one; it is swapped before the main process reads it.
    const racing = mediaProtocolHandler(async (kind, id) => {
      const file = mediaFile(core, kind, id)
      writeFileSync(original, Buffer.concat([Buffer.from(SECRET), Buffer.alloc(kept.length - SECRET.length, 0x20)]))
      return file
    })
    try {
      const res = await racing(new Request(`posterity-media://full/${posters[0]}`))
      expect(res.status).toBe(404)
      expect(await res.text()).not.toContain(SECRET)
    } finally {
      writeFileSync(original, kept)
    }
    expect((await get(`posterity-media://full/${posters[0]}`)).status).toBe(200)
  })
})
