// Files in a user's folders that lie about themselves: a FIFO where an NFO was (a read would
// block for good), a device, and a /proc file that reports size 0 yet produces bytes without
// end. Every NFO read is bounded and refuses what is not a regular file, at once.
import { execFileSync } from 'node:child_process'
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { NotRegular, readBounded, TooLarge } from '../../src/main/bounded-read'
import { readNfo } from '../../src/main/importer/nfo'
import { readNfoState } from '../../src/main/collection/sync'
import { tempDir } from '../library/helpers'

const t = tempDir('posterity-hostile-')
afterAll(() => t.cleanup())

describe.skipIf(process.platform !== 'linux')('hostile files where NFOs should be', () => {
  it('refuses a FIFO and a device at once, and stops reading a /proc file at the limit', async () => {
    const fifo = join(t.dir, 'movie.nfo')
    execFileSync('mkfifo', [fifo])
    await expect(readBounded(fifo, 1024)).rejects.toBeInstanceOf(NotRegular)
    await expect(readBounded('/dev/zero', 1024)).rejects.toBeInstanceOf(NotRegular)
    // Size 0 in its directory entry, far more than 64 bytes when read.
    await expect(readBounded('/proc/self/maps', 64)).rejects.toBeInstanceOf(TooLarge)
    const ok = join(t.dir, 'ok.nfo')
    writeFileSync(ok, '<movie><title>Heat</title></movie>')
    expect((await readBounded(ok, 1024)).toString()).toContain('Heat')
  })

  it('the importer and the collection scan say why, and do not hang or grow', async () => {
    const dir = join(t.dir, 'Film (2000)')
    mkdirSync(dir)
    execFileSync('mkfifo', [join(dir, 'fifo.nfo')])
    symlinkSync('/proc/self/maps', join(dir, 'proc.nfo'))
    expect(await readNfo(join(dir, 'fifo.nfo'))).toEqual({ problem: 'not a regular file' })
    expect((await readNfoState(join(dir, 'fifo.nfo'))).error).toBeNull() // stat says it is no file: as if there were none
    const proc = await readNfoState(join(dir, 'proc.nfo'))
    expect(proc.error ?? '').toMatch(/not an NFO|root element|text data|not valid|no XML in it/)
  })
})
