// Opening, streaming and checking a label or metadata file (labels.ts, metadata.ts): the
// regular-file and size checks, UTF-16 by its BOM, else UTF-8, else Windows-1252, the header and its id column, rows by id
// with duplicate and bad-id warnings. Duplicate ids: the LAST row wins (a later correction
// overrides). Messages never quote a file's contents beyond a header that looks like one.
import { constants } from 'node:fs'
import { open, stat, type FileHandle } from 'node:fs/promises'
import { basename } from 'node:path'
import { printable } from '../../shared/printable'
import { ApiError, PosterId } from '../../shared/api'
import { CsvError, NotUtf8, csvRows, headerDelimiter, type CsvRow, type TextEncoding } from './csv'
import { utf16Bom } from '../formats/utf16'
import { decodeWindows1252 } from '../formats/windows-1252'
import { errnoWords } from '../errno'

const ID_COLUMNS = /^(id|imdb_?id|imdb|tconst|movie_?id)$/i
const MAX_LISTED = 8
/** What a PosterId may hold (the schema checks the rest). */
const ID_CHARS = /^[A-Za-z0-9._:-]+$/

/** A label or metadata file larger than this is refused before it is read (a CSV costs a few times its size). */
export const MAX_TABLE_BYTES = 256 * 2 ** 20

/** First bytes read to tell a CSV from a binary file or JSON before streaming it. */
const HEAD_BYTES = 8192

const cannot = (what: string, path: string, why: string) => new ApiError('invalid-args', `cannot read ${what} file ${printable(path)}: ${why}`)

/**
 * Opens a label or metadata file after checking it is a regular file of bounded size (a FIFO
 * would block the import for ever, /dev/zero would never end), and reads its first bytes.
 */
export async function openTable(path: string, what: string): Promise<{ fh: FileHandle; head: Buffer }> {
  const shown = printable(path)
  let fh: FileHandle | undefined
  try {
    const st = await stat(path)
    if (st.isDirectory()) throw cannot(what, path, 'it is a folder')
    if (!st.isFile()) throw cannot(what, path, 'not a regular file (a pipe, socket or device)')
    if (st.size > MAX_TABLE_BYTES) {
      throw new ApiError('invalid-args', `${what} file ${shown} is ${(st.size / 2 ** 20).toFixed(0)} MB; the limit is ${MAX_TABLE_BYTES / 2 ** 20} MB`)
    }
    // Non-blocking: should the file be swapped for a FIFO after the check, open() still returns.
    fh = await open(path, constants.O_RDONLY | constants.O_NONBLOCK)
    if (!(await fh.stat()).isFile()) throw cannot(what, path, 'not a regular file (a pipe, socket or device)')
    const head = Buffer.alloc(HEAD_BYTES)
    const { bytesRead } = await fh.read(head, 0, HEAD_BYTES, 0)
    // A CSV is text: NUL bytes mean an image, an archive or a database was given by mistake
    // (UTF-16, Excel's "Unicode Text", has them in every ASCII character: read after its BOM).
    const utf16 = utf16Bom(head.subarray(0, bytesRead))
    const nul = utf16 ? headText(head.subarray(0, bytesRead)).includes('\0') : head.subarray(0, bytesRead).includes(0)
    if (nul) {
      throw new ApiError('invalid-args', `${what} file ${shown} is ${looksUtf16(head.subarray(0, bytesRead)) ? 'UTF-16 without a byte order mark: save it as UTF-8, or as UTF-16 with one' : 'binary, not a CSV'}`)
    }
    return { fh, head: head.subarray(0, bytesRead) }
  } catch (err) {
    await fh?.close()
    if (err instanceof ApiError) throw err
    throw cannot(what, path, errnoWords(err, 'no such file', (code) => code ?? 'read error'))
  }
}

/** Text in UTF-16 without a BOM: a NUL in every other byte of its first characters, as ASCII in UTF-16 has. */
function looksUtf16(head: Buffer): boolean {
  const n = Math.min(head.length, 64) & ~1
  if (n < 4) return false
  const zeros = (odd: number) => {
    let k = 0
    for (let i = odd; i < n; i += 2) if (head[i] === 0 && head[i ^ 1] !== 0) k++
    return k
  }
  return Math.max(zeros(0), zeros(1)) >= (n / 2) * 0.9
}

/** Said once when a file is not UTF-8 and was read again. */
const notUtf8 = (path: string) => `${basename(path)}: not valid UTF-8; read as Windows-1252 (Latin-1)`

