// The thumbnail cache's format on real files: new thumbnails are JPEG; a library made before
// keeps its WebP thumbnails, which are found, served with their own type, never encoded again,
// and cleaned up like the JPEGs.
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import sharp from 'sharp'
import { describe, expect, it } from 'vitest'
import { startImport } from '../../src/main/importer/handlers'
import { thumbnailAndViews } from '../../src/main/importer/images'
import { sweepThumbs } from '../../src/main/importer/store'
import { decodeViews } from '../../src/main/ml/embed/preprocess'
import { mediaFile } from '../../src/main/library/media'
import { findThumb, thumbPath, thumbPaths } from '../../src/main/library/thumbs'
import { call, jpeg, png, useLibrary } from '../library/helpers'

let src: string
const t = useLibrary({
  sub: 'library',
  before: (dir) => {
    mkdirSync((src = join(dir, 'posters')))
    process.env.POSTERITY_STATE_DIR = join(dir, 'state')
  },
  after: () => delete process.env.POSTERITY_STATE_DIR,
})

async function importAll(paths = [src]) {
  const r = await (await startImport(t.core, { paths })).promise
  if (!r) throw new Error('import did not finish')
  return r
}
const hashOf = async (id: string) => ((await call(t.core, 'library.get', { id })) as { hash: string }).hash
/** Every file in the thumbnail cache, as names relative to it. */
const cache = () => (existsSync(join(t.lib, 'thumbs')) ? readdirSync(join(t.lib, 'thumbs'), { recursive: true }).map(String).filter((f) => f.includes('.')) : [])

/** Turns the library into one an older version made: each thumbnail a WebP made from its poster. */
async function asOldLibrary(ids: string[]): Promise<Map<string, string>> {
  const webps = new Map<string, string>()
  for (const id of ids) {
    const hash = await hashOf(id)
    const [jpg, webp] = thumbPaths(t.lib, hash)
    const poster = ((await call(t.core, 'library.get', { id })) as { path: string }).path
    await sharp(poster).resize({ width: 240, withoutEnlargement: true }).flatten({ background: '#ffffff' }).webp({ quality: 78, effort: 0 }).toFile(webp)
    rmSync(jpg)
    webps.set(id, webp)
  }
  return webps
}

