// A file the backbone cannot read, said as the importer says it (predict on paths and
// embedding show these to the user): real files through sharp, not made-up messages.
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import sharp from 'sharp'
import { describe, expect, it } from 'vitest'
import { decodeViews, imageError } from '../../src/main/ml/embed/preprocess'
import { tempDir } from '../library/helpers'

const t = tempDir('posterity-image-error-')

const reason = async (file: string) =>
  decodeViews(file, 32, ['fill']).then(
    () => 'decoded',
    (e: Error) => imageError(e.message),
  )

describe('why an image could not be embedded', () => {
  it('names a non-image, a truncated JPEG and a missing file plainly', async () => {
    const text = join(t.dir, 'notes.jpg')
    writeFileSync(text, 'not an image at all')
    const full = await sharp({ create: { width: 64, height: 96, channels: 3, background: '#804020' } }).jpeg().toBuffer()
    const cut = join(t.dir, 'cut.jpg')
    writeFileSync(cut, full.subarray(0, Math.floor(full.length / 2)))
    expect(await reason(text)).toBe('not an image (unrecognised file format)')
    expect(await reason(cut)).toMatch(/^truncated or corrupt image: /)
    expect(await reason(join(t.dir, 'gone.jpg'))).toBe('file not found')
    expect(imageError('VipsJpeg: premature end of JPEG image')).toBe('truncated or corrupt image: premature end of JPEG image')
    t.cleanup()
  })
})
