// Label and metadata files. Labels: the Kaggle layout (Id, Genre, one 0/1 column per genre)
// or MovieGenre.csv (imdbId, Title, Genre as "A|B"); metadata: Id, Title, Year.
// Unusable files throw an ApiError naming the file; problems that do not stop the import
// become warnings. Duplicate ids: the LAST row wins (a later correction overrides).
import { readFileSync, statSync } from 'node:fs'
import { printable } from '../../shared/printable'
import { basename } from 'node:path'
import { ApiError, LabelSource, PosterId } from '../../shared/api'
import { CsvError, parseCsv } from './csv'

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
export interface Tables {
  labels: Map<string, LabelRow>
  /** Ids whose row says N/A (genre unknown): left unlabelled, and a poster an older import marked "no genre" goes back to unlabelled. */
  unknown: Set<string>
  /** Genres in the order the labels file lists them (they join the vocabulary in this order). */
  genreOrder: string[]
  meta: Map<string, MetaRow>
  warnings: string[]
}

const ID_COLUMNS = /^(id|imdb_?id|imdb|tconst|movie_?id)$/i
/** Columns of MovieGenre.csv and friends that are not genres. */
const NOT_GENRES = /^(id|imdb_?id|imdb|tconst|movie_?id|genres?|sources?|title|name|year|imdb ?link|imdb ?score|poster|url|link|score|rating)$/i
const MAX_LISTED = 8

/** A label or metadata file larger than this is refused before it is read (a CSV costs a few times its size). */
export const MAX_TABLE_BYTES = 256 * 2 ** 20

function readText(path: string, what: string, warnings: string[]): string {
  let buf: Buffer
  const shown = printable(path)
  try {
    // Checked before reading: a FIFO would block the import for ever, /dev/zero would never end.
    const st = statSync(path)
    if (st.isDirectory()) throw Object.assign(new Error('folder'), { code: 'EISDIR' })
    if (!st.isFile()) throw new ApiError('invalid-args', `cannot read ${what} file ${shown}: not a regular file (a pipe, socket or device)`)
    if (st.size > MAX_TABLE_BYTES) {
      throw new ApiError('invalid-args', `${what} file ${shown} is ${(st.size / 2 ** 20).toFixed(0)} MB; the limit is ${MAX_TABLE_BYTES / 2 ** 20} MB`)
    }
    buf = readFileSync(path)
  } catch (err) {
    if (err instanceof ApiError) throw err
    const code = (err as NodeJS.ErrnoException).code
    const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'it is a folder' : (err as Error).message
    throw new ApiError('invalid-args', `cannot read ${what} file ${shown}: ${why}`)
  }
  // A CSV is text: NUL bytes mean an image, an archive or a database was given by mistake.
  if (buf.subarray(0, 8192).includes(0)) throw new ApiError('invalid-args', `${what} file ${shown} is binary, not a CSV`)
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(buf)
  } catch {
    // MovieGenre.csv circulates in Latin-1: read it rather than refuse it.
    warnings.push(`${basename(path)}: not valid UTF-8; read as Latin-1`)
    return buf.toString('latin1')
  }
}

function table(path: string, what: string, warnings: string[], text?: string): { header: string[]; rows: string[][]; lines: number[] } {
  let parsed: ReturnType<typeof parseCsv>
  const csv = text ?? readText(path, what, warnings)
  // JSON named .csv would parse as one odd column: say what it is instead.
  if (/^(\{\s*"|\[\s*[{["\d\]])/.test(csv.slice(0, 64).replace(/^\uFEFF/, '').trimStart())) {
    throw new ApiError('invalid-args', `${what} file ${printable(path)} holds JSON, not CSV (name it .json, or export with --format csv)`)
  }
  try {
    parsed = parseCsv(csv)
  } catch (err) {
    if (err instanceof CsvError) throw new ApiError('invalid-args', `${what} file ${path} is not valid CSV: ${err.message}`)
    throw err
  }
  if (parsed.rows.length === 0) throw new ApiError('invalid-args', `${what} file ${path} is empty`)
  const header = parsed.rows[0].map((h) => h.trim())
  return { header, rows: parsed.rows.slice(1), lines: parsed.lines.slice(1) }
}

/** The id column, or an error naming the file and the columns it has. */
function idColumn(path: string, what: string, header: string[]): number {
  const i = header.findIndex((h) => ID_COLUMNS.test(h))
  if (i < 0) {
    throw new ApiError(
      'invalid-args',
      `${what} file ${path} has no Id column (expected Id or imdbId; found: ${header.map((h) => JSON.stringify(h)).join(', ')})`,
    )
  }
  return i
}

