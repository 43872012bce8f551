// Atomic replacement on real file systems: a read-only file or folder is refused, and a full
// disk (a tiny tmpfs, where this process may mount one) leaves the old file exactly as it was.
import { execFileSync } from 'node:child_process'
import { chmodSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { atomicWrite, writeReason } from '../../src/main/collection/atomic'
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
  })
})
