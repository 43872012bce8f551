// Kodi / Jellyfin `.nfo` files, read with saxes and rewritten by splicing: the parser reports
// where each top-level <genre> element starts and ends, and a write replaces exactly those
// character ranges. Everything else (comments, CDATA, entities, attribute order, the
// declaration, the BOM, line endings) is copied through untouched, which a DOM round trip
// cannot promise. saxes never loads a DTD or an external entity; a DOCTYPE that declares
// entities is refused outright, and undeclared entity references are parse errors.
import { SaxesParser } from 'saxes'
import { utf16Bom } from './utf16'
import { fromLatin1AsWindows1252 } from './windows-1252'

/** Larger than any real NFO (actor lists included); a bigger file is refused, not read. */
export const MAX_NFO_BYTES = 4 * 1024 * 1024

/** The reason given for Kodi's URL-only NFOs: a film left alone, not a failure. */
export const URL_ONLY_NFO = "a URL-only NFO (Kodi's scraper link, no XML): left as it is"

export class NfoError extends Error {
  /**
   * 'empty': nothing but whitespace (a placeholder: a new NFO may take its place);
   * 'url': Kodi's URL-only NFO (a scraper link, no XML to add genres to).
   */
  constructor(
    message: string,
    readonly kind: 'broken' | 'empty' | 'url' = 'broken',
  ) {
    super(message)
    this.name = 'NfoError'
  }
}

export interface NfoInfo {
  root: string
  title: string | null
  originalTitle: string | null
  year: number | null
  imdb: string | null
  tmdb: string | null
  /** The `<genre>` values, in file order. */
  genres: string[]
  /** `<lockdata>true</lockdata>`: the media server (and Posterity) must not change this film. */
  locked: boolean
}

/** How the file's bytes are read and written back: the same encoding, byte order and BOM. */
export type NfoEncoding = 'utf-8' | 'latin1' | 'utf-16le' | 'utf-16be'

interface Range {
  start: number
  end: number
}

export interface NfoDoc extends NfoInfo {
  /** The text after decoding, without the BOM. */
  text: string
  bom: boolean
  encoding: NfoEncoding
  eol: '\r\n' | '\n'
  /** Top-level <genre> elements, as character ranges of `text` (start tag to end tag). */
  genreRanges: Range[]
  /** Where the root's end tag starts (new genres go before it when the file has none). */
  rootClose: number
  /** `<movie/>`: the range of that one tag, which a write opens into `<movie>…</movie>`. */
  rootSelfClosing: Range | null
  /** Whitespace before the root's first child: the indentation new elements get. */
  indent: string
}

const UTF8_BOM = [0xef, 0xbb, 0xbf]
const SINGLE_BYTE = /^(iso-8859-1|iso8859-1|latin-?1|windows-1252|cp1252|us-ascii|ascii)$/i

function declaredEncoding(head: string): string | null {
  const m = /^<\?xml[^>]*?\bencoding\s*=\s*["']([^"']+)["']/.exec(head)
  return m ? m[1] : null
}

/** UTF-16 by its byte-order mark, or by the first `<` of an XML file without one (the XML spec's autodetection). */
function utf16Order(buf: Buffer): { order: 'utf-16le' | 'utf-16be'; bom: boolean } | null {
  const bom = utf16Bom(buf)
  if (bom) return { order: bom, bom: true }
  if (buf[0] === 0x3c && buf[1] === 0x00) return { order: 'utf-16le', bom: false }
  if (buf[0] === 0x00 && buf[1] === 0x3c) return { order: 'utf-16be', bom: false }
  return null
}

