// Several bad files decoded at once: each is refused with its own decoder's reason, never with
// another file's (libvips keeps one error buffer for the process) nor with "Unknown error".
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import sharp from 'sharp'
import { describe, expect, it } from 'vitest'
import { startImport } from '../../src/main/importer/handlers'
import { ownLines } from '../../src/main/importer/decoder-messages'
import { useLibrary } from '../library/helpers'

const t = useLibrary({ sub: 'lib' })

const noise = (w: number, h: number, seed: number) => {
  const raw = Buffer.alloc(w * h * 3)
  let s = seed
  for (let i = 0; i < raw.length; i++) raw[i] = (s = (s * 1103515245 + 12345) >>> 0) >>> 24
  return sharp(raw, { raw: { width: w, height: h, channels: 3 } })
}

describe('reasons of files refused while other files decode', () => {
  it('gives each JPEG and PNG its own reason', async () => {
    const dir = join(t.dir, 'posters')
    mkdirSync(dir)
    for (let i = 0; i < 12; i++) {
      // A JPEG whose frame header says 12-bit samples, which the decoder does not read.
      const jpg = await noise(200, 300, i).jpeg().toBuffer()
      jpg[jpg.indexOf(Buffer.from([0xff, 0xc0])) + 4] = 12
      writeFileSync(join(dir, `twelve-${i}.jpg`), jpg)
      // A PNG whose image data is cut in the middle, its end chunk kept.
      const png = await noise(200, 300, 100 + i).png().toBuffer()
      const iend = png.indexOf('IEND') - 4
      writeFileSync(join(dir, `cut-${i}.png`), Buffer.concat([png.subarray(0, iend >> 1), png.subarray(iend)]))
    }
    const r = (await (await startImport(t.core, { paths: [dir] }, { concurrency: 8 })).promise)!
    expect(r.added).toBe(0)
    expect(r.skipped).toHaveLength(24)
    for (const s of r.skipped) {
      if (s.path.endsWith('.jpg')) expect(s.reason, s.path).toMatch(/^cannot decode image: (VipsJpeg: )?Unsupported JPEG data precision 12$/)
      else expect(s.reason, s.path).toMatch(/^truncated or corrupt image: (vipspng: )?libpng read error$/)
    }
  }, 60_000)

  it('drops the lines another loader signed', () => {
    expect(ownLines('jpeg', 'vipspng: libpng read error\nVipsJpeg: Unsupported JPEG data precision 12')).toEqual({ text: 'VipsJpeg: Unsupported JPEG data precision 12', mixed: true })
    expect(ownLines('png', 'Unknown error')).toEqual({ text: '', mixed: false })
    expect(ownLines('png', 'Warning treated as error due to failOn setting\nIHDR: CRC error')).toEqual({ text: 'IHDR: CRC error', mixed: false })
  })
})
