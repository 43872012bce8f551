// The bad-input corpus, written by the tests into a temp folder with sharp and fs: every kind
// of file a user's poster folder or labels file may hold that once cost memory, hung or broke
// the import, each with the one-line message it must get, beside good posters (plain and in
// the awkward-but-valid variants) that must import around them.
import { execFileSync } from 'node:child_process'
import { chmodSync, closeSync, mkdirSync, openSync, symlinkSync, truncateSync, writeFileSync, writeSync } from 'node:fs'
import { join } from 'node:path'
import sharp from 'sharp'
import { jpeg, pngBomb } from '../library/helpers'

/** A file the import must skip, with the reason it must give. */
export interface BadItem {
  path: string
  reason: string | RegExp
}

/** A poster that must import: its file and the id its name gives it. */
export interface GoodItem {
  path: string
  what: string
}

export interface ImageCorpus {
  /** The folder to import. */
  root: string
  good: GoodItem[]
  bad: BadItem[]
  /** Import warnings that must be there (NFOs that cannot be read, the symlink loop). */
  warnings: (string | RegExp)[]
  /** Items left out on this machine, and why (root reads chmod 000 files). */
  notHere: string[]
  /** Text that must never reach a message (what an external entity would pull in). */
  secrets: string[]
}

const asRoot = typeof process.getuid === 'function' && process.getuid() === 0

const pixels = (w: number, h: number, seed: number): Buffer => {
  const raw = Buffer.alloc(w * h * 3)
  let s = seed
  for (let i = 0; i < raw.length; i++) {
    s = (s * 1103515245 + 12345) >>> 0
    raw[i] = s >>> 24
  }
  return raw
}
const image = (seed: number, w = 90, h = 135) => sharp(pixels(w, h, seed), { raw: { width: w, height: h, channels: 3 } })

