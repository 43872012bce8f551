// mediaFile: only the library's own thumbnails and the posters' recorded originals.
import { createHash } from 'node:crypto'
import { lstatSync, mkdirSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { mediaFile, verifiedBytes } from '../../src/main/library/media'
import { findThumb, makeShardOf, thumbPath, thumbPaths } from '../../src/main/library/thumbs'
import { importInto, jpeg, useLibrary } from './helpers'

const t = useLibrary({ sub: 'lib' })
const sha = (s: string) => createHash('sha256').update(s).digest('hex')

function add(id: string, path: string, hash: string) {
  t.core.db
    .prepare(`INSERT INTO posters (id, hash, path, size, width, height, added_at) VALUES (?, ?, ?, 1, 1, 1, 0)`)
    .run(id, hash, path)
}

describe('mediaFile', () => {
  it('serves the cached thumbnail and the recorded original while they exist', () => {
    const original = join(t.dir, 'p.png')
    writeFileSync(original, 'x')
    add('tt1', original, sha('x'))
    expect(mediaFile(t.core, 'thumb', 'tt1')).toBeNull() // no thumbnail yet
    const thumb = thumbPath(t.core.dir, sha('x'))
    mkdirSync(join(thumb, '..'), { recursive: true })
    writeFileSync(thumb, 'w')
    expect(mediaFile(t.core, 'thumb', 'tt1')).toEqual({ path: thumb, mime: 'image/jpeg' })
    // A library made by an older version has WebP thumbnails: served as they are.
    const [, webp] = thumbPaths(t.core.dir, sha('x'))
    rmSync(thumb)
    writeFileSync(webp, 'w')
    expect(mediaFile(t.core, 'thumb', 'tt1')).toEqual({ path: webp, mime: 'image/webp' })
    expect(mediaFile(t.core, 'full', 'tt1')).toEqual({ path: original, mime: 'image/png', sha256: sha('x') })
    rmSync(original)
    expect(mediaFile(t.core, 'full', 'tt1')).toBeNull()
  })

  it('returns nothing for unknown ids, path-like ids, folders and odd kinds', () => {
    const dir = join(t.dir, 'folder.jpg')
    mkdirSync(dir)
    add('tt2', dir, 'cd'.repeat(32))
    expect(mediaFile(t.core, 'full', 'tt2')).toBeNull()
    expect(mediaFile(t.core, 'full', '../../etc/passwd')).toBeNull()
    expect(mediaFile(t.core, 'thumb', 'nope')).toBeNull()
    expect(mediaFile(t.core, 'other' as 'full', 'tt2')).toBeNull()
  })

  it('refuses a thumbnail or an original swapped for a link after the import (to /etc/passwd, say)', () => {
    const original = join(t.dir, 'q.png')
    writeFileSync(original, 'y') // 1 byte, as recorded
    add('tt3', original, sha('y'))
    expect(mediaFile(t.core, 'full', 'tt3')).toEqual({ path: original, mime: 'image/png', sha256: sha('y') })
    const thumb = thumbPath(t.core.dir, sha('y'))
    mkdirSync(join(thumb, '..'), { recursive: true })
    symlinkSync('/etc/passwd', thumb)
    expect(mediaFile(t.core, 'thumb', 'tt3')).toBeNull()
    rmSync(original)
    symlinkSync('/etc/passwd', original)
    expect(mediaFile(t.core, 'full', 'tt3')).toBeNull()
    // A different file in its place is not the imported poster either, of another size or the same.
    rmSync(original)
    writeFileSync(original, 'much longer than what was imported')
    expect(mediaFile(t.core, 'full', 'tt3')).toBeNull()
    // Of the same size it is found, and refused on the very bytes a host reads to send it.
    writeFileSync(original, 'z')
    const found = mediaFile(t.core, 'full', 'tt3')!
    expect(verifiedBytes(found, readFileSync(original))).toBeNull()
    writeFileSync(original, 'y')
    expect(verifiedBytes(found, readFileSync(original))?.toString()).toBe('y')
  })

  it('serves no thumbnail through a linked thumbs/ shard, and an import writes a real one in its place', async () => {
    const outside = join(t.dir, 'outside')
    mkdirSync(outside)
    const hash = sha('v')
    // A file under the thumbnail's name, reached through a link where the shard folder should be.
    writeFileSync(join(outside, `${hash}.jpg`), 'secret')
    mkdirSync(join(t.core.dir, 'thumbs'), { recursive: true })
    symlinkSync(outside, join(t.core.dir, 'thumbs', hash.slice(0, 2)))
    add('tt4', join(t.dir, 'v.jpg'), hash)
    expect(mediaFile(t.core, 'thumb', 'tt4')).toBeNull()
    expect(await findThumb(t.core.dir, hash)).toBeNull()
    // Writing a thumbnail there replaces the link with a folder of the library's own.
    const poster = join(t.dir, 'posters', 'tt0000005.jpg')
    mkdirSync(join(t.dir, 'posters'))
    await jpeg(poster, { seed: 5 })
    const real = createHash('sha256').update(readFileSync(poster)).digest('hex')
    rmSync(join(t.core.dir, 'thumbs', hash.slice(0, 2)))
    symlinkSync(outside, join(t.core.dir, 'thumbs', real.slice(0, 2)))
    await importInto(t.core, [join(t.dir, 'posters')])
    expect(lstatSync(join(t.core.dir, 'thumbs', real.slice(0, 2))).isDirectory()).toBe(true)
    expect(mediaFile(t.core, 'thumb', 'tt0000005')?.path).toBe(thumbPath(t.core.dir, real))
    expect(readdirSync(outside)).toEqual([`${hash}.jpg`])
  })

  it('lets several writers replace the same linked thumbs/ folder at once', async () => {
    const outside = join(t.dir, 'elsewhere')
    mkdirSync(outside)
    rmSync(join(t.core.dir, 'thumbs'), { recursive: true, force: true })
    symlinkSync(outside, join(t.core.dir, 'thumbs'))
    const hashes = Array.from({ length: 8 }, (_, i) => sha(`w${i}`))
    await Promise.all(hashes.map((h) => makeShardOf(thumbPath(t.core.dir, h))))
    expect(lstatSync(join(t.core.dir, 'thumbs')).isDirectory()).toBe(true)
    for (const h of hashes) expect(lstatSync(join(t.core.dir, 'thumbs', h.slice(0, 2))).isDirectory()).toBe(true)
    expect(readdirSync(outside)).toEqual([])
  })
})
