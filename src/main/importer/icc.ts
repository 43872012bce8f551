// What an embedded ICC profile says it is: a file served as its own thumbnail must already be
// sRGB (a Display P3 or Adobe RGB poster's pixels are converted when its thumbnail is made).

/** The profile's description ('desc' tag: ICC v2 text or v4 multi-language), or null. */
export function iccDescription(icc: Buffer): string | null {
  if (icc.length < 132) return null
  const count = icc.readUInt32BE(128)
  for (let i = 0; i < count && 144 + i * 12 <= icc.length; i++) {
    const at = 132 + i * 12
    if (icc.toString('latin1', at, at + 4) !== 'desc') continue
    const tag = icc.subarray(icc.readUInt32BE(at + 4), icc.readUInt32BE(at + 4) + icc.readUInt32BE(at + 8))
    const type = tag.toString('latin1', 0, 4)
    if (type === 'desc' && tag.length >= 12) return tag.toString('latin1', 12, 12 + tag.readUInt32BE(8)).replace(/\0+$/, '')
    if (type === 'mluc' && tag.length >= 28) {
      // The first record, UTF-16BE.
      const start = tag.readUInt32BE(24)
      return Buffer.from(tag.subarray(start, start + tag.readUInt32BE(20))).swap16().toString('utf16le')
    }
    return null
  }
  return null
}

/** Whether the pixels need no colour conversion to be sRGB: no profile, or an sRGB one. */
export const isSrgb = (icc: Buffer | undefined): boolean => !icc || /\bsRGB\b/.test(iccDescription(icc) ?? '')
