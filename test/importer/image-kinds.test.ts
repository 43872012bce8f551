// Valid images of every kind a poster folder may hold, through the real import: each comes out
// upright, in sRGB, with its shown size and a thumbnail; nothing valid is refused.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { deflateSync } from 'node:zlib'
import sharp, { type Color, type Sharp } from 'sharp'
import { describe, expect, it } from 'vitest'
import { startImport } from '../../src/main/importer/handlers'
import { thumbPath } from '../../src/main/library/thumbs'
import { useLibrary } from '../library/helpers'

const t = useLibrary({ sub: 'lib' })

const noise = (w: number, h: number, seed: number): Sharp => {
  const raw = Buffer.alloc(w * h * 3)
  let s = seed
  for (let i = 0; i < raw.length; i++) raw[i] = (s = (s * 1103515245 + 12345) >>> 0) >>> 24
  return sharp(raw, { raw: { width: w, height: h, channels: 3 } })
}
const solid = (w: number, h: number, background: Color, channels: 3 | 4 = 3) => sharp({ create: { width: w, height: h, channels, background } })

/** Upright: red top-left, green top-right, blue bottom-left, white bottom-right. */
const W = 60
const H = 90
const quadrants = (): Sharp => {
  const raw = Buffer.alloc(W * H * 3)
  for (let y = 0; y < H; y++)
    for (let x = 0; x < W; x++) raw.set(y < H / 2 ? (x < W / 2 ? [255, 0, 0] : [0, 255, 0]) : x < W / 2 ? [0, 0, 255] : [255, 255, 255], (y * W + x) * 3)
  return sharp(raw, { raw: { width: W, height: H, channels: 3 } })
}
/** The pixels stored under each EXIF orientation so that the picture shown is upright. */
const STORED: Record<number, (s: Sharp) => Promise<Buffer>> = {
  1: (s) => s.png().toBuffer(),
  2: (s) => s.flop().png().toBuffer(),
  3: (s) => s.rotate(180).png().toBuffer(),
  4: (s) => s.flip().png().toBuffer(),
  5: async (s) => sharp(await s.rotate(90).png().toBuffer()).flop().png().toBuffer(),
  6: (s) => s.rotate(270).png().toBuffer(),
  7: async (s) => sharp(await s.rotate(270).png().toBuffer()).flop().png().toBuffer(),
  8: (s) => s.rotate(90).png().toBuffer(),
}
/** The thumbnail's quadrants as 1-bit RGB, e.g. '100' for red. */
async function quadrantsOf(file: string): Promise<string[]> {
  const { data, info } = await sharp(file).raw().toBuffer({ resolveWithObject: true })
  const at = (fx: number, fy: number) => {
    const i = (Math.floor(fy * info.height) * info.width + Math.floor(fx * info.width)) * info.channels
    return [0, 1, 2].map((c) => (data[i + c] > 128 ? 1 : 0)).join('')
  }
  return [at(0.25, 0.25), at(0.75, 0.25), at(0.25, 0.75), at(0.75, 0.75)]
}

function pngChunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4)
  len.writeUInt32BE(data.length)
  let c = 0xffffffff
  for (const b of Buffer.concat([Buffer.from(type), data])) {
    c ^= b
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
  }
  const crc = Buffer.alloc(4)
  crc.writeUInt32BE((c ^ 0xffffffff) >>> 0)
  return Buffer.concat([len, Buffer.from(type), data, crc])
}
/** A two-frame animated PNG 60 x 90: a dark first frame, a light second. */
function apng(): Buffer {
  const ihdr = Buffer.alloc(13)
  ihdr.writeUInt32BE(60, 0)
  ihdr.writeUInt32BE(90, 4)
  ihdr[8] = 8
  ihdr[9] = 2
  const rows = (v: number) => deflateSync(Buffer.concat(Array.from({ length: 90 }, () => Buffer.concat([Buffer.from([0]), Buffer.alloc(180, v)]))))
  const actl = Buffer.alloc(8)
  actl.writeUInt32BE(2, 0)
  const fctl = (seq: number) => {
    const f = Buffer.alloc(26)
    f.writeUInt32BE(seq, 0)
    f.writeUInt32BE(60, 4)
    f.writeUInt32BE(90, 8)
    f.writeUInt16BE(1, 20)
    f.writeUInt16BE(1, 22)
    return f
  }
  const seq = Buffer.alloc(4)
  seq.writeUInt32BE(2)
  const sig = Buffer.from([137, 80, 78, 71, 13, 10, 26, 10])
  return Buffer.concat([sig, pngChunk('IHDR', ihdr), pngChunk('acTL', actl), pngChunk('fcTL', fctl(0)), pngChunk('IDAT', rows(40)), pngChunk('fcTL', fctl(1)), pngChunk('fdAT', Buffer.concat([seq, rows(220)])), pngChunk('IEND', Buffer.alloc(0))])
}
/** A JPEG with `segment` (marker, payload) inserted after its start marker. */
const withSegment = (jpg: Buffer, marker: number, payload: Buffer) => {
  const head = Buffer.from([0xff, marker, 0, 0])
  head.writeUInt16BE(payload.length + 2, 2)
  return Buffer.concat([jpg.subarray(0, 2), head, payload, jpg.subarray(2)])
}

