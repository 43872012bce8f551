// One image walk (importer/scan.ts) behind both the import and `posterity predict PATH...`,
// and one errno-to-words table (errno.ts) behind the importer, the collection scan and the
// NFO write-back: real folders, links and file-system errors.
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs'
import { opendir, readFile, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { errnoWords } from '../../src/main/errno'
import { listImages } from '../../src/main/cli/model-support'
import { writeReason, WriteRefused } from '../../src/main/collection/atomic'
import { jpeg, png, tempDir } from '../library/helpers'

let dir: ReturnType<typeof tempDir>
beforeEach(() => (dir = tempDir()))
afterEach(() => dir.cleanup())

const failure = (p: Promise<unknown>): Promise<unknown> => p.then(() => expect.unreachable('it succeeded'), (e: unknown) => e)

describe('listImages (predict PATH...) walks folders the importer\'s way', () => {
  it('finds images recursively, each once, without hidden entries or other files, through a symlink loop', async () => {
    const root = join(dir.dir, 'posters')
    mkdirSync(join(root, 'b', 'deep'), { recursive: true })
    await jpeg(join(root, 'a.jpg'))
    await png(join(root, 'b', 'deep', 'c.PNG'))
    await jpeg(join(root, '.hidden.jpg'))
    writeFileSync(join(root, 'notes.txt'), 'not an image')
    symlinkSync(root, join(root, 'b', 'loop'))
    expect(await listImages([root])).toEqual([join(root, 'a.jpg'), join(root, 'b', 'deep', 'c.PNG')])
    // A file named twice (itself and through its folder) is listed once.
    expect(await listImages([join(root, 'a.jpg'), root])).toHaveLength(2)
  })

  it('says which path is wrong: missing, not an image, a broken link', async () => {
    await expect(listImages([join(dir.dir, 'nowhere')])).rejects.toThrow(/no such file or folder: .*nowhere/)
    writeFileSync(join(dir.dir, 'list.csv'), 'Id\n')
    await expect(listImages([join(dir.dir, 'list.csv')])).rejects.toThrow(/list\.csv is not an image file/)
    const root = join(dir.dir, 'broken')
    mkdirSync(root)
    symlinkSync(join(dir.dir, 'gone.jpg'), join(root, 'gone.jpg'))
    await expect(listImages([root])).rejects.toThrow(/cannot read .*gone\.jpg: unreadable: broken symbolic link \(no such file or folder\)/)
  })
})

describe('errnoWords', () => {
  it('puts real file-system errors in words, ENOENT as the caller names it', async () => {
    const file = join(dir.dir, 'f')
    writeFileSync(file, 'x')
    const missing = await failure(stat(join(dir.dir, 'none')))
    expect(errnoWords(missing)).toBe('no such file or folder')
    expect(errnoWords(missing, 'no such folder')).toBe('no such folder')
    expect(errnoWords(await failure(opendir(file)))).toBe('not a folder')
    expect(errnoWords(await failure(readFile(dir.dir)))).toBe('it is a folder')
    const loop = join(dir.dir, 'loop')
    symlinkSync(loop, loop)
    expect(errnoWords(await failure(stat(loop)))).toBe('too many levels of symbolic links')
    // A code without words keeps Node's message; so does an error without a code.
    expect(errnoWords(Object.assign(new Error('EBUSY: resource busy'), { code: 'EBUSY' }))).toBe('EBUSY: resource busy')
    expect(errnoWords(new Error('plain'))).toBe('plain')
    // A caller that must not repeat the path in Node's message names the fallback.
    expect(errnoWords(Object.assign(new Error(`EBUSY: resource busy, open '${file}'`), { code: 'EBUSY' }), 'no such file', (c) => c ?? 'read error')).toBe('EBUSY')
    expect(errnoWords(new Error('no code'), 'no such file', (c) => `unreadable (${c ?? 'read error'})`)).toBe('unreadable (read error)')
  })

  it('is what the NFO write-back reports', async () => {
    expect(writeReason(Object.assign(new Error('x'), { code: 'ENOSPC' }))).toBe('disk full')
    expect(writeReason(await failure(stat(join(dir.dir, 'none'))))).toBe('the folder is gone')
    expect(writeReason(new WriteRefused('read-only file'))).toBe('read-only file')
  })
})