/** MovieGenre.csv has bare numbers (114709): posters are named tt0114709. */
export function normalizeId(raw: string): string {
  const s = raw.trim()
  return /^\d+$/.test(s) ? `tt${s.padStart(7, '0')}` : s
}

function limited(list: string[], head: string): string[] {
  if (list.length === 0) return []
  const more = list.length > MAX_LISTED ? ` (and ${list.length - MAX_LISTED} more)` : ''
  return [`${head}: ${list.slice(0, MAX_LISTED).join('; ')}${more}`]
}

/** Rows by id with duplicate and bad-id warnings; `use` turns a row into a value or null to skip. */
function rowsById<T>(
  file: string,
  t: ReturnType<typeof table>,
  idCol: number,
  warnings: string[],
  use: (row: string[], line: number) => T | null,
): Map<string, T> {
  const out = new Map<string, T>()
  const firstLine = new Map<string, number>()
  const dups: string[] = []
  const bad: string[] = []
  t.rows.forEach((row, k) => {
    const line = t.lines[k]
    if (row.length !== t.header.length) bad.push(`line ${line} has ${row.length} fields, the header ${t.header.length}`)
    const id = normalizeId(row[idCol] ?? '')
    if (!PosterId.safeParse(id).success) {
      bad.push(`line ${line}: ${id ? `"${id}" is not a usable id` : 'empty id'}`)
      return
    }
    const v = use(row, line)
    if (v === null) return
    if (out.has(id)) dups.push(`${id} (lines ${firstLine.get(id)} and ${line})`)
    else firstLine.set(id, line)
    out.set(id, v)
  })
  warnings.push(...limited(bad, `${file}: rows skipped or suspicious`))
  warnings.push(...limited(dups, `${file}: duplicate ids, the last row wins`))
  return out
}