/** Files and the size each must be imported with. */
async function writeKinds(dir: string): Promise<Map<string, [number, number]>> {
  const want = new Map<string, [number, number]>()
  const put = async (name: string, bytes: Buffer | Promise<Buffer>, size: [number, number]) => {
    writeFileSync(join(dir, name), await bytes)
    want.set(name, size)
  }
  for (let o = 1; o <= 8; o++) {
    // Shown upright W x H whatever is stored. Small (the size of a file that may be its own thumbnail) and larger than a thumbnail.
    await put(`orientation-${o}.jpg`, sharp(await STORED[o](quadrants())).jpeg({ quality: 95 }).withMetadata({ orientation: o }).toBuffer(), [W, H])
    await put(`orientation-big-${o}.jpg`, sharp(await STORED[o](quadrants())).resize(o >= 5 ? H * 6 : W * 6, o >= 5 ? W * 6 : H * 6, { kernel: 'nearest' }).jpeg({ quality: 95 }).withMetadata({ orientation: o }).toBuffer(), [W * 6, H * 6])
  }
  const plain = await noise(200, 300, 1).jpeg().toBuffer()
  await put('progressive.jpg', noise(200, 300, 2).jpeg({ progressive: true }).toBuffer(), [200, 300])
  await put('garbage-after-end.jpg', Buffer.concat([plain, Buffer.alloc(500, 0x41)]), [200, 300])
  await put('empty-app-segment.jpg', withSegment(plain, 0xe5, Buffer.alloc(0)), [200, 300])
  const badExif = Buffer.concat([Buffer.from('Exif\0\0II*\0'), Buffer.from([0xff, 0xff, 0xff, 0x7f]), Buffer.alloc(20, 0xee)])
  await put('malformed-exif.jpg', withSegment(plain, 0xe1, badExif), [200, 300])
  await put('grey.jpg', noise(60, 90, 3).greyscale().jpeg().toBuffer(), [60, 90])
  await put('jpeg-named.png', noise(61, 90, 4).jpeg().toBuffer(), [61, 90])
  await put('UPPER.JPG', noise(62, 90, 5).jpeg().toBuffer(), [62, 90])
  await put('Mixed.Jpeg', noise(63, 90, 6).jpeg().toBuffer(), [63, 90])
  await put('-rf --help.jpg', noise(64, 90, 7).jpeg().toBuffer(), [64, 90])
  await put('palette-transparent.png', solid(60, 90, { r: 200, g: 0, b: 0, alpha: 0.5 }, 4).png({ palette: true }).toBuffer(), [60, 90])
  await put('grey-alpha.png', solid(60, 90, { r: 100, g: 100, b: 100, alpha: 0.5 }, 4).greyscale().png().toBuffer(), [60, 90])
  await put('interlaced.png', noise(60, 90, 8).png({ progressive: true }).toBuffer(), [60, 90])
  await put('animated.png', apng(), [60, 90])
  await put('lossy.webp', noise(60, 90, 9).webp().toBuffer(), [60, 90])
  await put('lossless.webp', noise(60, 90, 10).webp({ lossless: true }).toBuffer(), [60, 90])
  const frames = () => sharp(Buffer.alloc(60 * 270 * 3, 90), { raw: { width: 60, height: 270, channels: 3, pageHeight: 90 } as never })
  await put('animated.webp', frames().webp({ loop: 0, delay: [100, 100, 100] }).toBuffer(), [60, 90])
  await put('pages.tif', frames().tiff().toBuffer(), [60, 90])
  await put('poster.avif', noise(60, 90, 11).avif().toBuffer(), [60, 90])
  await put('one-pixel.png', solid(1, 1, '#f00').png().toBuffer(), [1, 1])
  await put('one-pixel.jpg', solid(1, 1, '#0f0').jpeg().toBuffer(), [1, 1])
  await put('wide-strip.png', solid(60_000, 2, '#f00').png().toBuffer(), [60_000, 2])
  // Taller than a JPEG can be: its thumbnail is scaled to fit, not refused by the encoder.
  await put('tall-strip.png', solid(20, 100_000, '#00f').png().toBuffer(), [20, 100_000])
  // Small JPEGs in wide-gamut colour: the thumbnail is converted, not the file kept as is.
  await put('display-p3.jpg', solid(60, 90, { r: 0, g: 200, b: 0 }).jpeg({ quality: 95 }).withIccProfile('p3').toBuffer(), [60, 90])
  await put('srgb-profile.jpg', solid(60, 90, { r: 0, g: 200, b: 0 }).jpeg({ quality: 95 }).withIccProfile('srgb').toBuffer(), [60, 90])
  return want
}

