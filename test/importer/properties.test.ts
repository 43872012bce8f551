// Property-based tests (fast-check) of the parsers that read what users hand us: the CSV
// reader (tables written by csv-stringify or by our own csvField read back equal, however the
// bytes are chunked, with the right line numbers), the label and metadata readers (any bytes
// give a result or one plain one-line refusal), the Genre-cell splitting, and the NFO
// reader/writer (any genre list round-trips; the bytes around the genres stay identical).
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { stringify } from 'csv-stringify/sync'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ApiError, type LabelSource } from '../../src/shared/api'
import { csvField, csvRows, parseCsv } from '../../src/main/importer/csv'
import { readTables } from '../../src/main/importer/tables'
import { parseSources, splitGenres } from '../../src/main/importer/labels'
import { parseNfo, withGenres } from '../../src/main/formats/nfo'
import { tempDir } from '../library/helpers'

const RUNS = 150

/** Unicode text without a leading BOM (csv-parse drops one at the start of the file, as it should). */
const text = (o: { minLength?: number; maxLength?: number } = {}) => fc.string({ unit: 'grapheme', maxLength: o.maxLength ?? 12, minLength: o.minLength ?? 0 })
const field = fc.oneof(text(), fc.constantFrom('', ',', '"', '""', '\n', '\r\n', '\r', ' x ', 'a,"b"\nc'))
/** Tables whose rows are not one empty field (a blank line, which the reader drops by design). */
const table = fc
  .integer({ min: 1, max: 5 })
  .chain((width) => fc.array(fc.array(field, { minLength: width, maxLength: width }), { minLength: 1, maxLength: 12 }))
  .filter((rows) => rows.every((r) => r.length > 1 || r[0] !== '') && !rows[0][0].startsWith('\uFEFF'))

/** Splits bytes at arbitrary places, multi-byte characters included. */
const chunked = (buf: Buffer, cuts: number[]): Buffer[] => {
  const at = [...new Set(cuts.map((c) => c % (buf.length + 1)))].sort((a, b) => a - b)
  const out: Buffer[] = []
  let from = 0
  for (const c of at) {
    out.push(buf.subarray(from, c))
    from = c
  }
  out.push(buf.subarray(from))
  return out.filter((b) => b.length > 0)
}

const rowsOf = async (chunks: Buffer[]) => {
  const rows: string[][] = []
  const lines: number[] = []
  for await (const r of csvRows(Readable.from(chunks))) {
    rows.push(r.fields)
    lines.push(r.line)
  }
  return { rows, lines }
}

describe('the CSV reader', () => {
  it('reads back what csv-stringify wrote, with any line ends, BOM or not, however the bytes arrive', async () => {
    await fc.assert(
      fc.asyncProperty(table, fc.constantFrom('\n', '\r\n'), fc.boolean(), fc.array(fc.nat(), { maxLength: 6 }), async (rows, eol, bom, cuts) => {
        // quoted_match: csv-stringify leaves a lone CR (or LF) unquoted when the line end is the other kind.
        const csv = (bom ? '\uFEFF' : '') + stringify(rows, { record_delimiter: eol === '\n' ? 'unix' : 'windows', quoted_match: /[\r\n]/ })
        const got = await rowsOf(chunked(Buffer.from(csv), cuts))
        expect(got.rows).toEqual(rows)
      }),
      { numRuns: RUNS },
    )
  })

  it('reads back rows written with csvField, each starting on the line counted from the text', async () => {
    await fc.assert(
      fc.asyncProperty(table, fc.array(fc.constantFrom('\n', '\r\n', '\r'), { minLength: 12, maxLength: 12 }), fc.array(fc.nat(), { maxLength: 6 }), async (rows, eols, cuts) => {
        let csv = ''
        const starts: number[] = []
        // Lines as a person counts them: CRLF, LF and a lone CR each end one.
        const linesIn = (s: string) => (s.match(/\r\n|\n|\r/g) ?? []).length
        rows.forEach((r, i) => {
          starts.push(1 + linesIn(csv))
          csv += r.map(csvField).join(',') + eols[i]
        })
        const got = await rowsOf(chunked(Buffer.from(csv), cuts))
        expect(got.rows).toEqual(rows)
        expect(got.lines).toEqual(starts)
      }),
      { numRuns: RUNS },
    )
  })

  it('fails on malformed quoting with a line number and never quotes the text', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.constantFrom('a', ',', '"', '\n', 'SECRET'), { minLength: 1, maxLength: 30 }), async (parts) => {
        const csv = parts.join('')
        try {
          await parseCsv(csv)
        } catch (err) {
          expect((err as Error).message).toMatch(/^line \d+: [^\n]*$/)
          expect((err as Error).message).not.toContain('SECRET')
        }
      }),
      { numRuns: RUNS },
    )
  })
})