/**
 * The whole file as text: UTF-16 by its BOM, else UTF-8, else Windows-1252 (MovieGenre.csv
 * circulates in Latin-1, Excel saves "ANSI" as Windows-1252) with a warning.
 */
export async function readWhole(fh: FileHandle, path: string, warnings: string[]): Promise<string> {
  const buf = await fh.readFile()
  const utf16 = utf16Bom(buf)
  if (utf16) return new TextDecoder(utf16).decode(buf)
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(buf)
  } catch {
    warnings.push(notUtf8(path))
    return decodeWindows1252(buf)
  }
}

/**
 * The first bytes as text for sniffing, without a BOM (Notepad writes one; as Latin-1 it is
 * "ï»¿", not U+FEFF); UTF-16 decoded.
 */
export function headText(head: Buffer): string {
  const utf16 = utf16Bom(head)
  if (utf16) return new TextDecoder(utf16).decode(head.subarray(0, head.length - (head.length % 2)))
  const bom = head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf
  return head.subarray(bom ? 3 : 0).toString('latin1')
}

/** Text that starts like a JSON object or array (not a CSV whose first field is bracketed). */
const looksLikeJson = (text: string) => /^(\{\s*("|\})|\[\s*[{["\d\]])/.test(text.slice(0, 64).trimStart())

/**
 * Streams a CSV's rows into `read` (header first): as UTF-16 when it starts with a UTF-16 BOM,
 * else as UTF-8, and again from the start as Windows-1252 when the bytes are not UTF-8 (with a
 * warning). `read` starts afresh each time; the
 * warnings of an abandoned pass are dropped.
 */
type ReadRows<T> = (rows: AsyncGenerator<CsvRow>, warnings: string[], again: () => AsyncGenerator<CsvRow>) => Promise<T>

export async function streamTable<T>(path: string, what: string, warnings: string[], read: ReadRows<T>): Promise<T> {
  for (const pass of [0, 1]) {
    const { fh, head } = await openTable(path, what)
    // UTF-16 by its BOM (one pass), else UTF-8, and Windows-1252 on the second pass.
    const encoding: TextEncoding = pass === 0 ? (utf16Bom(head) ?? 'utf8') : 'windows-1252'
    const own: string[] = []
    try {
      // JSON would parse as one odd column: say what it is instead. (Labels in JSON never get
      // here: readLabels reads them by their content.)
      if (looksLikeJson(headText(head))) {
        throw new ApiError('invalid-args', `${what} file ${printable(path)} holds JSON, not CSV: ${what} files are CSV (a header line, then a row per poster)`)
      }
      const delimiter = headerDelimiter(headText(head))
      const again = async function* () {
        const second = await openTable(path, what)
        try {
          yield* csvRows(second.fh.createReadStream({ start: 0, autoClose: false }), { encoding, delimiter })
        } finally {
          await second.fh.close()
        }
      }
      const result = await read(csvRows(fh.createReadStream({ start: 0, autoClose: false }), { encoding, delimiter }), own, again)
      if (encoding === 'windows-1252') warnings.push(notUtf8(path))
      warnings.push(...own)
      return result
    } catch (err) {
      if (err instanceof NotUtf8 && encoding === 'utf8') continue
      if (err instanceof CsvError) throw new ApiError('invalid-args', `${what} file ${printable(path)} is not valid CSV: ${err.message}`)
      throw err
    } finally {
      await fh.close()
    }
  }
  throw new Error('unreachable: Windows-1252 decodes any bytes')
}

/** The header row (names trimmed), or an error when the file has no rows at all. */
export async function headerOf(rows: AsyncGenerator<CsvRow>, path: string, what: string): Promise<string[]> {
  const first = await rows.next()
  if (first.done) throw new ApiError('invalid-args', `${what} file ${printable(path)} is empty`)
  return first.value.fields.map((h) => h.trim())
}

/**
 * The header's names for a message, unless the first line does not look like a CSV header:
 * a key or a password file given by mistake must not have its first line echoed.
 */
