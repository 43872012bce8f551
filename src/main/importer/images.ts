// Reading one poster: probe the header first (size limits are checked before any pixel is
// decoded), then one decode that makes the cached sRGB JPEG thumbnail. Originals are only read.
import { link, lstat, open, realpath, rename, rm, writeFile } from 'node:fs/promises'
import sharp, { type Metadata, type OutputInfo, type Sharp } from 'sharp'
import { THUMB_WIDTH, makeShardOf } from '../library/thumbs'
import type { ViewSpec } from '../decoded-sink'
import { alone, decoding, ownLines } from './decoder-messages'
import { isSrgb } from './icc'

/** Larger images are refused from their header: 100 MP is beyond any real poster scan. */
export const MAX_PIXELS = 100_000_000
const FORMATS = new Set(['jpeg', 'png', 'webp', 'gif', 'heif', 'tiff'])

/** A file that cannot be imported; `message` is the reason shown to the user. */
export class BadImage extends Error {}

/**
 * The thumbnails' JPEG settings (libjpeg-turbo; mozjpeg off). On the shared posters, against
 * the WebP (quality 78, effort 0) written before: about half the CPU (1.8 against 3.5 ms a
 * poster), files ~10% larger (18.0 against 16.2 KiB). WebP's encode was the largest single
 * cost of an import; mozjpeg would cost 8.9 ms. Huffman tables are not optimised: the same
 * pixels, files 3% larger, the encode ~0.5 ms a poster cheaper (`npm run bench -- first-model-profile`).
 */
export const THUMB_JPEG = { quality: 80, mozjpeg: false, optimiseCoding: false } as const

/**
 * A thumbnail's box: THUMB_WIDTH wide, and at most 16 times that tall, so that a strip
 * taller than JPEG's 65,500 pixels still gets a thumbnail (of its shape) instead of an
 * encoder error. Posters, far less tall, are THUMB_WIDTH wide as before.
 */
export const THUMB_BOX = { width: THUMB_WIDTH, height: THUMB_WIDTH * 16, fit: 'inside', withoutEnlargement: true } as const

/** How strictly sharp decodes: libvips' levels, each refusing more than the one before. */
export type FailOn = 'error' | 'truncated' | 'warning'

/**
 * libjpeg's words for scan data that decodes into garbage: it warns and goes on, filling the
 * rest with grey or noise (bytes flipped or lost mid-file, a cut file with an end marker put
 * back). Junk just before the end marker (0xd9) is padding some encoders write: not corrupt.
 */
const CORRUPT_DATA = /Corrupt JPEG data: (?!\d+ extraneous bytes before marker 0xd9)|Bogus (Huffman|DQT|marker)|Huffman table|Invalid progressive/i

/** The lines of a decoder message that say the data is corrupt (none: harmless warnings only). */
export const corruptLines = (message: string): string[] => [...new Set(message.split('\n').filter((l) => CORRUPT_DATA.test(l)))]

/**
 * Runs a decode as the importer judges a file: refused when it is cut short or its data is
 * corrupt, kept when the decoder only warns about something harmless (padding before the end
 * marker, a PNG's known-incorrect sRGB profile). `run` builds and runs the pipeline at a
 * libvips level; a clean file decodes once. `warnings` says which warnings a file that
 * decodes had, from the first decode's message unless given (libvips keeps one error buffer
 * for the process, so with decodes running side by side the importer asks again alone).
 */
export async function strictDecode<T>(run: (failOn: FailOn) => Promise<T>, warnings?: () => Promise<string>): Promise<T> {
  let first: string
  try {
    return await run('warning')
  } catch (err) {
    first = err instanceof Error ? err.message : String(err)
  }
  // A real error fails again here, in its own words.
  const result = await run('truncated')
  const corrupt = corruptLines(warnings ? await warnings() : first)
  if (corrupt.length > 0) throw new Error(corrupt.join('\n'))
  return result
}

/**
 * strictDecode in the importer, where decodes run side by side (`decoding`): a file that
 * decodes but warned is decoded again alone to read its own warnings.
 */
function judged<T>(buf: Buffer, run: (failOn: FailOn) => Promise<T>): Promise<T> {
  return strictDecode(
    (failOn) => decoding(() => run(failOn)),
    () => alone(() => decodesAt(buf, 'warning').then(() => '', (e: unknown) => (e instanceof Error ? e.message : String(e)))),
  )
}