describe('label and metadata files', () => {
  let t: ReturnType<typeof tempDir>
  beforeAll(() => (t = tempDir()))
  afterAll(() => t.cleanup())
  let n = 0

  it('give a result or one plain refusal for any bytes, never a crash or a multi-line message', async () => {
    const bytes = fc.oneof(
      fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a)),
      fc.array(fc.oneof(text(), fc.constantFrom('Id', 'Genre', 'Title', 'Year', ',', '"', '\n', '\r\n', '1', '0', 'tt0000001', '[', '{', '|')), { maxLength: 40 }).map((p) => Buffer.from(p.join(''))),
    )
    await fc.assert(
      fc.asyncProperty(bytes, fc.boolean(), async (buf, asLabels) => {
        const p = join(t.dir, `f${n++}.csv`)
        writeFileSync(p, buf)
        try {
          const tb = asLabels ? await readTables(p) : await readTables(undefined, p)
          for (const w of tb.warnings) expect(w).not.toMatch(/[\u0000-\u001f]/)
          for (const row of tb.labels.values()) for (const g of row.genres) expect(g.trim()).toBe(g)
        } catch (err) {
          expect(err).toBeInstanceOf(ApiError)
          expect((err as ApiError).code).toBe('invalid-args')
          expect((err as Error).message).not.toMatch(/[\u0000-\u001f]/)
        }
      }),
      { numRuns: RUNS },
    )
  })

  it('read a labels table back as written: ids, genre lists and sources', async () => {
    const genre = fc.stringMatching(/^[A-Za-z][A-Za-z0-9 &'-]{0,14}[A-Za-z0-9]$/).filter((g) => g.toUpperCase() !== 'N/A')
    const source = fc.constantFrom<LabelSource>('imported', 'user', 'prediction', 'nfo')
    const row = fc.record({ genres: fc.uniqueArray(genre, { maxLength: 4, selector: (g) => g.toLowerCase() }), sources: fc.array(source, { minLength: 4, maxLength: 4 }) })
    await fc.assert(
      fc.asyncProperty(fc.array(row, { minLength: 1, maxLength: 20 }), fc.constantFrom('\n', '\r\n'), async (rows, eol) => {
        const csv = [['Id', 'Genre', 'Sources'], ...rows.map((r, i) => [`tt${String(i + 1).padStart(7, '0')}`, r.genres.join('|'), r.genres.map((g, k) => `${g}:${r.sources[k]}`).join('|')])]
        const p = join(t.dir, `l${n++}.csv`)
        writeFileSync(p, stringify(csv, { record_delimiter: eol === '\n' ? 'unix' : 'windows' }))
        const tb = await readTables(p)
        rows.forEach((r, i) => {
          const got = tb.labels.get(`tt${String(i + 1).padStart(7, '0')}`)
          if (r.genres.length === 0) return expect(got).toBeUndefined() // an empty Genre cell: no label information
          expect(got?.genres).toEqual(r.genres)
          expect(got?.sources).toEqual(Object.fromEntries(r.genres.map((g, k) => [g.toLowerCase(), r.sources[k]])))
        })
      }),
      { numRuns: RUNS },
    )
  })
})