export function found(header: string[], quote = false): string {
  const plain = header.length >= 2 && header.every((h) => h.length <= 40 && /^[\p{L}\p{N} _.()#'?-]*$/u.test(h))
  if (!plain) return `found ${header.length} column(s), names not shown: the first line does not look like a CSV header`
  return `found: ${header.map((h) => (quote ? JSON.stringify(h) : h)).join(', ')}`
}

/** The id column, or an error naming the file and the columns it has. */
export function idColumn(path: string, what: string, header: string[]): number {
  const i = header.findIndex((h) => ID_COLUMNS.test(h))
  if (i < 0) throw new ApiError('invalid-args', `${what} file ${printable(path)} has no Id column (expected Id or imdbId; ${found(header, true)})`)
  return i
}

/** A poster file's name without extension, as a labels row may give it instead of an id. */
const FILE_STEM = /^[^\x00-\x1f\x7f/\\]{1,255}$/

/**
 * MovieGenre.csv has bare numbers (114709): posters are named tt0114709. An IMDb id typed or
 * upper-cased by a spreadsheet (TT0114709) is the same film: IMDb ids are lower-case.
 */
export function normalizeId(raw: string): string {
  const s = raw.trim()
  if (/^\d+$/.test(s)) return `tt${s.padStart(7, '0')}`
  return /^tt\d+$/i.test(s) ? s.toLowerCase() : s
}

/**
 * The poster a labels row names: an id (a bare number read as MovieGenre.csv's, tt-padded), or
 * the name of a poster file without its extension; null when neither.
 */
export function usableId(raw: string): string | null {
  const id = normalizeId(raw)
  // The regex first: a failed schema check builds an error, which a million bad rows feel.
  if (ID_CHARS.test(id) && PosterId.safeParse(id).success) return id
  // A file's name without its extension ("Blade Runner 2049 (2017)") names the poster that file makes.
  return FILE_STEM.test(id) ? id : null
}

/** A warning list kept to its first few entries, counting the rest (a million bad rows cost nothing). */
export class Listed {
  private items: string[] = []
  private count = 0
  add(s: string): void {
    if (this.items.length < MAX_LISTED) this.items.push(s)
    this.count++
  }
  warn(head: string, warnings: string[]): void {
    if (this.count === 0) return
    const more = this.count > MAX_LISTED ? ` (and ${this.count - MAX_LISTED} more)` : ''
    warnings.push(`${head}: ${this.items.join('; ')}${more}`)
  }
}

/** A cell quoted in a warning: escaped, and cut short. */
export const cell = (s: string) => `"${printable(s.length > 40 ? `${s.slice(0, 40)}…` : s)}"`

/** Where ById keeps the rows: a Map, or a compact table (meta-table.ts). */
interface RowStore<T> {
  has(id: string): boolean
  set(id: string, v: T): unknown
}

/** Rows by id, one at a time, with duplicate and bad-id warnings. */
export class ById<T, S extends RowStore<T> = Map<string, T>> {
  /** The first few repeated ids and the line that repeats each (their first line is looked up at the end). */
  private dups: { id: string; line: number }[] = []
  private dupCount = 0
  private bad = new Listed()
  constructor(
    private file: string,
    private width: number,
    private idCol: number,
    readonly out: S = new Map<string, T>() as unknown as S,
  ) {}
  /** The row's id, or null (with a warning) when it has none usable. */
  id(row: CsvRow): string | null {
    if (row.fields.length !== this.width) this.bad.add(`line ${row.line} has ${row.fields.length} fields, the header ${this.width}`)
    const usable = usableId(row.fields[this.idCol] ?? '')
    if (usable !== null) return usable
    const id = normalizeId(row.fields[this.idCol] ?? '')
    this.bad.add(`line ${row.line}: ${id ? `${cell(id)} is not a usable id` : 'empty id'}`)
    return null
  }
  set(id: string, line: number, v: T): void {
    if (this.out.has(id) && this.dupCount++ < MAX_LISTED) this.dups.push({ id, line })
    this.out.set(id, v)
  }
  /**
   * Pushes the warnings. The first line of each repeated id shown comes from a second pass
   * over the file (`again`), so no line number is kept per row for the rare duplicate.
   */
  async warn(warnings: string[], again: () => AsyncGenerator<CsvRow>): Promise<void> {
    this.bad.warn(`${this.file}: rows skipped or suspicious`, warnings)
    if (this.dupCount === 0) return
    const first = new Map(this.dups.map((d) => [d.id, 0]))
    let left = first.size
    let header = true
    for await (const row of again()) {
      if (header) {
        header = false
        continue
      }
      const id = normalizeId(row.fields[this.idCol] ?? '')
      if (first.get(id) === 0) {
        first.set(id, row.line)
        if (--left === 0) break
      }
    }
    const more = this.dupCount > MAX_LISTED ? ` (and ${this.dupCount - MAX_LISTED} more)` : ''
    const list = this.dups.map((d) => `${d.id} (lines ${first.get(d.id)} and ${d.line})`)
    warnings.push(`${this.file}: duplicate ids, the last row wins: ${list.join('; ')}${more}`)
  }
}

export const headerOnly = (file: string) => `${file}: a header and no rows; nothing read from it`
