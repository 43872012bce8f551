import { describe, expect, it } from 'vitest'
import { lineDiff, MAX_NFO_BYTES, minimalNfo, NfoError, parseNfo, withGenres } from '../../src/main/formats/nfo'
import { crlf, jellyfinNfo, kodiNfo, latin1Nfo, lockedNfo, noGenreNfo, withBom } from './samples'

/** Bytes of `a` and `b` with every top-level <genre> element (and its line) cut out. */
function withoutGenres(buf: Buffer): string {
  return buf.toString('latin1').replace(/\r?\n[ \t]*<genre>[^<]*<\/genre>/g, '')
}

const variants: [string, Buffer][] = [
  ['Kodi', Buffer.from(kodiNfo)],
  ['Jellyfin', Buffer.from(jellyfinNfo)],
  ['Kodi CRLF', Buffer.from(crlf(kodiNfo))],
  ['Kodi with BOM', withBom(kodiNfo)],
  ['Jellyfin CRLF + BOM', withBom(crlf(jellyfinNfo))],
  ['no genres, tabs, CRLF, Japanese title', Buffer.from(noGenreNfo)],
  ['ISO-8859-1', latin1Nfo],
]

describe('NFO reading', () => {
  it('reads title, year, ids, genres and lock state of a Kodi file', () => {
    const d = parseNfo(Buffer.from(kodiNfo))
    expect(d).toMatchObject({ title: 'Amélie', originalTitle: "Le Fabuleux Destin d'Amélie Poulain", year: 2001, imdb: 'tt0211915', tmdb: '194', genres: ['Comedy', 'Romance'], locked: false })
  })
  it('reads a Jellyfin file (imdbid/tmdbid elements, lockdata false)', () => {
    const d = parseNfo(Buffer.from(jellyfinNfo))
    expect(d).toMatchObject({ title: 'Inception', year: 2010, imdb: 'tt1375666', tmdb: '27205', genres: ['Action', 'Science Fiction', 'Adventure'], locked: false })
  })
  it('reads lockdata true, Jellyfin lockedfields and an old-style <id>', () => {
    expect(parseNfo(Buffer.from(lockedNfo)).locked).toBe(true)
    expect(parseNfo(Buffer.from(jellyfinNfo.replace('<runtime>', '<lockedfields>Genres|Tags</lockedfields><runtime>'))).locked).toBe(true)
    expect(parseNfo(Buffer.from(noGenreNfo))).toMatchObject({ imdb: 'tt0245429', title: '千と千尋の神隠し', genres: [] })
  })
  it('decodes ISO-8859-1 files', () => {
    expect(parseNfo(latin1Nfo)).toMatchObject({ title: 'Les Misérables', genres: ['Drame'] })
  })
})

