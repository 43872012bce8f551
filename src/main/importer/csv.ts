// CSV through csv-parse (RFC 4180: quoted fields with commas, doubled quotes and line breaks,
// CRLF, LF or CR line ends, a leading BOM), read as a stream: a row at a time, so a file costs
// what the caller keeps of it, not its whole text. Malformed input fails with the line it
// happened on and never quotes the file's contents.
import { Readable, Transform, pipeline, type TransformCallback } from 'node:stream'
import { parse, CsvError as ParseError, type Info, type Options } from 'csv-parse'
import { TextDecoder } from 'node:util'
import { decodeWindows1252 } from '../formats/windows-1252'

export class CsvError extends Error {}
/** The bytes are not UTF-8 (the caller may read them again as Windows-1252). */
export class NotUtf8 extends Error {}

export interface CsvRow {
  fields: string[]
  /** 1-based line on which the row starts. */
  line: number
}

/**
 * How a file's bytes are text: UTF-8 (checked: invalid bytes throw NotUtf8), Windows-1252 (what
 * Excel and Notepad save as "ANSI" in the West; Latin-1 with letters where Latin-1 has control
 * characters) or UTF-16 (Excel's "Unicode Text", with a byte order mark).
 */
export type TextEncoding = 'utf8' | 'windows-1252' | 'utf-16le' | 'utf-16be'

export interface CsvOptions {
  encoding?: TextEncoding
  /** A longer row fails (it is not a CSV, or a quote is never closed in a huge file). */
  maxRowBytes?: number
  /** The field separator (headerDelimiter tells it from the header line); default ','. */
  delimiter?: Delimiter
}

export type Delimiter = ',' | ';' | '\t'

/**
 * The separator of a CSV whose text starts so: the most frequent of comma, semicolon and tab
 * outside quotes on its first line (a comma on a tie). Excel writes semicolons where the comma
 * is the decimal mark. (csv-parse's delimiter_auto is not used: it scores every character,
 * letters too, over the first 2 KB, quoted fields included.)
 */
export function headerDelimiter(text: string): Delimiter {
  const counts: Record<Delimiter, number> = { ',': 0, ';': 0, '\t': 0 }
  let quoted = false
  for (const ch of text.replace(/^\uFEFF/, '')) {
    if (ch === '"') quoted = !quoted // a doubled quote toggles twice
    else if (quoted) continue
    else if (ch === '\n' || ch === '\r') break
    else if (ch === ',' || ch === ';' || ch === '\t') counts[ch]++
  }
  let best: Delimiter = ','
  for (const d of [';', '\t'] as const) if (counts[d] > counts[best]) best = d
  return best
}

/** Passes the bytes through, throwing NotUtf8 at the first invalid sequence. */
class Utf8Check extends Transform {
  private decoder = new TextDecoder('utf-8', { fatal: true })
  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    try {
      this.decoder.decode(chunk, { stream: true })
    } catch {
      return done(new NotUtf8('not valid UTF-8'))
    }
    done(null, chunk)
  }
  override _flush(done: TransformCallback): void {
    try {
      this.decoder.decode()
    } catch {
      return done(new NotUtf8('not valid UTF-8'))
    }
    done()
  }
}

/** Text of the given encoding in, UTF-8 out (a UTF-16 byte order mark is dropped). */
class ToUtf8 extends Transform {
  private decoder: TextDecoder | null
  constructor(encoding: 'windows-1252' | 'utf-16le' | 'utf-16be') {
    super()
    this.decoder = encoding === 'windows-1252' ? null : new TextDecoder(encoding)
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    const text = this.decoder ? this.decoder.decode(chunk, { stream: true }) : decodeWindows1252(chunk)
    done(null, Buffer.from(text, 'utf8'))
  }
  override _flush(done: TransformCallback): void {
    const rest = this.decoder?.decode() ?? ''
    done(null, rest ? Buffer.from(rest, 'utf8') : undefined)
  }
}

function message(err: ParseError, start: number, maxRowBytes: number): string {
  const line = (err as unknown as Info).lines
  switch (err.code) {
    case 'CSV_QUOTE_NOT_CLOSED':
      return `line ${start}: a quoted field is never closed`
    case 'INVALID_OPENING_QUOTE':
      return `line ${line}: a quote inside an unquoted field (quote the whole field and double inner quotes)`
    case 'CSV_INVALID_CLOSING_QUOTE':
      return `line ${line}: text after a closing quote`
    case 'CSV_MAX_RECORD_SIZE':
      return `line ${start}: a row longer than ${maxRowBytes / 2 ** 20} MB (not a CSV, or a quote never closed)`
    default:
      // csv-parse's own messages may quote a field: only the code and the line are shown.
      return `line ${line}: unreadable CSV (${err.code})`
  }
}

/**
 * The rows of a CSV byte stream (blank lines dropped). `source` is consumed and closed, also
 * when the caller stops early.
 */
export async function* csvRows(source: Readable, options: CsvOptions = {}): AsyncGenerator<CsvRow> {
  const maxRowBytes = options.maxRowBytes ?? 4 * 2 ** 20
  // Line numbers are counted as csv-parse emits each row (on_record runs inside the parser),
  // so an error also knows where the row it stopped in began. csv-parse counts a quoted CRLF
  // as two lines; `extra` takes the second back.
  let extra = 0
  let lastEnd = 0
  let lastEmpty = 0
  const startOf = (info: Info) => lastEnd + 1 + (info.empty_lines - lastEmpty)
  const settings: Options<CsvRow, string[]> = {
    bom: true,
    relax_column_count: true, // the caller reports rows whose length differs from the header
    skip_empty_lines: true,
    delimiter: options.delimiter ?? ',',
    record_delimiter: ['\r\n', '\n', '\r'],
    max_record_size: maxRowBytes,
    encoding: 'utf8', // other encodings are made UTF-8 before the parser
    on_record: (record, info): CsvRow => {
      const line = startOf(info)
      for (const f of record) if (f.includes('\r\n')) extra += f.split('\r\n').length - 1
      lastEnd = info.lines - extra
      lastEmpty = info.empty_lines
      return { fields: record, line }
    },
  }
  const parser = parse(settings as unknown as Options) // (its typed overloads want `columns`; rows here are arrays)
  const encoding = options.encoding ?? 'utf8'
  const stages: (Readable | Transform)[] = [source, encoding === 'utf8' ? new Utf8Check() : new ToUtf8(encoding)]
  const rows = pipeline([...stages, parser], () => {}) as unknown as AsyncIterable<CsvRow>
  try {
    yield* rows
  } catch (err) {
    if (err instanceof ParseError) throw new CsvError(message(err, startOf(err as unknown as Info), maxRowBytes))
    throw err
  } finally {
    parser.destroy()
    source.destroy()
  }
}

/** Rows of a whole CSV text, with the line each starts on. */
export async function parseCsv(text: string | Buffer, options: CsvOptions = {}): Promise<{ rows: string[][]; lines: number[] }> {
  const rows: string[][] = []
  const lines: number[] = []
  for await (const r of csvRows(Readable.from([Buffer.from(text)]), options)) {
    rows.push(r.fields)
    lines.push(r.line)
  }
  return { rows, lines }
}

// The writer is in formats/ (the exports use it); the reader and the writer test each other.
export { csvField } from '../formats/csv-field'