async function importKinds(embed: boolean) {
  const dir = join(t.dir, 'kinds')
  mkdirSync(dir)
  const want = await writeKinds(dir)
  const r = (await (await startImport(t.core, { paths: [dir], embed })).promise)!
  expect(r.skipped).toEqual([])
  expect(r.added).toBe(want.size)
  const rows = t.core.db.prepare('SELECT path, hash, width, height FROM posters').all() as { path: string; hash: string; width: number; height: number }[]
  const thumbs = new Map<string, string>()
  for (const p of rows) {
    const name = p.path.slice(dir.length + 1)
    expect([p.width, p.height], name).toEqual(want.get(name))
    const thumb = thumbPath(t.lib, p.hash)
    expect(existsSync(thumb), name).toBe(true)
    const m = await sharp(thumb).metadata()
    expect(m.format, name).toBe('jpeg')
    expect(m.width!, name).toBeLessThanOrEqual(240)
    expect(m.height!, name).toBeLessThanOrEqual(3840)
    // The thumbnail keeps the poster's shape (to the pixel a rounding takes).
    expect(Math.abs(m.width! * p.height - m.height! * p.width), name).toBeLessThanOrEqual(Math.max(p.width, p.height))
    thumbs.set(name, thumb)
  }
  for (const [name, thumb] of thumbs) if (name.startsWith('orientation')) expect(await quadrantsOf(thumb), name).toEqual(['100', '010', '001', '111'])
  // Converted from Display P3 to sRGB: the green the file was made from, no profile left.
  const p3 = thumbs.get('display-p3.jpg')!
  expect((await sharp(p3).metadata()).icc, 'a Display P3 poster\'s thumbnail carries no profile').toBeUndefined()
  const { data } = await sharp(p3).raw().toBuffer({ resolveWithObject: true })
  expect(Math.abs(data[0] - 0) + Math.abs(data[1] - 200) + Math.abs(data[2] - 0)).toBeLessThan(16)
  // An sRGB-tagged small JPEG still is its own thumbnail.
  expect(readFileSync(thumbs.get('srgb-profile.jpg')!).equals(readFileSync(join(dir, 'srgb-profile.jpg')))).toBe(true)
}

describe('valid images of every kind', () => {
  it('import upright, in sRGB, with their shown size and a thumbnail', () => importKinds(false), 120_000)
})

const modelsDir = process.env.POSTERITY_MODELS ?? join(__dirname, '../../../shared/models')
const haveBackbone = existsSync(join(modelsDir, 'mobilenetv2-12-int8.onnx'))
describe.skipIf(!haveBackbone)('valid images of every kind, imported with embedding', () => {
  it('import the same way', () => importKinds(true), 120_000)
})