export async function writeImageCorpus(dir: string): Promise<ImageCorpus> {
  const root = join(dir, 'corpus')
  mkdirSync(root, { recursive: true })
  const at = (...p: string[]) => join(root, ...p)
  const good: GoodItem[] = []
  const bad: BadItem[] = []
  const warnings: (string | RegExp)[] = []
  const notHere: string[] = []

  // ---- good: plain and awkward-but-valid images (they import, as images) ----
  for (let i = 1; i <= 3; i++) {
    await jpeg(at(`tt000000${i}.jpg`), { seed: i })
    good.push({ path: at(`tt000000${i}.jpg`), what: 'plain JPEG' })
  }
  const alpha = Buffer.alloc(80 * 120 * 4)
  for (let i = 0; i < alpha.length; i++) alpha[i] = i % 4 === 3 ? (i >> 6) % 256 : (i * 13) % 256
  await sharp(alpha, { raw: { width: 80, height: 120, channels: 4 } }).png().toFile(at('alpha.png'))
  good.push({ path: at('alpha.png'), what: 'PNG with alpha (flattened onto white)' })
  await image(11).toColourspace('rgb16').png().toFile(at('sixteen-bit.png'))
  good.push({ path: at('sixteen-bit.png'), what: '16-bit PNG' })
  await image(12).toColourspace('cmyk').jpeg().toFile(at('cmyk.jpg'))
  good.push({ path: at('cmyk.jpg'), what: 'CMYK JPEG (converted to sRGB)' })
  await image(13).greyscale().toColourspace('b-w').jpeg().toFile(at('grey.jpg'))
  good.push({ path: at('grey.jpg'), what: 'grayscale JPEG' })
  await sharp(pixels(60, 270, 14), { raw: { width: 60, height: 270, channels: 3, pageHeight: 90 } as never })
    .gif({ loop: 0, delay: [100, 100, 100] })
    .toFile(at('animated.gif'))
  good.push({ path: at('animated.gif'), what: 'animated GIF (its first frame)' })
  // Names: unicode, spaces and a newline in a good poster's name.
  for (const [k, name] of ['Amélie (2001).jpg', 'two  spaces and 🎬 emoji.jpg', 'line\nbreak (1999).jpg', 'ünïcödé_名前.webp'].entries()) {
    if (name.endsWith('.webp')) await image(20 + k).webp().toFile(at(name))
    else await image(20 + k).jpeg().toFile(at(name))
    good.push({ path: at(name), what: `odd name ${JSON.stringify(name)}` })
  }

  // Padding between the scan and the end marker: libjpeg warns, the pixels are whole.
  const padded = await image(15, 120, 180).jpeg().toBuffer()
  writeFileSync(at('padded.jpg'), Buffer.concat([padded.subarray(0, -2), Buffer.from([0, 0, 0]), padded.subarray(-2)]))
  good.push({ path: at('padded.jpg'), what: 'JPEG with padding before its end marker' })

  // ---- bad posters: each with its one-line reason ----
  const whole = await image(30, 200, 300).jpeg().toBuffer()
  // Cut mid-scan with the end marker put back: it decodes, the lower part grey.
  writeFileSync(at('cut-with-end.jpg'), Buffer.concat([whole.subarray(0, Math.floor(whole.length / 2)), Buffer.from([0xff, 0xd9])]))
  bad.push({ path: at('cut-with-end.jpg'), reason: /^truncated or corrupt image: .*Corrupt JPEG data: premature end of data segment/ })
  // Bytes flipped mid-scan (bit rot): it decodes into garbage. The first flip, from the middle
  // on, that libjpeg notices (it does not notice every one).
  const flipped = Buffer.from(whole)
  for (let at = Math.floor(whole.length / 2); at < whole.length - 2; at += 7) {
    flipped[at] ^= 0x5a
    const noticed = await sharp(flipped, { failOn: 'warning' }).raw().toBuffer().then(() => false, () => true)
    const decodes = await sharp(flipped, { failOn: 'truncated' }).raw().toBuffer().then(() => true, () => false)
    if (noticed && decodes) break
    flipped[at] ^= 0x5a
  }
  writeFileSync(at('flipped.jpg'), flipped)
  bad.push({ path: at('flipped.jpg'), reason: /^truncated or corrupt image: .*(Corrupt JPEG data|Huffman)/ })
  writeFileSync(at('truncated.jpg'), whole.subarray(0, Math.floor(whole.length / 2)))
  bad.push({ path: at('truncated.jpg'), reason: 'truncated or corrupt image: premature end of the file (no JPEG end marker)' })
  writeFileSync(at('zero.jpg'), '')
  bad.push({ path: at('zero.jpg'), reason: 'empty file (0 bytes)' })
  writeFileSync(at('text.jpg'), 'Dear diary, this is not a poster.\n'.repeat(50))
  bad.push({ path: at('text.jpg'), reason: 'not an image (unrecognised file format)' })
  const svg = '<svg xmlns="http://www.w3.org/2000/svg" width="200" height="300"><rect width="200" height="300" fill="red"/></svg>\n'
  writeFileSync(at('vector.svg'), svg)
  bad.push({ path: at('vector.svg'), reason: 'not a supported image type (.svg: a vector drawing); use jpg, png, webp, gif, avif or tiff' })
  writeFileSync(at('vector-named.png'), svg)
  bad.push({ path: at('vector-named.png'), reason: 'not an image (unrecognised file format)' })
  pngBomb(at('bomb.png'), 50_000, 50_000)
  bad.push({ path: at('bomb.png'), reason: 'image too large: 50000 x 50000 pixels (limit 100 megapixels); not decoded' })
  closeSync(openSync(at('huge.jpg'), 'w'))
  truncateSync(at('huge.jpg'), 2 * 2 ** 30) // sparse: 2 GB that take no disk and must not be read
  bad.push({ path: at('huge.jpg'), reason: 'file too large: 2048 MB (limit 256 MB); not read' })
  execFileSync('mkfifo', [at('fifo.jpg')])
  bad.push({ path: at('fifo.jpg'), reason: 'unreadable: not a regular file (a device, pipe or socket)' })
  symlinkSync('self-loop.jpg', at('self-loop.jpg'))
  bad.push({ path: at('self-loop.jpg'), reason: 'unreadable: broken symbolic link (too many levels of symbolic links)' })
  symlinkSync('nowhere/gone.jpg', at('dangling.jpg'))
  bad.push({ path: at('dangling.jpg'), reason: 'unreadable: broken symbolic link (no such file or folder)' })
  mkdirSync(at('loop'))
  await jpeg(at('loop', 'tt0000010.jpg'), { seed: 10 })
  good.push({ path: at('loop', 'tt0000010.jpg'), what: 'a poster inside a folder that links back to itself' })
  symlinkSync('..', at('loop', 'back-up'))
  warnings.push(/^symlink loop or repeated folder not followed again: .*back-up/)
  const evil = 'evil\x1b[31mred\x1b[0m\nsecond line\u202e.jpg'
  writeFileSync(at(evil), 'not an image either')
  bad.push({ path: at(evil), reason: 'not an image (unrecognised file format)' })
  if (asRoot) {
    notHere.push('unreadable file and folder (chmod 000): the tests run as root, who reads them anyway (corpus.test.ts runs them as nobody instead)')
  } else {
    await jpeg(at('locked.jpg'), { seed: 40 })
    chmodSync(at('locked.jpg'), 0)
    bad.push({ path: at('locked.jpg'), reason: 'unreadable: permission denied' })
    mkdirSync(at('locked-folder'))
    await jpeg(at('locked-folder', 'tt0000041.jpg'), { seed: 41 })
    chmodSync(at('locked-folder'), 0)
    bad.push({ path: at('locked-folder'), reason: 'folder cannot be read: permission denied' })
  }

  // ---- NFOs beside good posters: the poster imports, the NFO gets a warning ----
  const secret = 'SECRET-6f1d0c-never-echo'
  writeFileSync(join(dir, 'secret.txt'), `${secret}\n`)
  const nfoCase = async (folder: string, nfo: string | Buffer, reason: string | RegExp) => {
    mkdirSync(at(folder))
    await jpeg(at(folder, 'poster.jpg'), { seed: 50 + good.length })
    writeFileSync(at(folder, 'movie.nfo'), nfo)
    good.push({ path: at(folder, 'poster.jpg'), what: `poster beside ${folder}/movie.nfo` })
    warnings.push(typeof reason === 'string' ? `NFO not read, the poster beside it is named by its file: ${at(folder, 'movie.nfo')} (${reason})` : reason)
  }
  await nfoCase('broken-nfo', '<movie><title>Heat</title><year>1995</movie>', /movie\.nfo \(.*\)$/)
  const big = Buffer.concat([Buffer.from('<movie><title>Big</title><plot>'), Buffer.alloc(5 * 2 ** 20, 'a'), Buffer.from('</plot></movie>')])
  await nfoCase('huge-nfo', big, 'larger than 4 MiB; not an NFO')
  await nfoCase(
    'xxe-nfo',
    `<?xml version="1.0"?>\n<!DOCTYPE movie [ <!ENTITY xxe SYSTEM "file://${join(dir, 'secret.txt')}"> ]>\n<movie><title>&xxe;</title></movie>\n`,
    'DOCTYPE with entity declarations or an external DTD refused (external entities and entity expansion are never processed)',
  )
  return { root, good, bad, warnings, notHere, secrets: [secret] }
}

