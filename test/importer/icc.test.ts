// The colour-profile check that decides whether a JPEG may be its own thumbnail: sharp's own
// profiles embedded in real JPEGs, and profiles that are damaged.
import sharp from 'sharp'
import { describe, expect, it } from 'vitest'
import { iccDescription, isSrgb } from '../../src/main/importer/icc'

async function profileOf(space: 'srgb' | 'p3'): Promise<Buffer> {
  const jpeg = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#c33' } })
    .withIccProfile(space)
    .jpeg()
    .toBuffer()
  return (await sharp(jpeg).metadata()).icc!
}

describe('ICC profiles', () => {
  it('tells an sRGB profile from a wide-gamut one, and no profile counts as sRGB', async () => {
    const [srgb, p3] = await Promise.all([profileOf('srgb'), profileOf('p3')])
    expect(iccDescription(srgb)).toMatch(/sRGB/)
    expect(isSrgb(srgb)).toBe(true)
    expect(iccDescription(p3)).toMatch(/P3/)
    expect(isSrgb(p3)).toBe(false)
    expect(isSrgb(undefined)).toBe(true)
  })

  it('a damaged or cut profile is not sRGB and does not throw', async () => {
    const srgb = await profileOf('srgb')
    for (const bad of [Buffer.alloc(0), Buffer.alloc(200, 0xff), srgb.subarray(0, 140), Buffer.from(srgb).fill(0x41, 132)]) {
      expect(() => isSrgb(bad)).not.toThrow()
      expect(isSrgb(bad)).toBe(false)
    }
  })
})