/** The thumbnail pipeline, shared with the bare-sharp baseline of bench/import.ts. */
export function thumbnailPipeline(input: Buffer | string, failOn: FailOn = 'truncated'): Sharp {
  return sharp(input, { limitInputPixels: MAX_PIXELS, failOn })
    .rotate() // honour EXIF orientation
    .resize(THUMB_BOX)
    .flatten({ background: '#ffffff' }) // alpha onto white
    .toColourspace('srgb') // grayscale and CMYK (via its profile) to sRGB
    .jpeg(THUMB_JPEG)
}

/** A poster file larger than this is refused before it is read (real posters are a few MB). */
export const MAX_FILE_BYTES = 256 * 2 ** 20

/** The image format a file's first bytes announce, or null (checked before the file is read whole). */
export function sniffFormat(head: Uint8Array): string | null {
  const b = Buffer.from(head.buffer, head.byteOffset, head.byteLength)
  if (b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'jpeg'
  if (b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return 'png'
  if (b.subarray(0, 4).toString('latin1') === 'GIF8') return 'gif'
  if (b.subarray(0, 4).toString('latin1') === 'RIFF' && b.subarray(8, 12).toString('latin1') === 'WEBP') return 'webp'
  const tiff = b.subarray(0, 4).toString('latin1')
  if (tiff === 'II*\0' || tiff === 'MM\0*') return 'tiff'
  if (b.subarray(4, 8).toString('latin1') === 'ftyp') return 'heif' // AVIF / HEIF family; probe() tells them apart
  return null
}

/** Image formats the importer does not read, by their first bytes (to say which one a file is). */
export function unsupportedKind(head: Uint8Array): string | null {
  const b = Buffer.from(head.buffer, head.byteOffset, head.byteLength)
  const text = b.subarray(0, 4).toString('latin1')
  // Text may start with 'BM' too: a bitmap's pixel offset lies inside its declared size.
  if (text.startsWith('BM') && b.length >= 14 && b.readUInt32LE(10) < b.readUInt32LE(2) + 1) return 'BMP'
  if (b.length >= 6 && b.readUInt32BE(0) === 0x00000100 && b.readUInt16LE(4) > 0) return 'an icon (ICO)'
  if (text === '8BPS') return 'a Photoshop document'
  if (text === '%PDF') return 'a PDF'
  if ((b[0] === 0xff && b[1] === 0x0a) || b.subarray(4, 8).toString('latin1') === 'JXL ') return 'JPEG XL'
  return null
}

/**
 * Reads a poster file after checking its size and first bytes, so a huge file or a
 * non-image named .jpg costs a 64-byte read, not its whole size in memory.
 */
export async function readImageFile(path: string, size: number): Promise<Buffer> {
  if (size > MAX_FILE_BYTES) throw new BadImage(`file too large: ${(size / 2 ** 20).toFixed(0)} MB (limit ${MAX_FILE_BYTES / 2 ** 20} MB); not read`)
  const fh = await open(path, 'r')
  try {
    const head = Buffer.alloc(64)
    const { bytesRead } = await fh.read(head, 0, 64, 0)
    if (!sniffFormat(head.subarray(0, bytesRead))) {
      const kind = unsupportedKind(head.subarray(0, bytesRead))
      throw new BadImage(kind ? `not a supported image type (${kind}, whatever its name says); use jpg, png, webp, gif, avif or tiff` : 'not an image (unrecognised file format)')
    }
    return await fh.readFile()
  } finally {
    await fh.close()
  }
}

export interface Probe {
  width: number
  height: number
  /** The file is its own thumbnail (servesAsThumbnail): decoded to check it, never re-encoded. */
  asIs: boolean
}

/**
 * The largest original kept as its own thumbnail. Cards are at most ~240 px wide; a poster
 * this small re-encoded would be no smaller on disk (19 KiB against the shared posters' 20)
 * and a generation worse, and the resize + encode was half an import's CPU (3.5 against
 * 1.6 ms a poster for the decode alone, `npm run bench -- first-model-profile`).
 */
export const THUMB_AS_IS = { maxWidth: 320, maxHeight: 640, maxBytes: 96 * 1024 } as const

/**
 * Whether a file can be served as its own thumbnail: a JPEG (every browser shows it) in sRGB or
 * greyscale with no profile but sRGB's (CMYK, Display P3 or Adobe RGB are converted, so every
 * thumbnail is sRGB), upright as stored (no EXIF rotation to apply), no alpha, and within
 * THUMB_AS_IS's size.
 */
export function servesAsThumbnail(meta: Pick<Metadata, 'format' | 'space' | 'icc' | 'orientation' | 'hasAlpha' | 'width' | 'height' | 'pages'>, bytes: number): boolean {
  return (
    meta.format === 'jpeg' &&
    (meta.space === 'srgb' || meta.space === 'b-w') &&
    isSrgb(meta.icc) &&
    (meta.orientation ?? 1) === 1 &&
    !meta.hasAlpha &&
    (meta.pages ?? 1) === 1 &&
    (meta.width ?? Infinity) <= THUMB_AS_IS.maxWidth &&
    (meta.height ?? Infinity) <= THUMB_AS_IS.maxHeight &&
    bytes <= THUMB_AS_IS.maxBytes
  )
}

export async function probe(buf: Buffer): Promise<Probe> {
  let meta: Metadata
  try {
    meta = await decoding(() => sharp(buf, { limitInputPixels: false }).metadata())
  } catch (err) {
    let msg = ownMessage(buf, err)
    if (!msg.text || msg.mixed) msg = await alone(() => sharp(buf, { limitInputPixels: false }).metadata().then(() => msg, (e: unknown) => ownMessage(buf, e)))
    if (/unsupported image format/i.test(msg.text)) throw new BadImage('not an image (unrecognised file format)')
    throw new BadImage(`unreadable image header: ${msg.text || 'the decoder gave no reason'}`)
  }
  if (!meta.format || !FORMATS.has(meta.format)) throw new BadImage(`unsupported image format: ${meta.format ?? 'unknown'}`)
  if (meta.format === 'heif' && meta.compression && meta.compression !== 'av1') throw new BadImage(`unsupported image format: HEIC (${meta.compression})`)
  const width = meta.width ?? 0
  const height = meta.pageHeight ?? meta.height ?? 0
  if (width <= 0 || height <= 0) throw new BadImage('image header has no size')
  if (width * height > MAX_PIXELS) {
    throw new BadImage(`image too large: ${width} x ${height} pixels (limit ${MAX_PIXELS / 1e6} megapixels); not decoded`)
  }
  const asIs = servesAsThumbnail(meta, buf.length)
  // EXIF orientations 5-8 are rotated a quarter turn: the shown size is swapped.
  return (meta.orientation ?? 1) >= 5 ? { width: height, height: width, asIs } : { width, height, asIs }
}

/** Why a JPEG or PNG is visibly cut short, or null. */
export function missingEndMarker(buf: Buffer): string | null {
  const tail = buf.subarray(Math.max(0, buf.length - 64))
  if (buf[0] === 0xff && buf[1] === 0xd8 && !tail.includes(Buffer.from([0xff, 0xd9]))) return 'no JPEG end marker'
  if (buf.subarray(0, 4).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47])) && !tail.includes(Buffer.from('IEND'))) return 'no PNG IEND chunk'
  return null
}

