// Label and metadata files. Labels: the Kaggle layout (Id, Genre, one 0/1 column per genre)
// or MovieGenre.csv (imdbId, Title, Genre as "A|B"); metadata: Id, Title, Year.
// Unusable files throw an ApiError naming the file; problems that do not stop the import
// become warnings. Duplicate ids: the LAST row wins (a later correction overrides).
// CSV files are streamed a row at a time (csv-parse): what they cost is the rows kept, not
// their text. Messages never quote a file's contents beyond a header that looks like one.
import { constants } from 'node:fs'
import { open, stat, type FileHandle } from 'node:fs/promises'
import { basename } from 'node:path'
import { printable } from '../../shared/printable'
import { ApiError, LABEL_FILE_COLUMNS, LabelSource, PosterId } from '../../shared/api'
import { CsvError, NotUtf8, csvRows, type CsvRow } from './csv'
import { errnoWords } from '../errno'
import { MetaTable } from './meta-table'

export interface LabelRow {
  /** Genre names; empty = labelled with no genre. (A row saying N/A, "genre unknown", is no row.) */
  genres: string[]
  /** Each genre's source by lower-case name, when the file says (our exports do); else 'imported'. */
  sources?: Record<string, LabelSource>
}
export interface MetaRow {
  title: string | null
  year: number | null
}
/** Titles and years by id: a Map, or the compact MetaTable a metadata file is read into. */
export interface MetaLookup {
  get(id: string): MetaRow | undefined
  readonly size: number
}
export interface Tables {
  labels: Map<string, LabelRow>
  /** Ids whose row says N/A (genre unknown): left unlabelled, and a poster an older import marked "no genre" goes back to unlabelled. */
  unknown: Set<string>
  /** Genres in the order the labels file lists them (they join the vocabulary in this order). */
  genreOrder: string[]
  meta: MetaLookup
  warnings: string[]
}

const ID_COLUMNS = /^(id|imdb_?id|imdb|tconst|movie_?id)$/i
/** Columns of MovieGenre.csv and friends that are not genres. */
const NOT_GENRES = LABEL_FILE_COLUMNS
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
async function openTable(path: string, what: string): Promise<{ fh: FileHandle; head: Buffer }> {
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
    // A CSV is text: NUL bytes mean an image, an archive or a database was given by mistake.
    if (head.subarray(0, bytesRead).includes(0)) throw new ApiError('invalid-args', `${what} file ${shown} is binary, not a CSV`)
    return { fh, head: head.subarray(0, bytesRead) }
  } catch (err) {
    await fh?.close()
    if (err instanceof ApiError) throw err
    throw cannot(what, path, errnoWords(err, 'no such file', (code) => code ?? 'read error'))
  }
}

/** The whole file as text: UTF-8, else Latin-1 (MovieGenre.csv circulates in Latin-1) with a warning. */
async function readWhole(fh: FileHandle, path: string, warnings: string[]): Promise<string> {
  const buf = await fh.readFile()
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(buf)
  } catch {
    warnings.push(`${basename(path)}: not valid UTF-8; read as Latin-1`)
    return buf.toString('latin1')
  }
}

const looksLikeJson = (head: string) => /^(\{\s*"|\[\s*[{["\d\]])/.test(head.slice(0, 64).replace(/^\uFEFF/, '').trimStart())

/**
 * Streams a CSV's rows into `read` (header first): as UTF-8, and again from the start as
 * Latin-1 when the bytes are not UTF-8 (with a warning). `read` starts afresh each time; the
 * warnings of an abandoned pass are dropped.
 */
type ReadRows<T> = (rows: AsyncGenerator<CsvRow>, warnings: string[], again: () => AsyncGenerator<CsvRow>) => Promise<T>