describe('NFO round trips', () => {
  for (const [name, buf] of variants) {
    it(`${name}: unchanged genres give the very same bytes`, () => {
      const d = parseNfo(buf)
      const out = withGenres(d, [...d.genres], buf)
      expect(Buffer.compare(out, buf)).toBe(0)
    })
    it(`${name}: changed genres change only the genre elements`, () => {
      const d = parseNfo(buf)
      const next = ['Drama', 'Science Fiction', 'Café & Crème']
      const out = withGenres(d, next, buf)
      expect(Buffer.compare(out, buf)).not.toBe(0)
      const again = parseNfo(out)
      expect(again.genres).toEqual(next)
      expect(again.title).toBe(d.title)
      // Everything that is not a genre element is byte-identical.
      expect(withoutGenres(out)).toBe(withoutGenres(buf))
      // The file keeps its line endings, BOM and encoding.
      expect(out.toString('latin1').includes('\r\n')).toBe(buf.toString('latin1').includes('\r\n'))
      expect(out.toString('latin1').replace(/\r\n/g, '').includes('\n')).toBe(buf.toString('latin1').replace(/\r\n/g, '').includes('\n'))
      expect(out[0] === 0xef).toBe(buf[0] === 0xef)
    })
    it(`${name}: removing every genre leaves the rest intact`, () => {
      const d = parseNfo(buf)
      const out = withGenres(d, [], buf)
      expect(parseNfo(out).genres).toEqual([])
      expect(withoutGenres(out)).toBe(withoutGenres(buf))
    })
  }

  it('new genres go where the old ones were, with the file’s indentation', () => {
    const buf = Buffer.from(jellyfinNfo)
    const out = withGenres(parseNfo(buf), ['Thriller', 'Drama'], buf).toString()
    expect(out).toContain('  <runtime>148</runtime>\n  <genre>Thriller</genre>\n  <genre>Drama</genre>\n  <studio>')
  })
  it('a file with no genre gets them before </movie>, tab-indented with CRLF like the file', () => {
    const buf = Buffer.from(noGenreNfo)
    const out = withGenres(parseNfo(buf), ['Animation', 'Fantasy'], buf).toString()
    expect(out).toBe(noGenreNfo.replace('</movie>', '\t<genre>Animation</genre>\r\n\t<genre>Fantasy</genre>\r\n</movie>'))
  })
  it('a single-byte file gets characters it cannot hold as references', () => {
    const out = withGenres(parseNfo(latin1Nfo), ['Comédie', 'Ⅻ'], latin1Nfo)
    expect(out.toString('latin1')).toContain('<genre>Com&#233;die</genre>')
    expect(parseNfo(out).genres).toEqual(['Comédie', 'Ⅻ'])
  })
  it('genres with XML specials are escaped', () => {
    const buf = Buffer.from(lockedNfo)
    const out = withGenres(parseNfo(buf), ['Rock & <Roll>'], buf).toString()
    expect(out).toContain('<genre>Rock &amp; &lt;Roll&gt;</genre>')
  })
  it('only top-level genres are touched, not one inside <set>', () => {
    const src = '<movie>\n  <set><genre>keep</genre></set>\n  <genre>A</genre>\n</movie>\n'
    const buf = Buffer.from(src)
    const d = parseNfo(buf)
    expect(d.genres).toEqual(['A'])
    expect(withGenres(d, ['B'], buf).toString()).toBe(src.replace('<genre>A</genre>', '<genre>B</genre>'))
  })
  it("reads and rewrites a Kodi combination NFO (XML, then a URL), keeping the URL", () => {
    const src = `${lockedNfo.replace('true', 'false')}https://www.themoviedb.org/movie/949-heat\n`
    const buf = Buffer.from(src)
    const d = parseNfo(buf)
    expect(d.genres).toEqual(['Crime'])
    expect(withGenres(d, ['Thriller'], buf).toString()).toBe(src.replace('<genre>Crime</genre>', '<genre>Thriller</genre>'))
  })
  it('a minimal NFO parses back to what it was made from', () => {
    const d = parseNfo(minimalNfo({ title: 'Heat & Dust', year: 1983, imdb: 'tt0085667', tmdb: '42', genres: ['Drama', 'Romance'] }))
    expect(d).toMatchObject({ title: 'Heat & Dust', year: 1983, imdb: 'tt0085667', tmdb: '42', genres: ['Drama', 'Romance'] })
  })
  it('lineDiff shows only the changed lines', () => {
    const buf = Buffer.from(kodiNfo)
    const out = withGenres(parseNfo(buf), ['Drama'], buf)
    expect(lineDiff(kodiNfo, out.toString())).toEqual(['-   <genre>Comedy</genre>', '-   <genre>Romance</genre>', '+   <genre>Drama</genre>'])
  })
})

