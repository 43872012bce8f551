// Atomic replacement on real file systems: a read-only file or folder is refused, and a full
// disk (a tiny tmpfs, where this process may mount one) leaves the old file exactly as it was.
import { execFileSync } from 'node:child_process'
import { chmodSync, linkSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { atomicWrite, hardLinked, replaceFile, writeReason } from '../../src/main/collection/atomic'
import { tempDir } from '../library/helpers'

const t = tempDir('posterity-atomic-')
afterAll(() => t.cleanup())

describe('atomic NFO replacement', () => {
  it('replaces the bytes, keeps the mode, leaves no temporary file', async () => {
    const dir = join(t.dir, 'plain')
    mkdirSync(dir)
    const p = join(dir, 'movie.nfo')
    writeFileSync(p, 'old')
    chmodSync(p, 0o640)
    await atomicWrite(p, Buffer.from('new'))
    expect(readFileSync(p, 'utf8')).toBe('new')
    expect(statSync(p).mode & 0o777).toBe(0o640)
    expect(readdirSync(dir)).toEqual(['movie.nfo'])
  })

  it('refuses a read-only file and a read-only folder, even as root', async () => {
    const p = join(t.dir, 'ro.nfo')
    writeFileSync(p, 'keep')
    chmodSync(p, 0o444)
    await expect(atomicWrite(p, Buffer.from('x'))).rejects.toThrow('read-only file')
    expect(readFileSync(p, 'utf8')).toBe('keep')
    const dir = join(t.dir, 'locked-folder')
    mkdirSync(dir)
    writeFileSync(join(dir, 'movie.nfo'), 'keep')
    chmodSync(dir, 0o555)
    try {
      await expect(atomicWrite(join(dir, 'movie.nfo'), Buffer.from('x'))).rejects.toThrow('read-only folder')
      expect(readdirSync(dir)).toEqual(['movie.nfo'])
    } finally {
      chmodSync(dir, 0o755)
    }
  })
})

describe('a hard-linked NFO', () => {
  it('a rename would split the link; replaceFile writes it in place, so every name gets the new bytes', async () => {
    const dir = join(t.dir, 'links')
    mkdirSync(dir)
    const a = join(dir, 'Heat.nfo')
    const b = join(dir, 'movie.nfo')
    writeFileSync(a, 'old bytes, longer than the new ones')
    chmodSync(a, 0o640)
    linkSync(a, b)
    expect(await hardLinked(a)).toBe(true)
    // What atomicWrite alone does to it: a new file under one name, the old bytes under the other.
    const c = join(dir, 'copy.nfo')
    writeFileSync(c, 'old')
    linkSync(c, join(dir, 'copy-link.nfo'))
    await atomicWrite(c, Buffer.from('new'))
    expect(readFileSync(join(dir, 'copy-link.nfo'), 'utf8')).toBe('old')
    expect(statSync(c).nlink).toBe(1)

    const ino = statSync(a).ino
    await replaceFile(a, Buffer.from('new'))
    expect(readFileSync(a, 'utf8')).toBe('new')
    expect(readFileSync(b, 'utf8')).toBe('new')
    expect(statSync(a)).toMatchObject({ ino, nlink: 2 })
    expect(statSync(a).mode & 0o777).toBe(0o640)
    await replaceFile(b, Buffer.from('a longer text than before, both names'))
    expect(readFileSync(a, 'utf8')).toBe('a longer text than before, both names')
    expect(readdirSync(dir).filter((f) => f.includes('posterity-tmp'))).toEqual([])
    // A read-only hard-linked file is refused like any other.
    chmodSync(a, 0o444)
    await expect(replaceFile(b, Buffer.from('x'))).rejects.toThrow('read-only file')
    expect(readFileSync(b, 'utf8')).toBe('a longer text than before, both names')
  })
})

// A full disk needs a small file system of its own: a tmpfs, which root may mount here.
const mnt = join(t.dir, 'tiny')
let mounted = false
beforeAll(() => {
  if (process.platform !== 'linux' || process.getuid?.() !== 0) return
  mkdirSync(mnt)
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', mnt], { stdio: 'ignore' })
    mounted = true
  } catch {
    /* not allowed here */
  }
})
afterAll(() => {
  if (mounted) execFileSync('umount', [mnt])
})

describe('a full disk', () => {
  it('reports "disk full" and leaves the NFO exactly as it was', async (ctx) => {
    if (!mounted) {
      console.warn('[atomic] cannot mount a tmpfs (not root, or not allowed): skipping the full-disk test')
      ctx.skip()
    }
    const p = join(mnt, 'movie.nfo')
    const old = Buffer.from('<movie><title>Heat</title><genre>Crime</genre></movie>\n')
    writeFileSync(p, old)
    // Fill every remaining block.
    let filler = 0
    try {
      for (;;) writeFileSync(join(mnt, `fill-${filler++}`), Buffer.alloc(4096, 1))
    } catch {
      /* full */
    }
    let err: unknown
    try {
      await atomicWrite(p, Buffer.alloc(8192, 0x20))
    } catch (e) {
      err = e
    }
    expect(writeReason(err)).toBe('disk full')
    expect(readFileSync(p).equals(old)).toBe(true)
    expect(readdirSync(mnt).filter((f) => f.includes('posterity-tmp'))).toEqual([])
    // A hard-linked NFO is written in place: on the full disk the longer bytes land only in
    // part, and the write fails with the original put back under both names (not zero-padded).
    linkSync(p, join(mnt, 'film.nfo'))
    err = undefined
    try {
      await replaceFile(p, Buffer.alloc(3 * 4096, 0x67), old)
    } catch (e) {
      err = e
    }
    expect(writeReason(err)).toBe('disk full')
    expect(readFileSync(p).equals(old)).toBe(true)
    expect(readFileSync(join(mnt, 'film.nfo')).equals(old)).toBe(true)
  })
})