describe('Genre cells', () => {
  // Names as files spell them: no separators, quotes or brackets at their ends, not N/A.
  const name = fc
    .string({ unit: 'grapheme', minLength: 1, maxLength: 20 })
    .map((s) => s.replace(/[|,[\]'"]/g, '').trim())
    .filter((s) => s.length > 0 && s.length <= 40 && s.toUpperCase() !== 'N/A' && !/^\s|\s$/.test(s))

  it('splits "A|B", "A, B" and "[\'A\', \'B\']" into the same list, each name once', () => {
    fc.assert(
      fc.property(fc.array(name, { minLength: 1, maxLength: 6 }), (names) => {
        const once = [...new Set(names)]
        expect(splitGenres(names.join('|'))).toEqual(once)
        expect(splitGenres(names.join(', '))).toEqual(once)
        expect(splitGenres(`[${names.map((g) => `'${g}'`).join(', ')}]`)).toEqual(once)
        expect(splitGenres([...names, 'N/A'].join('|'))).toEqual(once)
      }),
      { numRuns: RUNS },
    )
  })

  it('never gives an empty, padded or N/A name, and splitting its own output changes nothing', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 60 }), (cell) => {
        const got = splitGenres(cell)
        for (const g of got) {
          expect(g).toBe(g.trim())
          expect(g.length).toBeGreaterThan(0)
          expect(g.length).toBeLessThanOrEqual(40)
          expect(g.toUpperCase()).not.toBe('N/A')
        }
        if (got.every((g) => !/[|,'"[\]]/.test(g))) expect(splitGenres(got.join('|'))).toEqual(got)
      }),
      { numRuns: RUNS },
    )
  })

  it('reads a Sources cell back as written', () => {
    const genre = fc.stringMatching(/^[A-Za-z][A-Za-z0-9 -]{0,10}$/)
    const source = fc.constantFrom<LabelSource>('imported', 'user', 'prediction', 'nfo')
    fc.assert(
      fc.property(fc.uniqueArray(fc.tuple(genre, source), { maxLength: 5, selector: ([g]) => g.trim().toLowerCase() }), (pairs) => {
        const cell = pairs.map(([g, s]) => `${g}:${s}`).join('|')
        expect(parseSources(cell)).toEqual(Object.fromEntries(pairs.map(([g, s]) => [g.trim().toLowerCase(), s])))
      }),
      { numRuns: RUNS },
    )
  })
})

describe('NFO reader and writer', () => {
  const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
  // XML text: no control characters (XML 1.0 forbids most), no padding (values are trimmed).
  const value = fc
    .string({ unit: 'grapheme', minLength: 1, maxLength: 16 })
    .map((s) => s.replace(/[\u0000-\u001f\u007f-\u009f\ufffe\uffff]/g, '').trim())
    .filter((s) => s.length > 0)
  const comment = fc.string({ unit: 'grapheme', maxLength: 20 }).map((s) => s.replace(/-/g, '').replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, ''))

  it('writes any genre list that reads back the same, leaving every byte before and after the genres as it was', () => {
    fc.assert(
      fc.property(
        fc.array(value, { maxLength: 4 }),
        fc.array(value, { maxLength: 5 }),
        value,
        comment,
        fc.constantFrom('\n', '\r\n'),
        fc.constantFrom('  ', '\t', '    '),
        fc.boolean(),
        (before, after, title, note, eol, indent, bom) => {
          const head = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>${eol}<movie>${eol}${indent}<title>${esc(title)}</title>${eol}${indent}<!--${note}-->${eol}`
          const genres = before.map((g) => `${indent}<genre>${esc(g)}</genre>${eol}`).join('')
          const tail = `${indent}<plot><![CDATA[${note.replace(/]]>/g, '')}]]></plot>${eol}${indent}<uniqueid type="imdb">tt0111161</uniqueid>${eol}</movie>${eol}`
          const original = Buffer.concat([bom ? Buffer.from([0xef, 0xbb, 0xbf]) : Buffer.alloc(0), Buffer.from(head + genres + tail)])
          const doc = parseNfo(original)
          expect(doc.genres).toEqual(before)
          const written = withGenres(doc, after, original)
          const again = parseNfo(written)
          expect(again.genres).toEqual(after)
          expect(again).toMatchObject({ title, imdb: 'tt0111161', bom, eol: doc.eol })
          // Unrelated bytes: the same up to the genres' line, and the same from the line after them
          // (with no genres before, new ones go on lines of their own before </movie>).
          const out = written.toString('utf8')
          const all = (bom ? '\uFEFF' : '') + head + genres + tail
          const [lead, rest] = before.length > 0 ? [(bom ? '\uFEFF' : '') + head.slice(0, -eol.length), tail] : [all.slice(0, all.lastIndexOf('</movie>')), all.slice(all.lastIndexOf('</movie>'))]
          expect(out.startsWith(lead), JSON.stringify(out)).toBe(true)
          expect(out.endsWith(rest), JSON.stringify(out)).toBe(true)
          // And the same genres again give the very same bytes.
          expect(withGenres(again, after, written).equals(written)).toBe(true)
        },
      ),
      { numRuns: RUNS },
    )
  })

  it('keeps a Latin-1 NFO Latin-1: any genre goes in as characters or references and reads back', () => {
    fc.assert(
      fc.property(fc.array(value, { minLength: 1, maxLength: 4 }), fc.constantFrom('Amélie', 'Café', 'Señor'), (genres, title) => {
        const original = Buffer.from(`<?xml version="1.0" encoding="ISO-8859-1"?>\n<movie>\n  <title>${title}</title>\n  <genre>Drame</genre>\n</movie>\n`, 'latin1')
        const doc = parseNfo(original)
        const written = withGenres(doc, genres, original)
        const again = parseNfo(written)
        expect(again.encoding).toBe('latin1')
        expect(again.genres).toEqual(genres)
        expect(again.title).toBe(title)
        expect(written.subarray(0, original.indexOf('  <genre>')).equals(original.subarray(0, original.indexOf('  <genre>')))).toBe(true)
      }),
      { numRuns: RUNS },
    )
  })
})