/** A labels or metadata file and what reading it must give: a refusal, or warnings. */
export interface TableItem {
  name: string
  path: string
  as: 'labels' | 'metadata'
  /** The call is refused with this message. */
  error?: string | RegExp
  /** The import runs and warns (each must be among its warnings). */
  warnings?: (string | RegExp)[]
  /** Labels the posters named tt0000001..3 must end up with (by id). */
  labels?: Record<string, string[]>
}

export function writeTableCorpus(dir: string, options: { bigMb?: number; millionRows?: number } = {}): TableItem[] {
  const root = join(dir, 'tables')
  mkdirSync(root, { recursive: true })
  const items: TableItem[] = []
  const add = (name: string, content: string | Buffer, item: Omit<TableItem, 'name' | 'path'>) => {
    const path = join(root, name)
    writeFileSync(path, content)
    items.push({ name, path, ...item })
  }
  add('bom-crlf-quotes.csv', '\uFEFFId,Genre\r\ntt0000001,"Drama, Film ""Noir"" Classics"\r\ntt0000002,"[\'Comedy\', \'Romance\']"\r\n', {
    as: 'labels',
    warnings: [],
    labels: { tt0000001: ['Drama', 'Film "Noir" Classics'], tt0000002: ['Comedy', 'Romance'] },
  })
  add('unknown-columns.csv', 'Id,Genre,Budget,Colour\ntt0000001,Drama,1e6,red\ntt0000002,Comedy,2e6,blue\n', {
    as: 'labels',
    warnings: ['unknown-columns.csv: column "Budget" ignored (not 0/1 values, so not a genre column)', 'unknown-columns.csv: column "Colour" ignored (not 0/1 values, so not a genre column)'],
    labels: { tt0000001: ['Drama'], tt0000002: ['Comedy'] },
  })
  add('duplicate-ids.csv', 'Id,Genre\ntt0000001,Drama\ntt0000002,Comedy\ntt0000001,Horror\n', {
    as: 'labels',
    warnings: ['duplicate-ids.csv: duplicate ids, the last row wins: tt0000001 (lines 2 and 4)'],
    labels: { tt0000001: ['Horror'], tt0000002: ['Comedy'] },
  })
  add('no-id.csv', 'Name,Genre\nHeat,Drama\n', {
    as: 'labels',
    error: `labels file ${join(root, 'no-id.csv')} has no Id column (expected Id or imdbId; found: "Name", "Genre")`,
  })
  add('header-only.csv', 'Id,Genre\r\n', { as: 'labels', warnings: ['header-only.csv: a header and no rows; nothing read from it'] })
  add('json.csv', '[\n  {"Id": "tt0000001", "Title": "Heat"}\n]\n', {
    as: 'metadata',
    error: `metadata file ${join(root, 'json.csv')} holds JSON, not CSV: metadata files are CSV (a header line, then a row per poster)`,
  })
  add('json-object.csv', '{"tt0000001": ["Drama"]}\n', {
    as: 'labels',
    // Labels are read as JSON by their content, whatever the name: the message is JSON's.
    error: /^labels file .*json-object\.csv holds one JSON object, not an array: a JSON labels file is an array of posters, each \{"id": /,
  })
  add('unclosed-quote.csv', 'Id,Genre\ntt0000001,"Drama\ntt0000002,Comedy\n', {
    as: 'labels',
    error: `labels file ${join(root, 'unclosed-quote.csv')} is not valid CSV: line 2: a quoted field is never closed`,
  })
  // 100 MB of printable garbage (lines of ~1 KB) under a good header: read to the end, every
  // row skipped, a bounded warning (a few rows shown, the rest counted).
  const garbage = join(root, 'garbage.csv')
  const fd = openSync(garbage, 'w')
  writeSync(fd, 'Id,Genre\n')
  let s = 99
  const line = Buffer.alloc(1 << 20)
  for (let mb = 0; mb < (options.bigMb ?? 100); mb++) {
    for (let i = 0; i < line.length; i++) {
      s = (s * 1103515245 + 12345) >>> 0
      const c = 0x20 + ((s >>> 24) % 95)
      line[i] = i % 997 === 996 ? 0x0a : c === 0x22 ? 0x27 : c // no double quotes: garbage, not a quoting error
    }
    writeSync(fd, line)
  }
  closeSync(fd)
  items.push({ name: 'garbage.csv', path: garbage, as: 'labels', warnings: [/^garbage\.csv: rows skipped or suspicious: line 2 .* \(and \d+ more\)$/] })
  // A million rows: read in bounded memory; the three posters get theirs.
  const million = join(root, 'million.csv')
  const mfd = openSync(million, 'w')
  writeSync(mfd, 'Id,Genre\n')
  const rows = options.millionRows ?? 1_000_000
  const genres = ['Drama', 'Comedy', 'Action|Thriller', 'Horror', 'Romance|Drama']
  for (let start = 0; start < rows; start += 50_000) {
    let chunk = ''
    for (let i = start; i < Math.min(rows, start + 50_000); i++) chunk += `tt${String(i + 1).padStart(7, '0')},${genres[i % genres.length]}\n`
    writeSync(mfd, chunk)
  }
  closeSync(mfd)
  items.push({
    name: 'million.csv',
    path: million,
    as: 'labels',
    // Rows for posters the import does not bring are said, not applied.
    warnings: [new RegExp(`^million\\.csv: ${rows - 3} of its ${rows} poster rows name no poster of this import, so they were not applied`)],
    labels: { tt0000001: ['Drama'], tt0000002: ['Comedy'], tt0000003: ['Action', 'Thriller'] },
  })
  return items
}