describe('NFO safety', () => {
  const fails = (src: string | Buffer, reason: RegExp) => {
    let err: unknown
    try {
      parseNfo(typeof src === 'string' ? Buffer.from(src) : src)
    } catch (e) {
      err = e
    }
    expect(err).toBeInstanceOf(NfoError)
    expect((err as Error).message).toMatch(reason)
  }
  it('refuses an external entity (XXE)', () => {
    fails(`<?xml version="1.0"?><!DOCTYPE movie [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><movie><title>&xxe;</title></movie>`, /entity|DTD/i)
  })
  it('refuses an external DTD', () => {
    fails(`<?xml version="1.0"?><!DOCTYPE movie SYSTEM "http://127.0.0.1:9/evil.dtd"><movie><title>x</title></movie>`, /DTD/i)
  })
  it('refuses entity expansion (billion laughs)', () => {
    const lol = ['<!ENTITY lol "lol">', ...Array.from({ length: 9 }, (_, i) => `<!ENTITY lol${i + 1} "${`&lol${i || ''};`.repeat(10)}">`)].join('')
    fails(`<?xml version="1.0"?><!DOCTYPE movie [${lol}]><movie><title>&lol9;</title></movie>`, /entity/i)
  })
  it('refuses an undeclared entity without a DOCTYPE', () => {
    fails('<movie><title>&nbsp;</title></movie>', /undefined entity/)
  })
  it('reports broken XML with the parser’s reason', () => {
    fails('<movie><title>x</movie>', /unexpected close tag|mismatch/i)
    fails('<?xml version="1.0"?>\n<movie>\n<title>x</title>', /unclosed/i)
  })
  it('refuses other roots, broken UTF-16, bad UTF-8 and oversized files', () => {
    fails('<tvshow><title>x</title></tvshow>', /<tvshow>/)
    fails(Buffer.from([0xff, 0xfe, 0x3c, 0x00, 0x6d]), /UTF-16.*odd/)
    // A high surrogate with no low one after it.
    fails(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('<movie><title>', 'utf16le'), Buffer.from([0x3d, 0xd8]), Buffer.from('</title></movie>', 'utf16le')]), /UTF-16.*surrogate/)
    fails(Buffer.concat([Buffer.from('<movie><title>'), Buffer.from([0xc3, 0x28]), Buffer.from('</title></movie>')]), /UTF-8/)
    fails(Buffer.alloc(MAX_NFO_BYTES + 1, 0x20), /MiB/)
  })
})

describe('UTF-16 NFOs', () => {
  const body = '<?xml version="1.0" encoding="UTF-16"?>\r\n<movie>\r\n  <title>Le Fabuleux Destin d\u2019Am\u00e9lie \u{1F3A8}</title>\r\n  <genre>Comedy</genre>\r\n</movie>\r\n'
  const le = (s: string, bom: boolean) => Buffer.concat([Buffer.from(bom ? [0xff, 0xfe] : []), Buffer.from(s, 'utf16le')])
  const be = (s: string) => Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(s, 'utf16le').swap16()])
  for (const [name, bytes, encode] of [
    ['little-endian with a BOM', le(body, true), (s: string) => le(s, true)],
    ['little-endian without a BOM', le(body, false), (s: string) => le(s, false)],
    ['big-endian with a BOM', be(body), be],
  ] as const) {
    it(`reads ${name} and writes back the same encoding, byte order and BOM, only the genres changed`, () => {
      const doc = parseNfo(bytes)
      expect(doc).toMatchObject({ title: 'Le Fabuleux Destin d\u2019Amélie \u{1F3A8}', genres: ['Comedy'], eol: '\r\n' })
      expect(withGenres(doc, ['Comedy'], bytes).equals(bytes)).toBe(true)
      const out = withGenres(doc, ['Comedy', 'Romance \u00e9'], bytes)
      expect(out.equals(encode(body.replace('  <genre>Comedy</genre>\r\n', '  <genre>Comedy</genre>\r\n  <genre>Romance \u00e9</genre>\r\n')))).toBe(true)
      expect(parseNfo(out).genres).toEqual(['Comedy', 'Romance \u00e9'])
    })
  }
})

describe('single-byte NFOs', () => {
  it('reads a Windows-1252 title as the user wrote it (curly quotes, dashes), and writes the bytes back untouched', () => {
    const body = Buffer.concat([
      Buffer.from('<?xml version="1.0" encoding="windows-1252"?>\n<movie>\n  <title>', 'latin1'),
      Buffer.from([0x93, 0x51, 0x75, 0x6f, 0x74, 0x65, 0x64, 0x94, 0x20, 0x96, 0x20, 0x43, 0x61, 0x66, 0xe9]),
      Buffer.from('</title>\n</movie>\n', 'latin1'),
    ])
    const doc = parseNfo(body)
    expect(doc.title).toBe('\u201cQuoted\u201d \u2013 Café')
    const out = withGenres(doc, ['Drama'], body)
    expect(out.subarray(0, body.indexOf('</title>')).equals(body.subarray(0, body.indexOf('</title>')))).toBe(true)
  })
})