/** Bytes → text, exactly reversible by `encode` (so untouched bytes stay the same bytes). */
function decode(buf: Buffer): { text: string; bom: boolean; encoding: NfoEncoding } {
  const wide = utf16Order(buf)
  if (wide) {
    const body = buf.subarray(wide.bom ? 2 : 0)
    if (body.length % 2) throw new NfoError('not valid UTF-16 (an odd number of bytes)')
    // Big-endian is read from a byte-swapped copy; the write swaps back.
    const le = wide.order === 'utf-16be' ? Buffer.from(body).swap16() : body
    try {
      // fatal: a lone surrogate is an error, not U+FFFD that would write back other bytes.
      return { text: new TextDecoder('utf-16le', { fatal: true, ignoreBOM: true }).decode(le), bom: wide.bom, encoding: wide.order }
    } catch {
      throw new NfoError('not valid UTF-16 (a broken surrogate pair)')
    }
  }
  const bom = UTF8_BOM.every((b, i) => buf[i] === b)
  const body = bom ? buf.subarray(3) : buf
  const declared = declaredEncoding(body.subarray(0, 200).toString('latin1'))
  if (declared && !bom && SINGLE_BYTE.test(declared)) return { text: body.toString('latin1'), bom, encoding: 'latin1' }
  if (declared && !/^utf-?8$/i.test(declared) && !SINGLE_BYTE.test(declared)) {
    throw new NfoError(`unsupported encoding "${declared}" (UTF-8, UTF-16 and ISO-8859-1 / Windows-1252 are)`)
  }
  try {
    // fatal: invalid UTF-8 is an error instead of U+FFFD, which would not write back the same bytes.
    return { text: new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(body), bom, encoding: 'utf-8' }
  } catch {
    throw new NfoError('not valid UTF-8 (and no encoding declared that says otherwise)')
  }
}

function encode(doc: Pick<NfoDoc, 'bom' | 'encoding'>, text: string): Buffer {
  if (doc.encoding === 'utf-16le' || doc.encoding === 'utf-16be') {
    const body = Buffer.from(text, 'utf16le')
    if (doc.encoding === 'utf-16be') body.swap16()
    const bom = doc.encoding === 'utf-16be' ? [0xfe, 0xff] : [0xff, 0xfe]
    return doc.bom ? Buffer.concat([Buffer.from(bom), body]) : body
  }
  const body = Buffer.from(text, doc.encoding === 'latin1' ? 'latin1' : 'utf8')
  return doc.bom ? Buffer.concat([Buffer.from(UTF8_BOM), body]) : body
}

const yearOf = (s: string): number | null => {
  const m = /^\s*((?:18|19|20|21)\d\d)\b/.exec(s)
  return m ? Number(m[1]) : null
}