const ownMessage = (buf: Buffer, err: unknown) => ownLines(sniffFormat(buf), (err as Error).message)

/**
 * A decoder failure as the reason shown to the user. A message that is not this file's own
 * (another decode's lines, or none) is replaced by the one this file gives decoded again.
 */
async function decodeFailure(buf: Buffer, err: unknown): Promise<BadImage> {
  const first = ownMessage(buf, err)
  let text = first.text
  if (!text || first.mixed) {
    // Decoded again while no other decode runs; one that now succeeds failed after decoding.
    const own = await alone(() => decodesAt(buf, 'truncated').then(() => null, (e: unknown) => ownMessage(buf, e).text))
    if (own) text = own
  }
  if (!text) text = 'the decoder gave no reason'
  // A missing end marker names truncation whatever the decoder said.
  return refusedImage(buf, /truncat|premature|end of (file|data)|corrupt|bad|invalid|read error/i.test(text) ? `truncated or corrupt image: ${text}` : `cannot decode image: ${text}`)
}

/** The file a poster's bytes were read from, as stat saw it before the read. */
export interface SourceFile {
  path: string
  size: number
  /** Milliseconds, floored (as the posters table keeps it). */
  mtime: number
}

/**
 * Whether the file is its own thumbnail (probe's verdict): true, or the file it was read from,
 * which the thumbnail then hard-links where the file system allows (linkThumbnail).
 */
