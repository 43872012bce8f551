import { describe, expect, it } from 'vitest'
import sharp from 'sharp'
import { missingEndMarker } from '../../src/main/importer/images'

describe('missingEndMarker', () => {
  it('tells a whole JPEG and PNG from ones cut short', async () => {
    const img = sharp({ create: { width: 40, height: 60, channels: 3, background: '#c33' } })
    const jpeg = await img.clone().jpeg().toBuffer()
    const png = await img.clone().png().toBuffer()
    expect(missingEndMarker(jpeg)).toBeNull()
    expect(missingEndMarker(png)).toBeNull()
    expect(missingEndMarker(jpeg.subarray(0, jpeg.length - 10))).toBe('no JPEG end marker')
    expect(missingEndMarker(png.subarray(0, png.length - 20))).toBe('no PNG IEND chunk')
    expect(missingEndMarker(Buffer.from('not an image at all'))).toBeNull()
  })
})
