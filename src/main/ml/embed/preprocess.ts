// Image → normalised NCHW float tensor data for the backbone, with sharp doing decode and
// resize off the JS thread (libuv pool) so it overlaps with inference.
import { backboneView, decodedSrgb, rawViews, strictDecode, type FailOn } from '../../importer/images'
import type { InputSize, Preprocessing, ResizeView } from '../backbone/catalog'

/** libvips' reason for a file it could not decode, in the words the importer uses. */
export function imageError(message: string): string {
  const m = message.replace(/^Vips\w+:\s*/, '')
  if (/unsupported image format|not a known file format/i.test(m)) return 'not an image (unrecognised file format)'
  if (/input file is missing|no such file/i.test(m)) return 'file not found'
  if (/truncat|premature|end of (file|data)|corrupt|invalid|read error/i.test(m)) return `truncated or corrupt image: ${m}`
  return `cannot decode image: ${m}`
}

/**
 * How strictly an image is decoded: 'import' refuses what the importer refuses (a cut or
 * corrupt file: strictDecode), 'error' only files that do not decode at all (posters already
 * in the library).
 */
export type Strictness = 'import' | 'error'

/** Decodes one image into an RGB uint8 HWC buffer per requested resize view. */
export function decodeViews(input: string | Buffer, size: number | InputSize, views: ResizeView[], strictness: Strictness = 'error'): Promise<Buffer[]> {
  return strictness === 'import' ? strictDecode((failOn) => decodeViewsAt(input, size, views, failOn)) : decodeViewsAt(input, size, views, 'error')
}

async function decodeViewsAt(input: string | Buffer, size: number | InputSize, views: ResizeView[], failOn: FailOn): Promise<Buffer[]> {
  const dims = typeof size === 'number' ? { width: size, height: size } : size
  // Pixel bombs are refused (the importer's MAX_PIXELS) instead of exhausting memory.
  const decoded = decodedSrgb(input, failOn)
  if (views.length === 1) return [await backboneView(decoded.removeAlpha(), dims, views[0])]
  // Several views: decode once, resize the raw pixels per view. Alpha stays until each resize
  // drops it, as in the one-view pipeline (sharp resizes premultiplied, then removes alpha) and
  // in the importer's decode: the same poster gives the same vector on every path.
  const { data, info } = await decoded.raw().toBuffer({ resolveWithObject: true })
  return rawViews(data, info, dims, views)
}

/**
 * Writes one RGB HWC image into `out` at `offset` as normalised CHW floats;
 * `mirror` flips it left-right (the flipped view costs no extra decode).
 */
export function toChw(rgb: Uint8Array, p: Preprocessing, out: Float32Array, offset: number, mirror = false, size?: InputSize): void {
  const w = size?.width ?? p.size
  const h = size?.height ?? p.size
  const plane = w * h
  const k = [1 / (255 * p.std[0]), 1 / (255 * p.std[1]), 1 / (255 * p.std[2])]
  const b = [-p.mean[0] / p.std[0], -p.mean[1] / p.std[1], -p.mean[2] / p.std[2]]
  for (let y = 0; y < h; y++) {
    const row = y * w
    for (let x = 0; x < w; x++) {
      const src = (row + (mirror ? w - 1 - x : x)) * 3
      const dst = offset + row + x
      out[dst] = rgb[src] * k[0] + b[0]
      out[dst + plane] = rgb[src + 1] * k[1] + b[1]
      out[dst + 2 * plane] = rgb[src + 2] * k[2] + b[2]
    }
  }
}