export type AsIs = boolean | SourceFile

/** The original to link an as-is thumbnail to, when the caller named it. */
const linkSource = (asIs: AsIs): SourceFile | undefined => (typeof asIs === 'object' ? asIs : undefined)

/**
 * Writes the thumbnail to `thumbFile` (returns whether it wrote one); null: the cache has it
 * already, in either format (library/thumbs.ts findThumb), so nothing is decoded. `asIs`: the
 * file is its own thumbnail, decoded only to refuse a corrupt one. Decode failures become BadImage.
 */
export async function ensureThumbnail(buf: Buffer, thumbFile: string | null, asIs: AsIs = false): Promise<boolean> {
  if (thumbFile === null) return false
  let out: Buffer
  try {
    out = await judged(buf, (failOn) => (asIs ? decodesAt(buf, failOn) : thumbnailPipeline(buf, failOn).toBuffer()))
  } catch (err) {
    throw await decodeFailure(buf, err)
  }
  return writeThumbnail(out, thumbFile, linkSource(asIs))
}

/**
 * An as-is thumbnail whose pixels someone else decoded (the model worker's decode during an
 * import: decoded-sink.ts pushEncoded). Returns whether it wrote one.
 */
export async function writeCheckedThumbnail(buf: Buffer, thumbFile: string | null, asIs: AsIs): Promise<boolean> {
  return thumbFile === null ? false : writeThumbnail(buf, thumbFile, linkSource(asIs))
}

/** Refuses a file whose pixels do not all decode, as a thumbnail decode would. */
export async function checkDecodes(buf: Buffer): Promise<void> {
  try {
    await judged(buf, (failOn) => decodesAt(buf, failOn))
  } catch (err) {
    throw await decodeFailure(buf, err)
  }
}

/** A file another decoder refused, with that decoder's reason in the importer's words. */
export function refusedImage(buf: Buffer, reason: string): BadImage {
  const cut = missingEndMarker(buf)
  return new BadImage(cut ? `truncated or corrupt image: premature end of the file (${cut})` : reason)
}

/** The file itself once every pixel decodes at `failOn`. */
async function decodesAt(buf: Buffer, failOn: FailOn): Promise<Buffer> {
  await sharp(buf, { limitInputPixels: MAX_PIXELS, failOn }).raw().toBuffer()
  return buf
}

/**
 * A poster decoded upright in sRGB: the start of every backbone view, here and in the embedder
 * (ml/embed/preprocess.ts); `failOn`: the level strictDecode asks for, or the embedder's 'error'.
 */
export function decodedSrgb(input: Buffer | string, failOn: FailOn): Sharp {
  return sharp(input, { limitInputPixels: MAX_PIXELS, failOn }).rotate().toColourspace('srgb')
}

/**
 * One backbone input view (RGB HWC): resized with lanczos3, centred, alpha dropped after the
 * resize. The importer and the embedder both make their views with it, so a poster gives the
 * same vector on every path.
 */
export async function backboneView(img: Sharp, size: { width: number; height: number }, fit: 'fill' | 'cover'): Promise<Buffer> {
  const { data, info } = await img.resize(size.width, size.height, { fit, position: 'centre', kernel: 'lanczos3' }).removeAlpha().raw().toBuffer({ resolveWithObject: true })
  if (info.channels !== 3) throw new Error(`unexpected ${info.channels} channels after decode`)
  return data
}

/**
 * The backbone views of pixels decoded once (decodedSrgb's raw output), one resize each, as
 * the importer and the embedder both make several views.
 */