const isNA = (s: string) => s.trim().replace(/^['"]|['"]$/g, '').trim().toUpperCase() === 'N/A'

/** "Comedy:user|Drama:imported" (the Sources column of our CSV export); unknown sources are left out. */
export function parseSources(cell: string): Record<string, LabelSource> {
  const out: Record<string, LabelSource> = {}
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

/** Our JSON export: [{id, title, year, labelled, genres, labels: [{genre, source}]}]. */
function readLabelsJson(path: string, text: string, warnings: string[]): LabelTables {
  const file = basename(path)
  let items: unknown
  try {
    items = JSON.parse(text)
  } catch (err) {
    throw new ApiError('invalid-args', `labels file ${path} is not valid JSON: ${(err as Error).message}`)
  }
  if (!Array.isArray(items)) throw new ApiError('invalid-args', `labels file ${path}: expected a JSON array of posters (as posterity export --format json writes)`)
  const labels = new Map<string, LabelRow>()
  const meta = new Map<string, MetaRow>()
  const order = new Map<string, string>()
  const unknown = new Set<string>()
  const bad: string[] = []
  items.forEach((it: unknown, i) => {
    const o = (it && typeof it === 'object' ? it : {}) as Record<string, unknown>
    const id = typeof o.id === 'string' ? o.id.trim() : ''
    if (!PosterId.safeParse(id).success) return void bad.push(`item ${i + 1}: ${id ? `"${id}" is not a usable id` : 'no id'}`)
    const title = typeof o.title === 'string' && o.title.trim() ? o.title.trim() : null
    const year = typeof o.year === 'number' && Number.isInteger(o.year) ? o.year : null
    if (title || year) meta.set(id, { title, year })
    if (o.labelled === false) return
    const sources: Record<string, LabelSource> = {}
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
  warnings.push(...limited(bad, `${file}: items skipped`))
  return { labels, genreOrder: [...order.values()], meta, unknown }
}

export function readLabels(path: string, warnings: string[]): LabelTables {
  const file = basename(path)
  const text = readText(path, 'labels', warnings)
  if (/^\uFEFF?\s*\[/.test(text)) return readLabelsJson(path, text, warnings)
  const t = table(path, 'labels', warnings, text)
  const idCol = idColumn(path, 'labels', t.header)
  const genreCol = t.header.findIndex((h) => /^genres?$/i.test(h))
  const sourceCol = t.header.findIndex((h) => /^sources?$/i.test(h))
  const titleCol = t.header.findIndex((h) => /^(title|name)$/i.test(h))
  // One-hot columns: every column that is not a known non-genre and holds 0/1 values.
  const sample = t.rows.slice(0, 200)
  const oneHot: number[] = []
  t.header.forEach((h, i) => {
    if (i === idCol || NOT_GENRES.test(h) || !h) return
    // Mostly 0/1 is a genre column (a stray "yes" becomes a warning); otherwise it is something else.
    const binary = sample.filter((r) => isBinary(r[i] ?? '')).length
    if (binary * 3 >= sample.length * 2) oneHot.push(i)
    else warnings.push(`${file}: column "${h}" ignored (not 0/1 values, so not a genre column)`)
  })
  if (oneHot.length === 0 && genreCol < 0) {
    throw new ApiError(
      'invalid-args',
      `labels file ${path} has no genres: expected a Genre column or one 0/1 column per genre (found: ${t.header.join(', ')})`,
    )
  }
  const order = new Map<string, string>()
  const note = (g: string) => {
    if (!order.has(g.toLowerCase())) order.set(g.toLowerCase(), g)
  }
  for (const i of oneHot) {
    const g = cleanGenre(t.header[i])
    if (g) note(g)
  }
  const meta = new Map<string, MetaRow>()
  const oddCells: string[] = []
  const unknownIds = new Set<string>()
  const labels = rowsById(file, t, idCol, warnings, (row, line) => {
    let genres: string[]
    // N/A (IMDb had no genre) means "genre unknown": the poster stays unlabelled, it is not
    // "labelled: no genre" (which would make it a negative for every genre).
    let unknown = false
    if (oneHot.length > 0) {
      genres = []
      for (const i of oneHot) {
        const v = (row[i] ?? '').trim()
        if (v === '1') {
          const g = cleanGenre(t.header[i])
          if (g) genres.push(g)
          else if (isNA(t.header[i])) unknown = true
        } else if (v !== '0' && v !== '') oddCells.push(`line ${line} column ${t.header[i]}: "${v}"`)
      }
      if (genres.length === 0 && genreCol >= 0 && splitCell(row[genreCol] ?? '').some(isNA)) unknown = true
    } else {
      const cell = row[genreCol] ?? ''
      if (!cell.trim()) return null // no genre information: the poster stays unlabelled
      genres = splitGenres(cell)
      genres.forEach(note)
      if (genres.length === 0 && splitCell(cell).some(isNA)) unknown = true
    }
    if (unknown && genres.length === 0) {
      unknownIds.add(normalizeId(row[idCol] ?? ''))
      return null
    }
    const sources = sourceCol >= 0 ? parseSources(row[sourceCol] ?? '') : undefined
    return { genres, sources }
  })
  warnings.push(...limited(oddCells, `${file}: cells that are not 0 or 1 (read as 0)`))
  if (titleCol >= 0) {
    for (const row of t.rows) {
      const id = normalizeId(row[idCol] ?? '')
      const raw = (row[titleCol] ?? '').trim()
      if (!raw || !PosterId.safeParse(id).success) continue
      // MovieGenre titles carry the year: "Toy Story (1995)".
      const m = /^(.*?)\s*\((\d{4})\)\s*$/.exec(raw)
      meta.set(id, m ? { title: m[1], year: Number(m[2]) } : { title: raw, year: null })
    }
  }
  for (const id of labels.keys()) unknownIds.delete(id) // a later row with genres wins
  return { labels, genreOrder: [...order.values()], meta, unknown: unknownIds }
}

export function readMetadata(path: string, warnings: string[]): Map<string, MetaRow> {
  const file = basename(path)
  const t = table(path, 'metadata', warnings)
  const idCol = idColumn(path, 'metadata', t.header)
  const titleCol = t.header.findIndex((h) => /^(title|name)$/i.test(h))
  const yearCol = t.header.findIndex((h) => /^year$/i.test(h))
  if (titleCol < 0 && yearCol < 0) {
    throw new ApiError('invalid-args', `metadata file ${path} has neither a Title nor a Year column (found: ${t.header.join(', ')})`)
  }
  const badYears: string[] = []
  const rows = rowsById(file, t, idCol, warnings, (row, line) => {
    const title = titleCol >= 0 ? (row[titleCol] ?? '').trim() || null : null
    const y = yearCol >= 0 ? (row[yearCol] ?? '').trim() : ''
    let year: number | null = null
    if (/^\d{4}$/.test(y)) year = Number(y)
    else if (y) badYears.push(`line ${line}: "${y}"`)
    return { title, year }
  })
  warnings.push(...limited(badYears, `${file}: years that are not 4 digits (left empty)`))
  return rows
}

/** Reads both files up front (sync: fast even for 100k rows) so a bad file fails before any work. */
export function readTables(labelsPath?: string, metadataPath?: string): Tables {
  const warnings: string[] = []
  const fromLabels = labelsPath ? readLabels(labelsPath, warnings) : { labels: new Map(), genreOrder: [], meta: new Map(), unknown: new Set<string>() }
  const meta = new Map<string, MetaRow>(fromLabels.meta)
  if (metadataPath) for (const [id, m] of readMetadata(metadataPath, warnings)) meta.set(id, m) // metadata wins
  return { labels: fromLabels.labels, genreOrder: fromLabels.genreOrder, meta, unknown: fromLabels.unknown, warnings }
}
