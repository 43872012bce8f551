// Importing folders of real images (made by sharp here) into a real library file.
import { spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { chmodSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import sharp from 'sharp'
import { describe, expect, it } from 'vitest'
import { startImport } from '../../src/main/importer/handlers'
import { derivedId } from '../../src/main/importer/naming'
import { thumbPath } from '../../src/main/library/thumbs'
import { call, jpeg, png, pngBomb, recordEvents, useLibrary } from '../library/helpers'

let src: string
const t = useLibrary({ sub: 'library', before: (dir) => mkdirSync((src = join(dir, 'posters'))) })

async function importAll(req: { paths?: string[]; labels?: string; metadata?: string } = {}) {
  const { promise } = await startImport(t.core, { paths: req.paths ?? [src], labels: req.labels, metadata: req.metadata })
  const r = await promise
  if (!r) throw new Error('import did not finish')
  return r
}
const sha = (p: string) => createHash('sha256').update(readFileSync(p)).digest('hex')
const write = (name: string, text: string) => {
  const p = join(t.dir, name)
  writeFileSync(p, text)
  return p
}

describe('import', () => {
  it('imports a folder recursively with labels and metadata, via the API and its events', async () => {
    mkdirSync(join(src, 'sub', 'deeper'), { recursive: true })
    await jpeg(join(src, 'tt0000001.jpg'))
    await jpeg(join(src, 'sub', 'tt0000002.jpeg'))
    await png(join(src, 'sub', 'deeper', 'tt0000003.PNG'))
    await sharp({ create: { width: 50, height: 80, channels: 3, background: '#0a0' } }).webp().toFile(join(src, 'tt0000004.webp'))
    await sharp({ create: { width: 50, height: 80, channels: 3, background: '#00a' } }).gif().toFile(join(src, 'tt0000005.gif'))
    await sharp({ create: { width: 50, height: 80, channels: 3, background: '#a0a' } }).tiff().toFile(join(src, 'tt0000006.tif'))
    await sharp({ create: { width: 48, height: 80, channels: 3, background: '#aa0' } }).avif().toFile(join(src, 'tt0000007.avif'))
    writeFileSync(join(src, 'notes.txt'), 'not a poster')
    const labels = write('train.csv', 'Id,Genre,Action,Drama,N/A\ntt0000001,"[\'Action\', \'Drama\']",1,1,0\ntt0000002,"[\'N/A\']",0,0,1\ntt0000003,"[\'Drama\']",0,1,0\n')
    const metadata = write('movies.csv', 'Id,Title,Year\ntt0000001,First,1999\ntt0000004,"Fourth, The",2004\n')
    const ev = recordEvents(t.core)
    const { jobId } = await call(t.core, 'imports.start', { paths: [src], labels, metadata })
    await t.core.jobs.wait(jobId)
    const finished = ev.of('import.finished')
    expect(finished).toHaveLength(1)
    expect(finished[0]).toMatchObject({ jobId, status: 'done', error: null })
    const r = finished[0].result!
    expect(r).toMatchObject({ added: 7, updated: 0, unchanged: 0, duplicates: 0, skipped: [], warnings: [] })
    const progress = ev.of('import.progress')
    expect(progress.at(-1)).toMatchObject({ jobId, done: 7, total: 7, skipped: 0 })
    expect(ev.of('library.changed').some((e) => e.reason === 'import')).toBe(true)
    const stats = await call(t.core, 'library.stats')
    // tt0000002 is N/A in the labels file: genre unknown, so unlabelled.
    expect(stats).toMatchObject({ posters: 7, labelled: 2, genres: { Action: 1, Drama: 2 } })
    const one = await call(t.core, 'library.get', { id: 'tt0000001' })
    expect(one).toMatchObject({ title: 'First', year: 1999, width: 120, height: 180, genres: ['Action', 'Drama'] })
    expect(one.labels.every((l: { source: string }) => l.source === 'imported')).toBe(true)
    expect(await call(t.core, 'library.get', { id: 'tt0000002' })).toMatchObject({ labelled: false, genres: [] })
    expect(await call(t.core, 'library.get', { id: 'tt0000004' })).toMatchObject({ title: 'Fourth, The', year: 2004, labelled: false })
    expect((await call(t.core, 'genres.list')).genres.map((g: { name: string }) => g.name)).toEqual(['Action', 'Drama'])
    // One thumbnail per poster, JPEG about 240 px wide at most, never enlarged.
    const thumb = await sharp(thumbPath(t.lib, one.hash)).metadata()
    expect(thumb).toMatchObject({ format: 'jpeg', width: 120 })
    expect(one.hash).toBe(sha(join(src, 'tt0000001.jpg')))
  })

  it('reports every bad file by path with a specific reason and imports the rest', async () => {
    await jpeg(join(src, 'good.jpg'))
    writeFileSync(join(src, 'empty.jpg'), '')
    writeFileSync(join(src, 'text.png'), 'hello, I am not an image at all')
    const full = join(t.dir, 'full.jpg')
    await jpeg(full, { width: 300, height: 400 })
    writeFileSync(join(src, 'truncated.jpg'), readFileSync(full).subarray(0, Math.floor(statSync(full).size / 2)))
    pngBomb(join(src, 'bomb.png'))
    symlinkSync(join(t.dir, 'gone.jpg'), join(src, 'dangling.jpg'))
    await jpeg(join(src, 'locked.jpg'))
    chmodSync(join(src, 'locked.jpg'), 0o000)
    const fifo = spawnSync('mkfifo', [join(src, 'pipe.jpg')]).status === 0
    const root = process.getuid?.() === 0 // root reads chmod 000 files anyway
    const r = await importAll()
    const reasons = Object.fromEntries(r.skipped.map((s) => [s.path.slice(src.length + 1), s.reason]))
    expect(reasons['empty.jpg']).toBe('empty file (0 bytes)')
    expect(reasons['text.png']).toBe('not an image (unrecognised file format)')
    expect(reasons['truncated.jpg']).toMatch(/^truncated or corrupt image: .*premature end/i)
    expect(reasons['bomb.png']).toBe('image too large: 30000 x 30000 pixels (limit 100 megapixels); not decoded')
    expect(reasons['dangling.jpg']).toMatch(/^unreadable: broken symbolic link/)
    if (fifo) expect(reasons['pipe.jpg']).toBe('unreadable: not a regular file (a device, pipe or socket)')
    if (root) console.log('note: running as root, so the chmod 000 file is readable; the dangling link covers "unreadable"')
    else expect(reasons['locked.jpg']).toBe('unreadable: permission denied')
    expect(r.added).toBe(root ? 2 : 1)
    expect((await call(t.core, 'library.stats')).posters).toBe(r.added)
    chmodSync(join(src, 'locked.jpg'), 0o644)
  })

  it('makes sRGB thumbnails from grayscale, CMYK and alpha images and never touches the originals', async () => {
    await png(join(src, 'grey.png'), { grey: true })
    await png(join(src, 'alpha.png'), { alpha: true })
    const rgb = join(t.dir, 'rgb.jpg')
    await jpeg(rgb)
    await sharp(rgb).toColourspace('cmyk').jpeg().toFile(join(src, 'cmyk.jpg'))
    expect((await sharp(join(src, 'cmyk.jpg')).metadata()).space).toBe('cmyk')
    const before = ['grey.png', 'alpha.png', 'cmyk.jpg'].map((f) => [sha(join(src, f)), statSync(join(src, f)).mtimeMs])
    const r = await importAll()
    expect(r.added).toBe(3)
    for (const f of ['grey.png', 'alpha.png', 'cmyk.jpg']) {
      const m = await sharp(thumbPath(t.lib, sha(join(src, f)))).metadata()
      expect(m).toMatchObject({ space: 'srgb', channels: 3, hasAlpha: false })
    }
    // Transparent pixels are flattened onto white, not black.
    const { data } = await sharp(thumbPath(t.lib, sha(join(src, 'alpha.png')))).raw().toBuffer({ resolveWithObject: true })
    expect([data[0], data[1], data[2]].every((v) => v > 240)).toBe(true)
    const after = ['grey.png', 'alpha.png', 'cmyk.jpg'].map((f) => [sha(join(src, f)), statSync(join(src, f)).mtimeMs])
    expect(after).toEqual(before)
  })

  it('is idempotent: a re-run adds nothing, changes nothing and makes no thumbnail again', async () => {
    await jpeg(join(src, 'tt0000001.jpg'))
    await jpeg(join(src, 'tt0000002.jpg'))
    const labels = write('l.csv', 'Id,Drama\ntt0000001,1\n')
    const first = await importAll({ labels })
    expect(first.added).toBe(2)
    const thumb = thumbPath(t.lib, sha(join(src, 'tt0000001.jpg')))
    const mtime = statSync(thumb).mtimeMs
    const stats = await call(t.core, 'library.stats')
    const second = await importAll({ labels })
    expect(second).toMatchObject({ added: 0, updated: 0, unchanged: 2, skipped: [] })
    expect(statSync(thumb).mtimeMs).toBe(mtime)
    expect(await call(t.core, 'library.stats')).toEqual(stats)
    // Changed labels and a replaced file count as updates.
    await jpeg(join(src, 'tt0000002.jpg'), { seed: 7 })
    const third = await importAll({ labels: write('l2.csv', 'Id,Drama,Comedy\ntt0000001,0,1\n') })
    expect(third).toMatchObject({ added: 0, updated: 2, unchanged: 0 })
    expect((await call(t.core, 'library.get', { id: 'tt0000001' })).genres).toEqual(['Comedy'])
    expect((await call(t.core, 'library.get', { id: 'tt0000002' })).hash).toBe(sha(join(src, 'tt0000002.jpg')))
    // A moved folder: same posters, new paths.
    const moved = join(t.dir, 'moved')
    renameSync(src, moved)
    expect(await importAll({ paths: [moved] })).toMatchObject({ added: 0, updated: 2 })
    expect((await call(t.core, 'library.get', { id: 'tt0000001' })).path).toBe(join(moved, 'tt0000001.jpg'))
    expect(await importAll({ paths: [moved] })).toMatchObject({ added: 0, updated: 0, unchanged: 2 })
  })

  it('never overwrites labels the user edited', async () => {
    await jpeg(join(src, 'tt0000001.jpg'))
    await jpeg(join(src, 'tt0000002.jpg'))
    const labels = write('l.csv', 'Id,Drama,Comedy\ntt0000001,1,0\ntt0000002,1,0\n')
    await importAll({ labels })
    await call(t.core, 'labels.edit', { ids: ['tt0000001'], remove: ['Drama'] })
    const r = await importAll({ labels: write('l2.csv', 'Id,Drama,Comedy\ntt0000001,1,1\ntt0000002,0,1\n') })
    expect(r).toMatchObject({ updated: 1, unchanged: 1 })
    expect(await call(t.core, 'library.get', { id: 'tt0000001' })).toMatchObject({ labelled: true, genres: [] })
    expect((await call(t.core, 'library.get', { id: 'tt0000002' })).genres).toEqual(['Comedy'])
  })

  it('flags byte-identical posters under different ids as duplicates, keeping both', async () => {
    await jpeg(join(src, 'tt0000001.jpg'), { seed: 5 })
    await jpeg(join(src, 'tt0000002.jpg'), { seed: 5 })
    await jpeg(join(src, 'tt0000003.jpg'), { seed: 6 })
    const r = await importAll()
    expect(r).toMatchObject({ added: 3, duplicates: 2 })
    const d = await call(t.core, 'library.get', { id: 'tt0000001' })
    expect(d).toMatchObject({ duplicate: true, duplicates: ['tt0000002'] })
    expect((await call(t.core, 'library.ids', { duplicatesOnly: true, sort: 'id' })).ids).toEqual(['tt0000001', 'tt0000002'])
  })

  it('takes ids from .nfo files, IMDb-like names, else a stable id derived from the path', async () => {
    mkdirSync(join(src, 'Blade Runner (1982)'))
    await jpeg(join(src, 'Blade Runner (1982)', 'poster.jpg'))
    writeFileSync(
      join(src, 'Blade Runner (1982)', 'movie.nfo'),
      '<?xml version="1.0"?><movie><title>Blade Runner &amp; Co</title><year>1982</year><uniqueid type="tmdb">78</uniqueid><uniqueid type="imdb" default="true">tt0083658</uniqueid></movie>',
    )
    await jpeg(join(src, 'Alien-poster.jpg'))
    writeFileSync(join(src, 'Alien.nfo'), '<movie><title>Alien</title><imdbid>tt0078748</imdbid></movie>')
    await jpeg(join(src, 'heat.jpg'))
    writeFileSync(join(src, 'heat.nfo'), 'https://www.imdb.com/title/tt0113277/\n')
    await jpeg(join(src, 'tt0090605.jpg'))
    await jpeg(join(src, 'The Thing (1982).jpg'))
    mkdirSync(join(src, 'Heat'))
    await jpeg(join(src, 'Heat', 'folder.jpg'))
    writeFileSync(join(src, 'Heat', 'Heat (1995).nfo'), '<movie><title>Heat</title><premiered>1995-12-15</premiered><id>tt0113278</id></movie>')
    const r = await importAll()
    expect(r.added).toBe(6)
    expect(await call(t.core, 'library.get', { id: 'tt0113278' })).toMatchObject({ title: 'Heat', year: 1995 })
    expect(await call(t.core, 'library.get', { id: 'tt0083658' })).toMatchObject({ title: 'Blade Runner & Co', year: 1982 })
    expect(await call(t.core, 'library.get', { id: 'tt0078748' })).toMatchObject({ title: 'Alien' })
    expect(await call(t.core, 'library.get', { id: 'tt0113277' })).toMatchObject({ title: null })
    expect(await call(t.core, 'library.get', { id: 'tt0090605' })).toBeTruthy()
    const id = derivedId(join(src, 'The Thing (1982).jpg'))
    expect(id).toMatch(/^f-[0-9a-f]{12}$/)
    expect(await call(t.core, 'library.get', { id })).toMatchObject({ title: 'The Thing', year: 1982 })
    expect((await importAll()).unchanged).toBe(6) // the derived id is stable
  })

  it('matches MovieGenre.csv rows (bare numeric imdbId) to tt-named files', async () => {
    await jpeg(join(src, 'tt0114709.jpg'))
    await jpeg(join(src, 'tt0113497.jpg'))
    const labels = write('MovieGenre.csv', 'imdbId,Imdb Link,Title,IMDB Score,Genre,Poster\n114709,l,Toy Story (1995),8.3,Animation|Adventure|Comedy,p\n113497,l,Jumanji (1995),6.9,Action|Adventure|Family,p\n')
    const r = await importAll({ labels })
    expect(r.added).toBe(2)
    expect(await call(t.core, 'library.get', { id: 'tt0114709' })).toMatchObject({
      title: 'Toy Story',
      year: 1995,
      genres: ['Animation', 'Adventure', 'Comedy'],
    })
  })

  it('warns when no row of the labels file matches any poster', async () => {
    await jpeg(join(src, 'poster-one.jpg'))
    const r = await importAll({ labels: write('l.csv', 'Id,Drama\ntt0000001,1\n') })
    expect(r.added).toBe(1)
    expect(r.warnings).toEqual([
      'none of the 1 rows of the labels file matched a poster (a poster matches the row whose Id is its file name without extension)',
    ])
  })

  it('detects symlink loops and does not import a file twice through links', async () => {
    mkdirSync(join(src, 'a'))
    await jpeg(join(src, 'a', 'tt0000001.jpg'))
    symlinkSync(src, join(src, 'a', 'loop'))
    symlinkSync(join(src, 'a'), join(src, 'alias'))
    const r = await importAll({ paths: [src, join(src, 'a', 'tt0000001.jpg')] })
    expect(r.added).toBe(1)
    expect(r.warnings.some((w) => /symlink loop or repeated folder/.test(w))).toBe(true)
  })

  it('refuses unusable label files before starting, and says nothing could be imported from an empty folder', async () => {
    await expect(startImport(t.core, { paths: [src], labels: write('bad.csv', 'Name,Drama\nx,1\n') })).rejects.toThrow(/has no Id column/)
    await expect(call(t.core, 'imports.start', { paths: [src], labels: join(t.dir, 'missing.csv') })).rejects.toMatchObject({
      code: 'invalid-args',
    })
    const r = await importAll({ paths: [src, join(t.dir, 'nope')] })
    expect(r.added).toBe(0)
    expect(r.skipped).toEqual([{ path: join(t.dir, 'nope'), reason: 'no such file or folder' }])
  })
})

describe('atomicity', () => {
  it('cancel removes every poster the import added but keeps earlier imports', async () => {
    await jpeg(join(src, 'tt0000001.jpg'))
    await importAll()
    const more = join(t.dir, 'more')
    mkdirSync(more)
    for (let i = 0; i < 40; i++) await jpeg(join(more, `tt10000${String(i).padStart(2, '0')}.jpg`), { width: 60, height: 90 })
    const labels = write('l.csv', 'Id,Brand New Genre\ntt1000000,1\n')
    const ev = recordEvents(t.core)
    let committed = 0
    const off = t.core.events.onAny((name, p) => {
      // Cancel (synchronously, from the progress event) once some batches are committed.
      if (name === 'import.progress' && (p as { done: number }).done >= 12 && committed === 0) {
        committed = t.core.db.prepare('SELECT COUNT(*) FROM posters').pluck().get() as number
        t.core.jobs.cancel(jobId)
      }
    })
    const { jobId, promise } = await startImport(t.core, { paths: [more], labels }, { concurrency: 1, batchSize: 5 })
    expect(await promise).toBeNull()
    off()
    expect(committed).toBeGreaterThan(5) // posters of this import were visible before the cancel
    expect(ev.of('import.finished').at(-1)).toMatchObject({ status: 'cancelled', result: null })
    expect((await call(t.core, 'library.stats')).posters).toBe(1)
    expect((await call(t.core, 'genres.list')).genres).toEqual([]) // the genre it brought went too
    const row = t.core.db.prepare(`SELECT status FROM imports ORDER BY id DESC LIMIT 1`).pluck().get()
    expect(row).toBe('cancelled')
    // Only the first import's thumbnail is left in the cache.
    const thumbs = readdirSync(join(t.lib, 'thumbs'), { recursive: true }).filter((f) => /\.(jpg|webp|tmp)$/.test(String(f)))
    expect(thumbs).toEqual([join(sha(join(src, 'tt0000001.jpg')).slice(0, 2), `${sha(join(src, 'tt0000001.jpg'))}.jpg`)])
  })

  it('rolls back an import left running by a crashed process when the library opens', async () => {
    await jpeg(join(src, 'tt0000001.jpg'))
    await importAll()
    await jpeg(join(src, 'tt0000002.jpg'))
    await importAll()
    // Simulate a crash: the second import's row goes back to 'running' under a dead pid.
    t.core.db.prepare(`UPDATE imports SET status = 'running', pid = 999999999 WHERE id = (SELECT MAX(id) FROM imports)`).run()
    const crashedThumb = thumbPath(t.lib, sha(join(src, 'tt0000002.jpg')))
    // ... and it had written a thumbnail for a poster it never committed.
    const stray = thumbPath(t.lib, 'ff'.repeat(32))
    mkdirSync(join(stray, '..'), { recursive: true })
    writeFileSync(stray, 'x')
    await t.reopen()
    expect((await call(t.core, 'library.ids', { sort: 'id' })).ids).toEqual(['tt0000001'])
    expect(() => statSync(crashedThumb)).toThrow()
    expect(() => statSync(stray)).toThrow()
    expect(statSync(thumbPath(t.lib, sha(join(src, 'tt0000001.jpg')))).isFile()).toBe(true)
    expect(t.core.db.prepare(`SELECT status FROM imports ORDER BY id`).pluck().all()).toEqual(['done', 'failed'])
  })

  it('fails as a whole, keeping nothing, when thumbnails cannot be written', async () => {
    for (let i = 0; i < 6; i++) await jpeg(join(src, `tt000000${i}.jpg`), { width: 40, height: 60 })
    writeFileSync(join(t.lib, 'thumbs'), 'a file where the cache folder should be')
    const ev = recordEvents(t.core)
    const { promise } = await startImport(t.core, { paths: [src] }, { batchSize: 2 })
    expect(await promise).toBeNull()
    const end = ev.of('import.finished')[0]
    expect(end).toMatchObject({ status: 'failed', result: null })
    expect(end.error).toMatch(/EEXIST|ENOTDIR/)
    expect((await call(t.core, 'library.stats')).posters).toBe(0)
    expect(t.core.db.prepare(`SELECT status FROM imports`).pluck().all()).toEqual(['failed'])
  })

  it('applies label changes to existing posters only in the final transaction', async () => {
    await jpeg(join(src, 'tt0000001.jpg'))
    await importAll({ labels: write('a.csv', 'Id,Drama\ntt0000001,1\n') })
    for (let i = 0; i < 20; i++) await jpeg(join(src, `tt20000${String(i).padStart(2, '0')}.jpg`), { width: 60, height: 90 })
    let during: string[] | null = null
    const off = t.core.events.onAny((name, p) => {
      if (name === 'import.progress' && (p as { done: number }).done >= 10 && during === null) {
        during = t.core.db
          .prepare(`SELECT g.name FROM labels l JOIN genres g ON g.id = l.genre_id WHERE l.poster_id = 'tt0000001'`)
          .pluck()
          .all() as string[]
        t.core.jobs.cancel(jobId)
      }
    })
    const { jobId, promise } = await startImport(t.core, { paths: [src], labels: write('b.csv', 'Id,Drama,Comedy\ntt0000001,0,1\n') }, { concurrency: 1, batchSize: 5 })
    expect(await promise).toBeNull()
    off()
    expect(during).toEqual(['Drama']) // the update waits for the final transaction
    expect((await call(t.core, 'library.get', { id: 'tt0000001' })).genres).toEqual(['Drama'])
    expect((await call(t.core, 'library.stats')).posters).toBe(1)
  })
})