/** Parses an NFO; throws NfoError with the parser's reason when it is not one we can edit safely. */
export function parseNfo(buf: Buffer): NfoDoc {
  if (buf.length > MAX_NFO_BYTES) throw new NfoError(`larger than ${MAX_NFO_BYTES / 1024 / 1024} MiB; not an NFO`)
  const { text, bom, encoding } = decode(buf)
  if (text.trim() === '') throw new NfoError('empty NFO', 'empty')
  if (/^\s*(?:https?:\/\/\S+\s*)+$/i.test(text)) throw new NfoError(URL_ONLY_NFO, 'url')
  const parser = new SaxesParser({ xmlns: false, position: true })
  const stack: string[] = []
  const info: NfoInfo = { root: '', title: null, originalTitle: null, year: null, imdb: null, tmdb: null, genres: [], locked: false }
  const genreRanges: Range[] = []
  let rootClose = -1
  let rootStart = -1
  let rootSelfClosing: Range | null = null
  let indent: string | null = null
  let buffer = '' // text of the current top-level child
  let tagStart = -1
  let uniqueType: string | null = null
  let premiered: number | null = null
  let idText: string | null = null
  let failure: string | null = null

  parser.on('doctype', (d) => {
    if (/<!ENTITY|\bSYSTEM\b|\bPUBLIC\b|\[/i.test(d)) failure = 'DOCTYPE with entity declarations or an external DTD refused (external entities and entity expansion are never processed)'
  })
  parser.on('opentagstart', (tag) => {
    // Only the first top-level element is the document: anything after it is ignored.
    if (rootClose >= 0) return
    if (stack.length === 0) rootStart = text.lastIndexOf('<', parser.position - 1)
    if (stack.length === 1) {
      tagStart = text.lastIndexOf('<', parser.position - 1)
      if (indent === null) {
        const line = text.lastIndexOf('\n', tagStart - 1)
        const ws = text.slice(line + 1, tagStart)
        indent = /^[ \t]*$/.test(ws) ? ws : '  '
      }
    }
    void tag
  })
  parser.on('opentag', (tag) => {
    if (rootClose >= 0) return
    if (stack.length === 0) info.root = tag.name
    if (stack.length === 1) {
      buffer = ''
      uniqueType = tag.name === 'uniqueid' ? String(tag.attributes.type ?? '').toLowerCase() : null
    }
    stack.push(tag.name)
  })
  const onText = (t: string) => {
    if (stack.length === 2 && rootClose < 0) buffer += t
  }
  parser.on('text', onText)
  parser.on('cdata', onText)
  parser.on('closetag', (tag) => {
    if (rootClose >= 0) return
    stack.pop()
    if (stack.length === 0) {
      if (tag.isSelfClosing) {
        rootSelfClosing = { start: rootStart, end: parser.position }
        rootClose = parser.position
      } else rootClose = text.lastIndexOf('<', parser.position - 1)
      return
    }
    if (stack.length !== 1) return
    const value = buffer.trim()
    switch (tag.name) {
      case 'genre':
        genreRanges.push({ start: tagStart, end: parser.position })
        if (value) info.genres.push(value)
        break
      case 'title':
        info.title ??= value || null
        break
      case 'originaltitle':
        info.originalTitle ??= value || null
        break
      case 'year':
        info.year ??= yearOf(value)
        break
      case 'premiered':
      case 'releasedate':
        premiered ??= yearOf(value)
        break
      case 'lockdata':
        if (value.toLowerCase() === 'true') info.locked = true
        break
      case 'lockedfields':
        // Jellyfin locks single fields: "Genres|Tags".
        if (value.split('|').some((f) => f.trim().toLowerCase() === 'genres')) info.locked = true
        break
      case 'uniqueid':
        if (uniqueType === 'imdb' && /^tt\d{5,10}$/.test(value)) info.imdb ??= value
        if (uniqueType === 'tmdb' && /^\d+$/.test(value)) info.tmdb ??= value
        break
      case 'imdbid':
      case 'imdb_id':
        if (/^tt\d{5,10}$/.test(value)) info.imdb ??= value
        break
      case 'tmdbid':
        if (/^\d+$/.test(value)) info.tmdb ??= value
        break
      case 'id':
        idText ??= value
        break
    }
  })
  parser.on('error', (e) => {
    // Kodi's "combination NFO": the XML, then a scraper URL on a line of its own. What follows
    // the root is kept as it is; only errors before the root's end count.
    if (rootClose >= 0 && stack.length === 0) return
    failure ??= e.message
  })
  try {
    parser.write(text).close()
  } catch (e) {
    failure ??= (e as Error).message
  }
  if (failure) throw new NfoError(failure)
  if (info.root !== 'movie') throw new NfoError(`not a movie NFO: its root element is <${info.root}>, <movie> expected`)
  if (encoding === 'latin1') {
    // The text is kept byte for byte (latin1) for splicing; the values read out are decoded as
    // Windows-1252, which single-byte NFOs mean (C1 control codes are never a title's).
    if (info.title) info.title = fromLatin1AsWindows1252(info.title)
    if (info.originalTitle) info.originalTitle = fromLatin1AsWindows1252(info.originalTitle)
    info.genres = info.genres.map(fromLatin1AsWindows1252)
  }
  if (!info.imdb && idText && /^tt\d{5,10}$/.test(idText)) info.imdb = idText
  info.year ??= premiered
  return {
    ...info,
    text,
    bom,
    encoding,
    eol: text.includes('\r\n') ? '\r\n' : '\n',
    genreRanges,
    rootClose,
    rootSelfClosing,
    indent: indent ?? '  ',
  }
}

function escapeText(s: string, encoding: NfoEncoding): string {
  const x = s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
  // A single-byte file cannot hold other characters: they go in as character references.
  return encoding === 'latin1' ? x.replace(/[^\x20-\x7e]/gu, (c) => `&#${c.codePointAt(0)};`) : x
}

/**
 * The file with exactly these genres as its top-level `<genre>` elements, or the very same
 * bytes when the genres are unchanged. The first existing element's place (and the line
 * endings and indentation of the file) takes the new list; other genre elements go, each
 * with the whitespace that led up to it on its line.
 */
export function withGenres(doc: NfoDoc, genres: string[], original: Buffer): Buffer {
  if (genres.length === doc.genres.length && genres.every((g, i) => g === doc.genres[i]) && doc.genreRanges.length === genres.length) {
    return original
  }
  const block = genres.map((g) => `<genre>${escapeText(g, doc.encoding)}</genre>`).join(doc.eol + doc.indent)
  const t = doc.text
  let out = ''
  let at = 0
  if (doc.genreRanges.length === 0) {
    if (genres.length === 0) return original
    if (doc.rootSelfClosing) {
      // `<movie/>` (attributes kept) opened into `<movie>`, the genres, `</movie>`.
      const { start, end } = doc.rootSelfClosing
      const open = t.slice(start, end).replace(/\s*\/>$/, '>')
      return encode(doc, t.slice(0, start) + open + doc.eol + doc.indent + block + doc.eol + `</${doc.root}>` + t.slice(end))
    }
    // Before the root's end tag, on a line of its own like the other children.
    const lineStart = t.lastIndexOf('\n', doc.rootClose - 1) + 1
    const onOwnLine = /^[ \t]*$/.test(t.slice(lineStart, doc.rootClose))
    const insertAt = onOwnLine ? lineStart : doc.rootClose
    const lead = onOwnLine ? doc.indent : doc.eol + doc.indent
    const tail = onOwnLine ? doc.eol : doc.eol
    out = t.slice(0, insertAt) + lead + block + tail + t.slice(insertAt)
    return encode(doc, out)
  }
  doc.genreRanges.forEach((r, i) => {
    let start = r.start
    if (i > 0 || genres.length === 0) {
      // Take the line break and indentation before the element with it, when only whitespace is there.
      const m = /(\r?\n)[ \t]*$/.exec(t.slice(at, r.start))
      if (m) start = r.start - m[0].length
    }
    out += t.slice(at, start)
    if (i === 0 && genres.length > 0) out += block
    at = r.end
  })
  out += t.slice(at)
  return encode(doc, out)
}

/** A minimal Kodi-style NFO for a film that has none. */
export function minimalNfo(film: { title: string | null; year: number | null; imdb: string | null; tmdb: string | null; genres: string[] }): Buffer {
  const e = (s: string) => escapeText(s, 'utf-8')
  const lines = ['<?xml version="1.0" encoding="UTF-8" standalone="yes"?>', '<movie>']
  if (film.title) lines.push(`  <title>${e(film.title)}</title>`)
  if (film.year) lines.push(`  <year>${film.year}</year>`)
  if (film.imdb) lines.push(`  <uniqueid type="imdb" default="true">${e(film.imdb)}</uniqueid>`)
  if (film.tmdb) lines.push(`  <uniqueid type="tmdb"${film.imdb ? '' : ' default="true"'}>${e(film.tmdb)}</uniqueid>`)
  for (const g of film.genres) lines.push(`  <genre>${e(g)}</genre>`)
  lines.push('</movie>', '')
  return Buffer.from(lines.join('\n'), 'utf8')
}

/** Line-level diff of two versions of a file: the changed middle, with `-` and `+` lines. */
export function lineDiff(before: string, after: string): string[] {
  if (before === after) return []
  const a = before.split(/\r?\n/)
  const b = after.split(/\r?\n/)
  let p = 0
  while (p < a.length && p < b.length && a[p] === b[p]) p++
  let s = 0
  while (s < a.length - p && s < b.length - p && a[a.length - 1 - s] === b[b.length - 1 - s]) s++
  return [...a.slice(p, a.length - s).map((l) => `- ${l}`), ...b.slice(p, b.length - s).map((l) => `+ ${l}`)]
}

/** Decoded text of NFO bytes, for diffs (BOM dropped). */
export function nfoText(buf: Buffer): string {
  return decode(buf).text
}