export function rawViews(data: Buffer, info: Pick<OutputInfo, 'width' | 'height' | 'channels'>, size: { width: number; height: number }, views: readonly ('fill' | 'cover')[]): Promise<Buffer[]> {
  const raw = { raw: { width: info.width, height: info.height, channels: info.channels } }
  return Promise.all(views.map((fit) => backboneView(sharp(data, raw), size, fit)))
}

/**
 * One decode for two uses: the thumbnail (written to `thumbFile`; null: cached already; the
 * file itself when `asIs`) and the backbone's input views, resized from the same decoded pixels
 * (RGB HWC buffers, one per view).
 */
export async function thumbnailAndViews(buf: Buffer, thumbFile: string | null, spec: ViewSpec, asIs: AsIs = false): Promise<{ wrote: boolean; views: Buffer[] }> {
  let made: { thumb: Buffer | null; views: Buffer[] }
  try {
    made = await judged(buf, async (failOn) => {
      if ((thumbFile === null || asIs) && spec.views.length === 1) {
        // No thumbnail to encode and one view: decode and resize in one pipeline, exactly as the
        // embedder does for one view (ml/embed/preprocess.ts), so both paths give the same vector;
        // no full-size raw copy (2.5 against 3.0 ms a poster).
        const views = [await backboneView(decodedSrgb(buf, failOn).removeAlpha(), spec, spec.views[0])]
        return { thumb: thumbFile === null ? null : buf, views }
      }
      const { data, info } = await decodedSrgb(buf, failOn).raw().toBuffer({ resolveWithObject: true })
      const raw = { raw: { width: info.width, height: info.height, channels: info.channels } }
      const [thumb, views] = await Promise.all([
        thumbFile === null
          ? null
          : asIs
            ? buf
            : sharp(data, raw).resize(THUMB_BOX).flatten({ background: '#ffffff' }).jpeg(THUMB_JPEG).toBuffer(),
        rawViews(data, info, spec, spec.views),
      ])
      return { thumb, views }
    })
  } catch (err) {
    throw await decodeFailure(buf, err)
  }
  const { thumb, views } = made
  return { wrote: thumb && thumbFile ? await writeThumbnail(thumb, thumbFile, linkSource(asIs)) : false, views }
}

async function writeThumbnail(out: Buffer, thumbFile: string, source?: SourceFile): Promise<boolean> {
  if (source && (await linkThumbnail(source, thumbFile))) return true
  // Write then rename: a crash never leaves a half-written thumbnail under the final name.
  const tmp = `${thumbFile}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`
  try {
    await makeShardOf(thumbFile)
    await writeFile(tmp, out)
    await rename(tmp, thumbFile)
  } catch (err) {
    // A full disk leaves a partial file behind: removed, not left to fill the disk further.
    await rm(tmp, { force: true }).catch(() => undefined)
    // Not the poster's fault: the import stops (and rolls back) with the reason (its code kept
    // for library/storage.ts to name a full or read-only disk).
    throw Object.assign(new Error(`cannot write to the thumbnail cache (${(err as Error).message})`), { code: (err as NodeJS.ErrnoException).code })
  }
  return true
}

/**
 * An as-is thumbnail as a hard link to its original: one directory entry instead of a file
 * written and renamed (0.09 against ~1 ms of CPU a poster here, `npm run bench --
 * first-model-profile`). The cache only ever unlinks its files or renames new ones over them,
 * so the original is never written through the link; editors that save by replacing the file
 * leave the link with the bytes it was made from. False (the caller writes a copy) where links
 * are not possible (another file system, FAT, Windows, where a read-only original would make
 * the link undeletable) or the file changed since it was read.
 */
async function linkThumbnail(source: SourceFile, thumbFile: string): Promise<boolean> {
  if (process.platform === 'win32') return false
  try {
    await makeShardOf(thumbFile)
    // The file a symlinked poster points at: link(2) on the symlink itself would make the
    // thumbnail a symlink into the user's folder, which the poster protocol refuses to serve.
    await link(await realpath(source.path), thumbFile)
  } catch {
    return false
  }
  // lstat: the cache entry itself must be the regular file read, not a link to follow.
  const st = await lstat(thumbFile).catch(() => null)
  if (st && st.isFile() && st.size === source.size && Math.floor(st.mtimeMs) === source.mtime) return true
  await rm(thumbFile, { force: true }).catch(() => undefined)
  return false
}