describe('thumbnail format', () => {
  it('writes new thumbnails as JPEG, alpha flattened onto white, and serves them as image/jpeg', async () => {
    await jpeg(join(src, 'tt0000001.jpg'), { width: 600, height: 900 })
    await png(join(src, 'tt0000002.png'), { alpha: true }) // fully transparent red
    await importAll()
    for (const id of ['tt0000001', 'tt0000002']) {
      const hash = await hashOf(id)
      const file = thumbPath(t.lib, hash)
      expect(file.endsWith(`${hash}.jpg`)).toBe(true)
      const meta = await sharp(file).metadata()
      expect(meta).toMatchObject({ format: 'jpeg', width: id === 'tt0000001' ? 240 : 100, channels: 3 })
      expect(mediaFile(t.core, 'thumb', id)).toEqual({ path: file, mime: 'image/jpeg' })
    }
    expect(cache().filter((f) => !f.endsWith('.jpg'))).toEqual([])
    const { data } = await sharp(thumbPath(t.lib, await hashOf('tt0000002'))).raw().toBuffer({ resolveWithObject: true })
    expect(Math.min(...data)).toBeGreaterThan(245) // white, not the transparent pixels' red or black
  })

  it('keeps and serves an older library\'s WebP thumbnails and never encodes the same artwork again', async () => {
    await jpeg(join(src, 'tt0000001.jpg'))
    await jpeg(join(src, 'tt0000002.jpg'))
    await importAll()
    const webps = await asOldLibrary(['tt0000001', 'tt0000002'])
    const before = [...webps.values()].map((f) => ({ f, bytes: readFileSync(f), mtime: statSync(f).mtimeMs }))
    for (const [id, f] of webps) expect(mediaFile(t.core, 'thumb', id)).toEqual({ path: f, mime: 'image/webp' })

    // The same files again: unchanged, not even read.
    expect(await importAll()).toMatchObject({ added: 0, unchanged: 2 })
    // Touched files are read and hashed again: the same content, so no thumbnail is made.
    const later = new Date(Date.now() + 60_000)
    for (const id of webps.keys()) utimesSync(join(src, `${id}.jpg`), later, later)
    // ... and a copy of the same bytes under another name in another folder.
    const more = join(t.dir, 'more')
    mkdirSync(more)
    writeFileSync(join(more, 'tt0000009.jpg'), readFileSync(join(src, 'tt0000001.jpg')))
    const r = await importAll([src, more])
    expect(r.skipped).toEqual([])
    expect((await call(t.core, 'library.stats')).posters).toBeGreaterThanOrEqual(2)
    expect(cache().filter((f) => f.endsWith('.jpg'))).toEqual([])
    for (const b of before) {
      expect(readFileSync(b.f).equals(b.bytes)).toBe(true)
      expect(statSync(b.f).mtimeMs).toBe(b.mtime)
    }
    expect(await findThumb(t.lib, await hashOf('tt0000001'))).toBe(webps.get('tt0000001'))
  })

  it('keeps a small upright sRGB or greyscale JPEG as its own thumbnail; rotates, converts, shrinks or refuses the others', async () => {
    await jpeg(join(src, 'tt0000001.jpg'), { width: 300, height: 430 }) // as the shared posters
    await sharp(join(src, 'tt0000001.jpg')).greyscale().jpeg().toFile(join(src, 'tt0000002.jpg'))
    await sharp(join(src, 'tt0000001.jpg')).withMetadata({ orientation: 6 }).jpeg().toFile(join(src, 'tt0000003.jpg'))
    await sharp(join(src, 'tt0000001.jpg')).toColourspace('cmyk').jpeg().toFile(join(src, 'tt0000004.jpg'))
    await jpeg(join(src, 'tt0000005.jpg'), { width: 400, height: 600 })
    const whole = readFileSync(join(src, 'tt0000001.jpg'))
    writeFileSync(join(src, 'tt0000006.jpg'), whole.subarray(0, Math.floor(whole.length * 0.6)))
    const r = await importAll()
    expect(r.skipped.map((s) => s.path)).toEqual([join(src, 'tt0000006.jpg')])
    expect(r.skipped[0].reason).toMatch(/truncated or corrupt/)
    const thumb = async (id: string) => thumbPath(t.lib, await hashOf(id))
    for (const id of ['tt0000001', 'tt0000002']) expect(readFileSync(await thumb(id)).equals(readFileSync(join(src, `${id}.jpg`)))).toBe(true)
    // Rotated upright (the quarter turn swaps the sides), CMYK made sRGB, the large one shrunk to the card width.
    expect(await sharp(await thumb('tt0000003')).metadata()).toMatchObject({ width: 240, height: Math.round((240 * 300) / 430), space: 'srgb' })
    expect(await sharp(await thumb('tt0000004')).metadata()).toMatchObject({ width: 240, space: 'srgb', channels: 3 })
    expect(await sharp(await thumb('tt0000005')).metadata()).toMatchObject({ width: 240, height: 360 })
  })

  it.skipIf(process.platform === 'win32')('links an as-is thumbnail to its original, and no change to either reaches the other', async () => {
    const original = join(src, 'tt0000001.jpg')
    await jpeg(original, { width: 300, height: 430 })
    const bytes = readFileSync(original)
    await importAll()
    const thumb = thumbPath(t.lib, await hashOf('tt0000001'))
    expect(statSync(thumb).ino).toBe(statSync(original).ino)
    // An editor saving by replacing the file: the thumbnail keeps the bytes it was made from.
    await sharp(bytes).negate().jpeg().toFile(`${original}.new`)
    renameSync(`${original}.new`, original)
    expect(readFileSync(thumb).equals(bytes)).toBe(true)
    // The re-import makes the new artwork's thumbnail; the old one is swept, the original stays.
    await importAll()
    const newThumb = thumbPath(t.lib, await hashOf('tt0000001'))
    expect(newThumb).not.toBe(thumb)
    expect(readFileSync(newThumb).equals(readFileSync(original))).toBe(true)
    sweepThumbs(t.core.db, t.lib)
    expect(existsSync(thumb)).toBe(false)
    expect(existsSync(original)).toBe(true)
    // The original deleted: its thumbnail stays.
    rmSync(original)
    expect(readFileSync(newThumb).length).toBeGreaterThan(0)
  })

  it.skipIf(process.platform === 'win32')('links a symlinked poster\'s own file, so its thumbnail is a regular file that is served', async () => {
    const real = join(t.dir, 'elsewhere')
    mkdirSync(real)
    await jpeg(join(real, 'tt0000001.jpg'), { width: 300, height: 430 })
    symlinkSync(join(real, 'tt0000001.jpg'), join(src, 'tt0000001.jpg'))
    // A relative link too: a copy of it in the cache would point nowhere.
    await jpeg(join(real, 'tt0000002.jpg'), { width: 300, height: 440 })
    symlinkSync(join('..', 'elsewhere', 'tt0000002.jpg'), join(src, 'tt0000002.jpg'))
    await importAll()
    for (const id of ['tt0000001', 'tt0000002']) {
      const thumb = thumbPath(t.lib, await hashOf(id))
      expect(lstatSync(thumb).isFile()).toBe(true)
      expect(statSync(thumb).ino).toBe(statSync(join(real, `${id}.jpg`)).ino)
      expect(mediaFile(t.core, 'thumb', id)).toEqual({ path: thumb, mime: 'image/jpeg' })
    }
    // A cache entry that is a symlink (as a version that linked the links made) is no
    // thumbnail: a re-import puts the file in its place.
    const thumb = thumbPath(t.lib, await hashOf('tt0000001'))
    rmSync(thumb)
    symlinkSync(join(src, 'tt0000001.jpg'), thumb)
    expect(mediaFile(t.core, 'thumb', 'tt0000001')).toBeNull()
    await importAll()
    expect(lstatSync(thumb).isFile()).toBe(true)
    expect(mediaFile(t.core, 'thumb', 'tt0000001')).toEqual({ path: thumb, mime: 'image/jpeg' })
  })

  // A second file system: tmpfs where the machine has one (Linux), else the case is skipped.
  const otherFs = existsSync('/dev/shm') && statSync('/dev/shm').dev !== statSync(tmpdir()).dev ? '/dev/shm' : null
  it.skipIf(otherFs === null)('copies an as-is thumbnail whose original lies on another file system', async () => {
    const there = mkdtempSync(join(otherFs!, 'posterity-test-'))
    try {
      await jpeg(join(there, 'tt0000001.jpg'), { width: 300, height: 430 })
      await importAll([there])
      const thumb = thumbPath(t.lib, await hashOf('tt0000001'))
      expect(statSync(thumb).dev).not.toBe(statSync(join(there, 'tt0000001.jpg')).dev)
      expect(readFileSync(thumb).equals(readFileSync(join(there, 'tt0000001.jpg')))).toBe(true)
    } finally {
      rmSync(there, { recursive: true, force: true })
    }
  })

  it('copies an as-is thumbnail whose original changed after it was read', async () => {
    const poster = join(t.dir, 'p.jpg')
    await jpeg(poster, { width: 300, height: 430 })
    const buf = readFileSync(poster)
    const st = statSync(poster)
    const target = thumbPath(t.lib, 'ab'.repeat(32))
    // Recorded with another mtime: the file is not the one read, so the bytes read are written.
    await thumbnailAndViews(buf, target, { width: 224, height: 320, views: ['fill'] }, { path: poster, size: st.size, mtime: Math.floor(st.mtimeMs) - 1000 })
    expect(statSync(target).ino).not.toBe(st.ino)
    expect(readFileSync(target).equals(buf)).toBe(true)
  })

  it('decodes once for the views and skips the encode when the thumbnail exists (the embedding import path)', async () => {
    const poster = join(t.dir, 'p.jpg')
    await jpeg(poster, { width: 300, height: 450 })
    const buf = readFileSync(poster)
    const spec = { width: 224, height: 320, views: ['fill', 'cover'] as ('fill' | 'cover')[] }
    const target = thumbPath(t.lib, 'ab'.repeat(32))
    const made = await thumbnailAndViews(buf, target, spec)
    expect(made.wrote).toBe(true)
    expect((await sharp(target).metadata()).format).toBe('jpeg')
    const cached = await thumbnailAndViews(buf, null, spec)
    expect(cached.wrote).toBe(false)
    // The views do not depend on whether a thumbnail was encoded beside them.
    expect(cached.views.map((v) => v.length)).toEqual([224 * 320 * 3, 224 * 320 * 3])
    cached.views.forEach((v, i) => expect(v.equals(made.views[i])).toBe(true))
    // And they are the embedder's own views of the file.
    const embedded = await decodeViews(buf, spec, spec.views)
    made.views.forEach((v, i) => expect(v.equals(embedded[i])).toBe(true))
    // A file that is its own thumbnail: its bytes written, the same views.
    const asIs = thumbPath(t.lib, 'cd'.repeat(32))
    const kept = await thumbnailAndViews(buf, asIs, spec, true)
    expect(kept.wrote).toBe(true)
    expect(readFileSync(asIs).equals(buf)).toBe(true)
    kept.views.forEach((v, i) => expect(v.equals(made.views[i])).toBe(true))
    // One view and nothing to encode (the first model's features): the embedder's own bytes.
    const one = { ...spec, views: ['fill'] as ('fill' | 'cover')[] }
    const [fromFile] = await decodeViews(buf, one, ['fill'])
    for (const [file, isAsIs] of [[null, false], [thumbPath(t.lib, 'ef'.repeat(32)), true]] as const) {
      const r = await thumbnailAndViews(buf, file, one, isAsIs)
      expect(r.views).toHaveLength(1)
      expect(r.views[0].equals(fromFile)).toBe(true)
      if (file) expect(readFileSync(file).equals(buf)).toBe(true)
    }
  })

  it('removes unused thumbnails of both formats after a crash, and keeps the used ones', async () => {
    await jpeg(join(src, 'tt0000001.jpg'))
    await jpeg(join(src, 'tt0000002.jpg'))
    await importAll()
    const [oldWebp] = (await asOldLibrary(['tt0000001'])).values()
    const newJpg = thumbPath(t.lib, await hashOf('tt0000002'))
    const stray = thumbPaths(t.lib, 'fe'.repeat(32))
    mkdirSync(join(stray[0], '..'), { recursive: true })
    const strayFiles = [...stray, `${stray[0]}.123.abc.tmp`]
    for (const f of strayFiles) await sharp({ create: { width: 4, height: 4, channels: 3, background: '#123' } }).jpeg().toFile(f)
    const foreign = join(t.lib, 'thumbs', 'fe', 'README') // not a name the cache writes: left alone
    writeFileSync(foreign, 'x')
    expect(sweepThumbs(t.core.db, t.lib)).toBe(3)
    for (const f of strayFiles) expect(existsSync(f), f).toBe(false)
    expect(existsSync(oldWebp)).toBe(true)
    expect(existsSync(newJpg)).toBe(true)
    expect(existsSync(foreign)).toBe(true)
  })

  it('removes an older library\'s WebP thumbnail once its poster\'s deletion can no longer be undone', async () => {
    await jpeg(join(src, 'tt0000001.jpg'))
    await jpeg(join(src, 'tt0000002.jpg'))
    await importAll()
    const webps = await asOldLibrary(['tt0000001', 'tt0000002'])
    await call(t.core, 'library.remove', { ids: ['tt0000001'] })
    await t.reopen()
    expect(existsSync(webps.get('tt0000001')!)).toBe(true) // kept while the deletion can be undone
    // Push the deletion out of the capped history.
    t.core.db.prepare('UPDATE history SET id = id - 1000').run()
    t.core.db.transaction(() => {
      for (let i = 0; i < 500; i++) t.core.db.prepare(`INSERT INTO history (at, description, changes, posters) VALUES (0, 'x', '[]', 0)`).run()
    })()
    await call(t.core, 'genres.add', { name: 'Western' }) // records an entry: the cap drops the deletion
    await t.reopen() // the library's opening removes released thumbnails
    expect(existsSync(webps.get('tt0000001')!)).toBe(false)
    expect(existsSync(webps.get('tt0000002')!)).toBe(true)
  })
})
