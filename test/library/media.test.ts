// mediaFile: only the library's own thumbnails and the posters' recorded originals.
import { mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { Core } from '../../src/main/core'
import { mediaFile } from '../../src/main/library/media'
import { thumbPath } from '../../src/main/library/thumbs'
import { open, tempDir } from './helpers'

let t: ReturnType<typeof tempDir>
let core: Core
beforeEach(() => {
  t = tempDir()
  core = open(join(t.dir, 'lib'))
})
afterEach(async () => {
  await core.close()
  t.cleanup()
})

function add(id: string, path: string, hash: string) {
  core.db
    .prepare(`INSERT INTO posters (id, hash, path, size, width, height, added_at) VALUES (?, ?, ?, 1, 1, 1, 0)`)
    .run(id, hash, path)
}

describe('mediaFile', () => {
  it('serves the cached thumbnail and the recorded original while they exist', () => {
    const original = join(t.dir, 'p.png')
    writeFileSync(original, 'x')
    add('tt1', original, 'ab'.repeat(32))
    expect(mediaFile(core, 'thumb', 'tt1')).toBeNull() // no thumbnail yet
    const thumb = thumbPath(core.dir, 'ab'.repeat(32))
    mkdirSync(join(thumb, '..'), { recursive: true })
    writeFileSync(thumb, 'w')
    expect(mediaFile(core, 'thumb', 'tt1')).toEqual({ path: thumb, mime: 'image/webp' })
    expect(mediaFile(core, 'full', 'tt1')).toEqual({ path: original, mime: 'image/png' })
    rmSync(original)
    expect(mediaFile(core, 'full', 'tt1')).toBeNull()
  })

  it('returns nothing for unknown ids, path-like ids, folders and odd kinds', () => {
    const dir = join(t.dir, 'folder.jpg')
    mkdirSync(dir)
    add('tt2', dir, 'cd'.repeat(32))
    expect(mediaFile(core, 'full', 'tt2')).toBeNull()
    expect(mediaFile(core, 'full', '../../etc/passwd')).toBeNull()
    expect(mediaFile(core, 'thumb', 'nope')).toBeNull()
    expect(mediaFile(core, 'other' as 'full', 'tt2')).toBeNull()
  })

  it('refuses a thumbnail or an original swapped for a link after the import (to /etc/passwd, say)', () => {
    const original = join(t.dir, 'q.png')
    writeFileSync(original, 'x') // 1 byte, as recorded
    add('tt3', original, 'ef'.repeat(32))
    const thumb = thumbPath(core.dir, 'ef'.repeat(32))
    mkdirSync(join(thumb, '..'), { recursive: true })
    symlinkSync('/etc/passwd', thumb)
    expect(mediaFile(core, 'thumb', 'tt3')).toBeNull()
    rmSync(original)
    symlinkSync('/etc/passwd', original)
    expect(mediaFile(core, 'full', 'tt3')).toBeNull()
    // A different file of another size in its place is not the imported poster either.
    rmSync(original)
    writeFileSync(original, 'much longer than what was imported')
    expect(mediaFile(core, 'full', 'tt3')).toBeNull()
  })
})
