// Media of `posterity serve`: posters imported through the socket (real JPEGs made by
// sharp) are served to the token holder, and nothing but library posters ever is.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseMediaPath } from '../../src/main/hosting/media-path'
import { thumbPaths } from '../../src/main/library/thumbs'
import { ApiSocket, connect, raw, SECRET, servedOnFakeRenderer, type EventMsg } from './helpers'

const posters = ['tt0000001', 'tt0000002', 'tt0000003']
let postersDir: string

const served = servedOnFakeRenderer(async (root) => {
  postersDir = join(root, 'posters')
  mkdirSync(postersDir)
  // Real JPEGs, each a different colour so their content hashes differ.
  for (const [i, id] of posters.entries()) {
    await sharp({ create: { width: 60, height: 90, channels: 3, background: { r: 40 * i, g: 100, b: 200 - 40 * i } } })
      .jpeg()
      .toFile(join(postersDir, `${id}.jpg`))
  }
})

describe('import through the socket, then media', () => {
  let watcher: ApiSocket
  let worker: ApiSocket

  beforeAll(async () => {
    watcher = await connect(served.wsUrl)
    worker = await connect(served.wsUrl)
    const { jobId } = await worker.ok<{ jobId: string }>('imports.start', { paths: [postersDir] })
    // The watcher, which made no call, sees the job end: events reach every socket.
    const finished = await watcher.next<EventMsg>((m) => m.type === 'event' && m.name === 'import.finished', 60_000)
    expect(finished.payload).toMatchObject({ jobId, status: 'done', error: null })
  })

  afterAll(() => {
    watcher?.close()
    worker?.close()
  })

  it('imported the posters', async () => {
    const stats = await worker.ok<{ posters: number }>('library.stats')
    expect(stats.posters).toBe(posters.length)
  })

  it('requires the token for media', async () => {
    const id = posters[0]
    expect((await raw(served.server.port, `/media/full/${id}`)).status).toBe(401)
    expect((await raw(served.server.port, `/media/full/${id}?token=wrong`)).status).toBe(401)
    expect((await raw(served.server.port, `/media/thumb/${id}?token=`)).status).toBe(401)
  })

  it('serves a library poster and its thumbnail', async () => {
    const id = posters[1]
    const full = await raw(served.server.port, `/media/full/${id}?token=${served.server.token}`)
    expect(full.status).toBe(200)
    expect(full.headers['content-type']).toBe('image/jpeg')
    expect(full.headers['x-content-type-options']).toBe('nosniff')
    expect(full.body.equals(readFileSync(join(postersDir, `${id}.jpg`)))).toBe(true)

    const thumb = await raw(served.server.port, `/media/thumb/${id}?token=${served.server.token}`)
    expect(thumb.status).toBe(200)
    const meta = await sharp(thumb.body).metadata()
    expect(meta.format).toBe(thumb.headers['content-type']!.toString().split('/')[1])

    expect(thumb.headers['content-type']).toBe('image/jpeg')

    // Revalidation: the same ETag gives 304.
    const again = await raw(served.server.port, `/media/full/${id}?token=${served.server.token}`, { headers: { 'If-None-Match': String(full.headers.etag) } })
    expect(again.status).toBe(304)
  })

  it('refuses a full image whose bytes are no longer the imported ones (same size), and serves it again once restored', async () => {
    const id = posters[0]
    const file = join(postersDir, `${id}.jpg`)
    const kept = readFileSync(file)
    writeFileSync(file, Buffer.concat([Buffer.from(SECRET), Buffer.alloc(kept.length - SECRET.length, 0x20)]))
    try {
      const res = await raw(served.server.port, `/media/full/${id}?token=${served.server.token}`)
      expect(res.status).toBe(404)
      expect(res.body.toString()).not.toContain(SECRET)
    } finally {
      writeFileSync(file, kept)
    }
    const back = await raw(served.server.port, `/media/full/${id}?token=${served.server.token}`)
    expect(back.status).toBe(200)
    expect(back.body.equals(kept)).toBe(true)
  })

  it('serves a WebP thumbnail an older version wrote, as image/webp', async () => {
    const id = posters[2]
    const { hash } = await worker.ok<{ hash: string }>('library.get', { id })
    const [jpg, webp] = thumbPaths(join(served.dirs.root, 'library'), hash)
    await sharp(jpg).webp({ quality: 78, effort: 0 }).toFile(webp)
    rmSync(jpg)
    const thumb = await raw(served.server.port, `/media/thumb/${id}?token=${served.server.token}`)
    expect(thumb.status).toBe(200)
    expect(thumb.headers['content-type']).toBe('image/webp')
    expect(thumb.body.equals(readFileSync(webp))).toBe(true)
  })

  it('serves nothing but library posters (no traversal, no other files)', async () => {
    const t = `token=${served.server.token}`
    writeFileSync(join(served.dirs.root, 'library', 'not-a-poster.jpg'), 'x')
    const attempts = [
      `/media/full/tt9999999?${t}`, // not in the library
      `/media/full/not-a-poster?${t}`,
      `/media/full/..%2F..%2Fsecret.txt?${t}`,
      `/media/full/..%2Fsecret.txt?${t}`,
      `/media/full/../../secret.txt?${t}`,
      `/media/full/..?${t}`,
      `/media/full/library.sqlite?${t}`,
      `/media/full/%2e%2e%2flibrary.sqlite?${t}`,
      `/media/full/${posters[0]}/extra?${t}`,
      `/media/other/${posters[0]}?${t}`,
      `/media/full/?${t}`,
      `/media/full/%E0%A4%A?${t}`,
    ]
    for (const path of attempts) {
      const res = await raw(served.server.port, path)
      expect(res.status, path).toBeGreaterThanOrEqual(400)
      expect(res.status, path).toBeLessThan(500)
      expect(res.body.toString(), path).not.toContain(SECRET)
      expect(res.body.toString(), path).not.toContain('SQLite format')
    }
  })

  it('forwards label edits as events to the other sockets', async () => {
    const env = await worker.ok<{ changed: string[] }>('labels.edit', { ids: [posters[2]], add: ['Drama'] })
    expect(env.changed).toEqual([posters[2]])
    const ev = await watcher.next<EventMsg>(
      (m) => m.type === 'event' && m.name === 'library.changed' && (m.payload as { reason: string }).reason === 'labels',
    )
    expect(ev.payload).toMatchObject({ reason: 'labels' })
  })
})

describe('media paths (shared by /media/ and the desktop posterity-media: protocol)', () => {
  it('accept a kind and one valid, encoded poster id', () => {
    expect(parseMediaPath('thumb/tt0000001')).toEqual({ kind: 'thumb', id: 'tt0000001' })
    expect(parseMediaPath('full/imdb%3Att1')).toEqual({ kind: 'full', id: 'imdb:tt1' })
  })

  it('refuse everything else', () => {
    for (const bad of ['thumb', 'thumb/', 'other/tt1', 'full/a/b', 'full/..%2Fx', 'full/%2e%2e%2fx', 'full/a%00b', 'full/%E0%A4%A', 'full/a b', '/full/tt1', 'FULL/tt1']) {
      expect(parseMediaPath(bad), bad).toBeNull()
    }
  })
})
