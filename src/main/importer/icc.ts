// What an embedded ICC profile says it is: a file served as its own thumbnail must already be
// sRGB (a Display P3 or Adobe RGB poster's pixels are converted when its thumbnail is made).
import { parse } from 'icc'

/** The profile's description (ICC v2 text or v4 multi-language), or null when it has none or cannot be read. */
export function iccDescription(icc: Buffer): string | null {
  try {
    return parse(icc).description ?? null
  } catch {
    return null
  }
}

/** Whether the pixels need no colour conversion to be sRGB: no profile, or an sRGB one. */
export const isSrgb = (icc: Buffer | undefined): boolean => !icc || /\bsRGB\b/.test(iccDescription(icc) ?? '')