async function streamTable<T>(path: string, what: string, warnings: string[], read: ReadRows<T>): Promise<T> {
  for (const encoding of ['utf8', 'latin1'] as const) {
    const { fh, head } = await openTable(path, what)
    const own: string[] = []
    try {
      // JSON named .csv would parse as one odd column: say what it is instead.
      if (looksLikeJson(head.toString('latin1'))) {
        throw new ApiError('invalid-args', `${what} file ${printable(path)} holds JSON, not CSV (name it .json, or export with --format csv)`)
      }
      const again = async function* () {
        const second = await openTable(path, what)
        try {
          yield* csvRows(second.fh.createReadStream({ start: 0, autoClose: false }), { encoding })
        } finally {
          await second.fh.close()
        }
      }
      const result = await read(csvRows(fh.createReadStream({ start: 0, autoClose: false }), { encoding }), own, again)
      if (encoding === 'latin1') warnings.push(`${basename(path)}: not valid UTF-8; read as Latin-1`)
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
  throw new Error('unreachable: Latin-1 decodes any bytes')
}

/** The header row (names trimmed), or an error when the file has no rows at all. */
async function headerOf(rows: AsyncGenerator<CsvRow>, path: string, what: string): Promise<string[]> {
  const first = await rows.next()
  if (first.done) throw new ApiError('invalid-args', `${what} file ${printable(path)} is empty`)
  return first.value.fields.map((h) => h.trim())
}

/**
 * The header's names for a message, unless the first line does not look like a CSV header:
 * a key or a password file given by mistake must not have its first line echoed.
 */
function found(header: string[], quote = false): string {
  const plain = header.length >= 2 && header.every((h) => h.length <= 40 && /^[\p{L}\p{N} _.()#'?-]*$/u.test(h))
  if (!plain) return `found ${header.length} column(s), names not shown: the first line does not look like a CSV header`
  return `found: ${header.map((h) => (quote ? JSON.stringify(h) : h)).join(', ')}`
}

/** The id column, or an error naming the file and the columns it has. */
function idColumn(path: string, what: string, header: string[]): number {
  const i = header.findIndex((h) => ID_COLUMNS.test(h))
  if (i < 0) throw new ApiError('invalid-args', `${what} file ${printable(path)} has no Id column (expected Id or imdbId; ${found(header, true)})`)
  return i
}

/** MovieGenre.csv has bare numbers (114709): posters are named tt0114709. */
export function normalizeId(raw: string): string {
  const s = raw.trim()
  return /^\d+$/.test(s) ? `tt${s.padStart(7, '0')}` : s
}

/** A warning list kept to its first few entries, counting the rest (a million bad rows cost nothing). */
class Listed {
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
const cell = (s: string) => `"${printable(s.length > 40 ? `${s.slice(0, 40)}…` : s)}"`

/** Where ById keeps the rows: a Map, or a compact table (meta-table.ts). */
interface RowStore<T> {
  has(id: string): boolean
  set(id: string, v: T): unknown
}

/** Rows by id, one at a time, with duplicate and bad-id warnings. */
class ById<T, S extends RowStore<T> = Map<string, T>> {
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
    const id = normalizeId(row.fields[this.idCol] ?? '')
    // The regex first: a failed schema check builds an error, which a million bad rows feel.
    if (ID_CHARS.test(id) && PosterId.safeParse(id).success) return id
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

const headerOnly = (file: string) => `${file}: a header and no rows; nothing read from it`

const isNA = (s: string) => s.trim().replace(/^['"]|['"]$/g, '').trim().toUpperCase() === 'N/A'

/** "Comedy:user|Drama:imported" (the Sources column of our CSV export); unknown sources are left out. */
export function parseSources(cell: string): Record<string, LabelSource> {
  const out: Record<string, LabelSource> = Object.create(null) // a genre may be named "__proto__"
  for (const part of cell.split('|')) {
    const i = part.lastIndexOf(':')
    if (i <= 0) continue
    const src = LabelSource.safeParse(part.slice(i + 1).trim())
    if (src.success) out[part.slice(0, i).trim().toLowerCase()] = src.data
  }
  return out
}

function cleanGenre(name: string): string | null {
  const g = name.trim().replace(/^['"]|['"]$/g, '').trim()
  if (!g || g.toUpperCase() === 'N/A') return null
  return g.slice(0, 40)
}

function splitCell(cell: string): string[] {
  const s = cell.trim().replace(/^\[|\]$/g, '')
  return s.includes('|') ? s.split('|') : s.split(',')
}

/** "['Comedy', 'Drama']", "Comedy|Drama" or "Comedy, Drama". */
export function splitGenres(cell: string): string[] {
  return [...new Set(splitCell(cell).map(cleanGenre).filter((g): g is string => g !== null))]
}

function isBinary(v: string): boolean {
  const s = v.trim()
  return s === '0' || s === '1' || s === ''
}

type LabelTables = { labels: Map<string, LabelRow>; genreOrder: string[]; meta: Map<string, MetaRow>; unknown: Set<string> }

/** Where JSON.parse stopped, without the text around it (its messages quote the file). */
function jsonWhere(err: unknown): string {
  const m = /position (\d+)(?: \(line (\d+) column (\d+)\))?/.exec((err as Error).message)
  if (!m) return ''
  return m[2] ? ` at line ${m[2]}, column ${m[3]}` : ` at character ${Number(m[1]) + 1}`
}

/** Our JSON export: [{id, title, year, labelled, genres, labels: [{genre, source}]}]. */
function readLabelsJson(path: string, text: string, warnings: string[]): LabelTables {
  const file = basename(path)
  const shown = printable(path)
  let items: unknown
  try {
    items = JSON.parse(text)
  } catch (err) {
    throw new ApiError('invalid-args', `labels file ${shown} is not valid JSON: it breaks off or goes wrong${jsonWhere(err)}`)
  }
  if (!Array.isArray(items)) throw new ApiError('invalid-args', `labels file ${shown}: expected a JSON array of posters (as posterity export --format json writes)`)
  const labels = new Map<string, LabelRow>()
  const meta = new Map<string, MetaRow>()
  const order = new Map<string, string>()
  const unknown = new Set<string>()
  const bad = new Listed()
  items.forEach((it: unknown, i) => {
    const o = (it && typeof it === 'object' ? it : {}) as Record<string, unknown>
    const id = typeof o.id === 'string' ? o.id.trim() : ''
    if (!PosterId.safeParse(id).success) return void bad.add(`item ${i + 1}: ${id ? `${cell(id)} is not a usable id` : 'no id'}`)
    const title = typeof o.title === 'string' && o.title.trim() ? o.title.trim() : null
    const year = typeof o.year === 'number' && Number.isInteger(o.year) ? o.year : null
    if (title || year) meta.set(id, { title, year })
    if (o.labelled === false) return
    const sources: Record<string, LabelSource> = Object.create(null) // a genre may be named "__proto__"
    const genres: string[] = []
    const list = Array.isArray(o.labels) ? o.labels : Array.isArray(o.genres) ? o.genres.map((g) => ({ genre: g })) : null
    if (!list) return // no label information: the poster stays unlabelled
    for (const l of list as { genre?: unknown; source?: unknown }[]) {
      const g = typeof l?.genre === 'string' ? cleanGenre(l.genre) : null
      if (!g) continue
      genres.push(g)
      if (!order.has(g.toLowerCase())) order.set(g.toLowerCase(), g)
      const src = LabelSource.safeParse(l.source)
      if (src.success) sources[g.toLowerCase()] = src.data
    }
    if (genres.length === 0 && list.length > 0) return void unknown.add(id) // only N/A: genre unknown
    labels.set(id, { genres, sources })
  })
  bad.warn(`${file}: items skipped`, warnings)
  return { labels, genreOrder: [...order.values()], meta, unknown }
}

/** Distinct label rows shared between posters at most (see labelRow). */
const MAX_SHARED_ROWS = 20_000

/** How many rows decide which columns are 0/1 genre columns. */
const SAMPLE_ROWS = 200

export async function readLabels(path: string, warnings: string[]): Promise<LabelTables> {
  const { fh, head } = await openTable(path, 'labels')
  try {
    if (/^\uFEFF?\s*\[/.test(head.toString('latin1'))) return readLabelsJson(path, await readWhole(fh, path, warnings), warnings)
  } finally {
    await fh.close()
  }
  return streamTable(path, 'labels', warnings, (rows, w, again) => labelsFromRows(path, rows, w, again))
}

async function labelsFromRows(path: string, rows: AsyncGenerator<CsvRow>, warnings: string[], again: () => AsyncGenerator<CsvRow>): Promise<LabelTables> {
  const file = basename(path)
  const header = await headerOf(rows, path, 'labels')
  const idCol = idColumn(path, 'labels', header)
  const genreCol = header.findIndex((h) => /^genres?$/i.test(h))
  const sourceCol = header.findIndex((h) => /^sources?$/i.test(h))
  const titleCol = header.findIndex((h) => /^(title|name)$/i.test(h))
  // The first rows decide which columns are genres; they are then read like the rest.
  const sample: CsvRow[] = []
  while (sample.length < SAMPLE_ROWS) {
    const next = await rows.next() // (not for-await: leaving that loop would close the stream)
    if (next.done) break
    sample.push(next.value)
  }
  const empty = { labels: new Map(), genreOrder: [], meta: new Map(), unknown: new Set<string>() }
  if (sample.length === 0) {
    warnings.push(headerOnly(file))
    return empty
  }
  // One-hot columns: every column that is not a known non-genre and holds 0/1 values.
  const oneHot: number[] = []
  header.forEach((h, i) => {
    if (i === idCol || NOT_GENRES.test(h) || !h) return
    // Mostly 0/1 is a genre column (a stray "yes" becomes a warning); otherwise it is something else.
    const binary = sample.filter((r) => isBinary(r.fields[i] ?? '')).length
    if (binary * 3 >= sample.length * 2) oneHot.push(i)
    else warnings.push(`${file}: column ${cell(h)} ignored (not 0/1 values, so not a genre column)`)
  })
  if (oneHot.length === 0 && genreCol < 0) {
    throw new ApiError(
      'invalid-args',
      `labels file ${printable(path)} has no genres: expected a Genre column or one 0/1 column per genre (${found(header)})`,
    )
  }
  const order = new Map<string, string>()
  /** One string per genre name, however many rows repeat it. */
  const note = (g: string): string => {
    const k = g.toLowerCase()
    const known = order.get(k)
    if (known === g) return known
    if (known === undefined) order.set(k, g)
    return g
  }
  const columnGenre = header.map((h, i) => (oneHot.includes(i) ? cleanGenre(h) : null))
  for (const i of oneHot) if (columnGenre[i]) note(columnGenre[i])
  const columnNA = header.map((h) => isNA(h))
  // Rows share one frozen LabelRow per distinct genre list (and sources): a million rows hold a
  // few hundred lists, not a million arrays. Unbounded variety stops being shared past a limit.
  const shared = new Map<string, LabelRow>()
  const labelRow = (genres: string[], sourceCell: string | null): LabelRow => {
    const key = `${genres.join('\u0000')}\u0001${sourceCell ?? ''}`
    const known = shared.get(key)
    if (known) return known
    const row: LabelRow = Object.freeze(sourceCell === null ? { genres: Object.freeze(genres.slice()) as string[] } : { genres: Object.freeze(genres.slice()) as string[], sources: Object.freeze(parseSources(sourceCell)) })
    if (shared.size < MAX_SHARED_ROWS) shared.set(key, row)
    return row
  }
  const meta = new Map<string, MetaRow>()
  const oddCells = new Listed()
  const unknownIds = new Set<string>()
  const byId = new ById<LabelRow>(file, header.length, idCol)

  const take = (row: CsvRow) => {
    const id = byId.id(row)
    if (id === null) return
    const f = row.fields
    if (titleCol >= 0) {
      const raw = (f[titleCol] ?? '').trim()
      // MovieGenre titles carry the year: "Toy Story (1995)".
      const m = /^(.*?)\s*\((\d{4})\)\s*$/.exec(raw)
      if (raw) meta.set(id, m ? { title: m[1], year: Number(m[2]) } : { title: raw, year: null })
    }
    let genres: string[]
    // N/A (IMDb had no genre) means "genre unknown": the poster stays unlabelled, it is not
    // "labelled: no genre" (which would make it a negative for every genre).
    let unknown = false
    if (oneHot.length > 0) {
      genres = []
      for (const i of oneHot) {
        const v = (f[i] ?? '').trim()
        if (v === '1') {
          const g = columnGenre[i]
          if (g) genres.push(g)
          else if (columnNA[i]) unknown = true
        } else if (v !== '0' && v !== '') oddCells.add(`line ${row.line} column ${printable(header[i])}: ${cell(v)}`)
      }
      if (genres.length === 0 && genreCol >= 0 && splitCell(f[genreCol] ?? '').some(isNA)) unknown = true
    } else {
      const c = f[genreCol] ?? ''
      if (!c.trim()) return // no genre information: the poster stays unlabelled
      genres = splitGenres(c).map(note)
      if (genres.length === 0 && splitCell(c).some(isNA)) unknown = true
    }
    if (unknown && genres.length === 0) {
      unknownIds.add(id)
      return
    }
    byId.set(id, row.line, labelRow(genres, sourceCol >= 0 ? (f[sourceCol] ?? '') : null))
  }
  for (const row of sample) take(row)
  sample.length = 0
  for await (const row of rows) take(row)
  await byId.warn(warnings, again)
  oddCells.warn(`${file}: cells that are not 0 or 1 (read as 0)`, warnings)
  for (const id of byId.out.keys()) unknownIds.delete(id) // a later row with genres wins
  return { labels: byId.out, genreOrder: [...order.values()], meta, unknown: unknownIds }
}

/** Read into a MetaTable: a metadata file of millions of short rows costs about twice its size, not 8x. */
export async function readMetadata(path: string, warnings: string[]): Promise<MetaTable> {
  return streamTable(path, 'metadata', warnings, async (rows, w, again) => {
    const file = basename(path)
    const header = await headerOf(rows, path, 'metadata')
    const idCol = idColumn(path, 'metadata', header)
    const titleCol = header.findIndex((h) => /^(title|name)$/i.test(h))
    const yearCol = header.findIndex((h) => /^year$/i.test(h))
    if (titleCol < 0 && yearCol < 0) {
      throw new ApiError('invalid-args', `metadata file ${printable(path)} has neither a Title nor a Year column (${found(header)})`)
    }
    const badYears = new Listed()
    const byId = new ById<MetaRow, MetaTable>(file, header.length, idCol, new MetaTable())
    let any = false
    for await (const row of rows) {
      any = true
      const id = byId.id(row)
      if (id === null) continue
      const title = titleCol >= 0 ? (row.fields[titleCol] ?? '').trim() || null : null
      const y = yearCol >= 0 ? (row.fields[yearCol] ?? '').trim() : ''
      let year: number | null = null
      if (/^\d{4}$/.test(y)) year = Number(y)
      else if (y) badYears.add(`line ${row.line}: ${cell(y)}`)
      byId.set(id, row.line, { title, year })
    }
    if (!any) w.push(headerOnly(file))
    await byId.warn(w, again)
    badYears.warn(`${file}: years that are not 4 digits (left empty)`, w)
    return byId.out
  })
}

/** No label or metadata file: every poster is named by its file. */
export function noTables(): Tables {
  return { labels: new Map(), genreOrder: [], meta: new Map(), unknown: new Set(), warnings: [] }
}

/** Reads both files up front, so a bad file fails the call before any work. */
export async function readTables(labelsPath?: string, metadataPath?: string): Promise<Tables> {
  const warnings: string[] = []
  const fromLabels: LabelTables = labelsPath ? await readLabels(labelsPath, warnings) : { ...noTables(), meta: new Map() }
  let meta: MetaLookup = fromLabels.meta
  if (metadataPath) {
    const more = await readMetadata(metadataPath, warnings)
    const titled = fromLabels.meta
    let extra = 0
    for (const id of titled.keys()) if (!more.has(id)) extra++
    // The metadata file wins over the labels file's titles.
    meta = titled.size === 0 ? more : { get: (id) => more.get(id) ?? titled.get(id), size: more.size + extra }
  }
  return { labels: fromLabels.labels, genreOrder: fromLabels.genreOrder, meta, unknown: fromLabels.unknown, warnings }
}
