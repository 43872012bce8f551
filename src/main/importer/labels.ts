// Label files: the Kaggle layout (Id, Genre, one 0/1 column per genre), MovieGenre.csv
// (imdbId, Title, Genre as "A|B"), or our own CSV and JSON exports (with a Sources column or
// labels list). Unusable files throw an ApiError naming the file; problems that do not stop
// the import become warnings. CSV files are streamed a row at a time (csv-parse): what they
// cost is the rows kept, not their text.
import { basename } from 'node:path'
import { printable } from '../../shared/printable'
import { ApiError, LABEL_FILE_COLUMNS, LabelSource } from '../../shared/api'
import type { CsvRow } from './csv'
import type { MetaRow } from './metadata'
import { ById, Listed, cell, found, headerOf, headerOnly, headText, idColumn, openTable, readWhole, streamTable, usableId } from './table-file'

export interface LabelRow {
  /** Genre names; empty = labelled with no genre. (A row saying N/A, "genre unknown", is no row.) */
  genres: string[]
  /** Each genre's source by lower-case name, when the file says (our exports do); else 'imported'. */
  sources?: Record<string, LabelSource>
}

/** Columns of MovieGenre.csv and friends that are not genres. */
const NOT_GENRES = LABEL_FILE_COLUMNS

const isNA = (s: string) => s.trim().replace(/^['"]|['"]$/g, '').trim().toUpperCase() === 'N/A'

/** "Comedy:user|Drama:imported" (the Sources column of our CSV export; a source in any case); unknown sources are left out. */
export function parseSources(cell: string): Record<string, LabelSource> {
  const out: Record<string, LabelSource> = Object.create(null) // a genre may be named "__proto__"
  for (const part of cell.split('|')) {
    const i = part.lastIndexOf(':')
    if (i <= 0) continue
    const src = LabelSource.safeParse(part.slice(i + 1).trim().toLowerCase())
    if (src.success) out[part.slice(0, i).trim().toLowerCase()] = src.data
  }
  return out
}

/** The Sources cell's parts whose source is none of ours ("Drama:robot", "Drama"): each is read as imported. */
function unknownSources(cell: string): string[] {
  return cell.split('|').filter((part) => {
    if (!part.trim()) return false
    const i = part.lastIndexOf(':')
    return i <= 0 || !LabelSource.safeParse(part.slice(i + 1).trim().toLowerCase()).success
  })
}

const SOURCES_KNOWN = `read as imported; a source is one of ${LabelSource.options.join(', ')}`

function cleanGenre(name: string): string | null {
  const g = name.trim().replace(/^['"]|['"]$/g, '').trim()
  if (!g || g.toUpperCase() === 'N/A') return null
  return g.slice(0, 40)
}

function splitCell(cell: string): string[] {
  const s = cell.trim().replace(/^\[|\]$/g, '')
  return s.includes('|') ? s.split('|') : s.split(',')
}

/** The names once each, whatever their case (the library's genres ignore it): the first spelling kept. */
function onceEach(names: string[]): string[] {
  const seen = new Set<string>()
  return names.filter((g) => !seen.has(g.toLowerCase()) && !!seen.add(g.toLowerCase()))
}

/** "['Comedy', 'Drama']", "Comedy|Drama" or "Comedy, Drama". */
export function splitGenres(cell: string): string[] {
  return onceEach(splitCell(cell).map(cleanGenre).filter((g): g is string => g !== null))
}

function isBinary(v: string): boolean {
  const s = v.trim()
  return s === '0' || s === '1' || s === ''
}
export type LabelTables = { labels: Map<string, LabelRow>; genreOrder: string[]; meta: Map<string, MetaRow>; unknown: Set<string> }

/** Why the library cannot take a genre of this name, or null (the library's own rule: a name it already has is fine). */
export type GenreProblem = (name: string) => string | null

/**
 * Genres the library refuses (a cell or column "Title"): skipped where they appear, so one bad
 * name costs its own labels, not the whole import. Remembers where each was first seen.
 */
class Refused {
  private problems = new Map<string, string | null>()
  private seen = new Map<string, { name: string; where: string; more: number; problem: string }>()
  /** Rows whose every genre was refused: left unlabelled rather than "labelled, no genre". */
  emptied = 0
  constructor(private problemOf: GenreProblem | undefined) {}
  /** True (noted) when `name` cannot be a genre; `where` says where it was, e.g. "line 4". */
  refuses(name: string, where: () => string): boolean {
    if (!this.problemOf) return false
    const k = name.toLowerCase()
    let problem = this.problems.get(k)
    if (problem === undefined) this.problems.set(k, (problem = this.problemOf(name)))
    if (problem === null) return false
    const s = this.seen.get(k)
    if (s) s.more++
    else this.seen.set(k, { name, where: where(), more: 0, problem })
    return true
  }
  warn(file: string, warnings: string[]): void {
    if (this.seen.size === 0) return
    const list = new Listed()
    for (const s of this.seen.values()) list.add(`${cell(s.name)} (${s.where}${s.more ? `, and ${s.more} more` : ''}): ${s.problem}`)
    const emptied = this.emptied ? `; ${this.emptied} poster(s) had no other genre and stay unlabelled` : ''
    list.warn(`${file}: genres skipped, the rest of each row imported${emptied}`, warnings)
  }
}

/**
 * A Genre cell's names, for comparing with the 0/1 columns: the items of a Python-style list
 * unescaped (our export writes ['Rock, Roll', 'Sci\\'Fi']), else as splitGenres reads it.
 */
function listedGenres(cell: string): Set<string> {
  const m = /^\s*\[(.*)\]\s*$/s.exec(cell)
  const items = m ? [...m[1].matchAll(/'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)"/g)].map((x) => (x[1] ?? x[2]).replace(/\\(.)/g, '$1')) : []
  const names = items.length > 0 ? items.map(cleanGenre).filter((g): g is string => g !== null) : splitGenres(cell)
  return new Set(names.map((g) => g.toLowerCase()))
}

/** Where JSON.parse stopped, without the text around it (its messages quote the file). */
function jsonWhere(err: unknown): string {
  const m = /position (\d+)(?: \(line (\d+) column (\d+)\))?/.exec((err as Error).message)
  if (!m) return ''
  return m[2] ? ` at line ${m[2]}, column ${m[3]}` : ` at character ${Number(m[1]) + 1}`
}

/** What a JSON labels file holds: an array of posters, as `posterity export --format json` writes it. */
const JSON_SHAPE =
  'a JSON labels file is an array of posters, each {"id": "tt0114709", "genres": ["Comedy"]} or with "labels": [{"genre": "Comedy", "source": "user"}] to keep sources, as posterity export --format json writes'

/** Our JSON export: [{id, title, year, labelled, genres, labels: [{genre, source}]}]. */
function readLabelsJson(path: string, text: string, warnings: string[], problemOf?: GenreProblem): LabelTables {
  const file = basename(path)
  const shown = printable(path)
  let items: unknown
  try {
    items = JSON.parse(text)
  } catch (err) {
    throw new ApiError('invalid-args', `labels file ${shown} is not valid JSON: it breaks off or goes wrong${jsonWhere(err)}`)
  }
  if (!Array.isArray(items)) {
    const what = items === null ? 'null' : typeof items === 'object' ? 'one JSON object' : `a JSON ${typeof items}`
    throw new ApiError('invalid-args', `labels file ${shown} holds ${what}, not an array: ${JSON_SHAPE}`)
  }
  const labels = new Map<string, LabelRow>()
  const meta = new Map<string, MetaRow>()
  const order = new Map<string, string>()
  const unknown = new Set<string>()
  const bad = new Listed()
  const odd = new Listed()
  const badSources = new Listed()
  const refused = new Refused(problemOf)
  items.forEach((it: unknown, i) => {
    const o = (it && typeof it === 'object' ? it : {}) as Record<string, unknown>
    // As in a CSV: an id, a bare number, or a poster file's name without its extension.
    const given = typeof o.id === 'string' ? o.id.trim() : typeof o.id === 'number' && Number.isInteger(o.id) && o.id >= 0 ? String(o.id) : ''
    const id = given ? usableId(given) : null
    if (id === null) return void bad.add(`item ${i + 1}: ${given ? `${cell(given)} is not a usable id` : 'no id'}`)
    const title = typeof o.title === 'string' && o.title.trim() ? o.title.trim() : null
    const year = typeof o.year === 'number' && Number.isInteger(o.year) ? o.year : null
    if (title || year) meta.set(id, { title, year })
    if (o.labelled === false) return
    const sources: Record<string, LabelSource> = Object.create(null) // a genre may be named "__proto__"
    const genres: string[] = []
    const list = Array.isArray(o.labels) ? o.labels : Array.isArray(o.genres) ? o.genres.map((g) => ({ genre: g })) : null
    if (!list) {
      // No label information: the poster stays unlabelled. Said when a field is there but is no list.
      const field = o.labels !== undefined ? 'labels' : o.genres !== undefined ? 'genres' : null
      if (field) odd.add(`item ${i + 1} (${id}): "${field}" is not a list; the poster is left unlabelled`)
      return
    }
    let dropped = false
    for (const l of list as { genre?: unknown; source?: unknown }[]) {
      const g = typeof l?.genre === 'string' ? cleanGenre(l.genre) : null
      if (typeof l?.genre !== 'string') odd.add(`item ${i + 1} (${id}): a label without a genre name${l && typeof l === 'object' ? '' : ` (${cell(String(JSON.stringify(l)))})`}, left out`)
      if (!g) continue
      if (refused.refuses(g, () => `item ${i + 1}`)) {
        dropped = true
        continue
      }
      if (genres.some((h) => h.toLowerCase() === g.toLowerCase())) continue // named twice: the first one counts
      genres.push(g)
      if (!order.has(g.toLowerCase())) order.set(g.toLowerCase(), g)
      const src = LabelSource.safeParse(typeof l.source === 'string' ? l.source.trim().toLowerCase() : l.source)
      if (src.success) sources[g.toLowerCase()] = src.data
      else if (l.source !== undefined) badSources.add(`item ${i + 1} (${id}) ${cell(g)}: ${cell(String(typeof l.source === 'string' ? l.source : JSON.stringify(l.source)))}`)
    }
    if (genres.length === 0 && dropped) return void refused.emptied++
    if (genres.length === 0 && list.length > 0) return void unknown.add(id) // only N/A: genre unknown
    labels.set(id, { genres, sources })
  })
  bad.warn(`${file}: items skipped`, warnings)
  odd.warn(`${file}: labels not read`, warnings)
  badSources.warn(`${file}: sources not known (${SOURCES_KNOWN})`, warnings)
  refused.warn(file, warnings)
  return { labels, genreOrder: [...order.values()], meta, unknown }
}

/** Distinct label rows shared between posters at most (see labelRow). */
const MAX_SHARED_ROWS = 20_000

/** How many rows decide which columns are 0/1 genre columns. */
const SAMPLE_ROWS = 200

/** `problemOf`: the library's verdict on a genre name (genres it refuses are skipped with a warning); none checks nothing. */
export async function readLabels(path: string, warnings: string[], problemOf?: GenreProblem): Promise<LabelTables> {
  const { fh, head } = await openTable(path, 'labels')
  try {
    // By content, a BOM left out (Notepad writes one), whatever the name: a CSV named .json still reads.
    if (/^\s*[[{]/.test(headText(head))) {
      return readLabelsJson(path, (await readWhole(fh, path, warnings)).replace(/^(\uFEFF|\u00EF\u00BB\u00BF)/, ''), warnings, problemOf)
    }
  } finally {
    await fh.close()
  }
  return streamTable(path, 'labels', warnings, (rows, w, again) => labelsFromRows(path, rows, w, again, problemOf))
}

async function labelsFromRows(path: string, rows: AsyncGenerator<CsvRow>, warnings: string[], again: () => AsyncGenerator<CsvRow>, problemOf?: GenreProblem): Promise<LabelTables> {
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
  const refused = new Refused(problemOf)
  const columnGenre = header.map((h, i) => (oneHot.includes(i) ? cleanGenre(h) : null))
  // The columns' names as the Genre list spells them, refused ones included (for the comparison below).
  const columnName = columnGenre.map((g) => g?.toLowerCase() ?? null)
  const columnRefused = columnGenre.map((g, i) => g !== null && refused.refuses(g, () => `column ${i + 1}`))
  for (const [i, no] of columnRefused.entries()) if (no) columnGenre[i] = null
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
  const badSources = new Listed()
  /** Sources cells already checked (they repeat as the genre lists do). */
  const sourceCells = new Map<string, string[]>()
  const unknownIds = new Set<string>()
  const byId = new ById<LabelRow>(file, header.length, idCol)
  /** Rows whose Genre list names other genres than their 0/1 columns (the columns are used). */
  const disagree = { rows: 0, first: 0 }
  // Genre cells repeat (a few hundred distinct lists in a million rows): each is parsed once.
  const lists = new Map<string, Set<string>>()
  const listed = (c: string): Set<string> => {
    let names = lists.get(c)
    if (!names) {
      names = listedGenres(c)
      if (lists.size < MAX_SHARED_ROWS) lists.set(c, names)
    }
    return names
  }

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
    let dropped = false
    if (oneHot.length > 0) {
      genres = []
      const ones = genreCol >= 0 ? new Set<string>() : null
      for (const i of oneHot) {
        const v = (f[i] ?? '').trim()
        if (v === '1') {
          const g = columnGenre[i]
          if (g) genres.push(g)
          else if (columnRefused[i]) dropped = true
          else if (columnNA[i]) unknown = true
          if (columnName[i] !== null) ones?.add(columnName[i])
        } else if (v !== '0' && v !== '') oddCells.add(`line ${row.line} column ${printable(header[i])}: ${cell(v)}`)
      }
      const list = genreCol >= 0 ? (f[genreCol] ?? '') : ''
      if (ones && list.trim()) {
        const names = listed(list)
        if (names.size !== ones.size || [...names].some((g) => !ones.has(g))) {
          if (disagree.rows++ === 0) disagree.first = row.line
        }
      }
      if (genres.length === 0 && genreCol >= 0 && splitCell(list).some(isNA)) unknown = true
    } else {
      const c = f[genreCol] ?? ''
      if (!c.trim()) return // no genre information: the poster stays unlabelled
      genres = []
      for (const g of splitGenres(c)) {
        if (refused.refuses(g, () => `line ${row.line}`)) dropped = true
        else genres.push(note(g))
      }
      if (genres.length === 0 && splitCell(c).some(isNA)) unknown = true
    }
    if (dropped && genres.length === 0) {
      refused.emptied++
      return
    }
    if (unknown && genres.length === 0) {
      unknownIds.add(id)
      return
    }
    if (sourceCol >= 0 && genres.length > 0) {
      const c = f[sourceCol] ?? ''
      let unknown = sourceCells.get(c)
      if (!unknown) {
        unknown = unknownSources(c)
        if (sourceCells.size < MAX_SHARED_ROWS) sourceCells.set(c, unknown)
      }
      for (const part of unknown) badSources.add(`line ${row.line}: ${cell(part)}`)
    }
    // Two 0/1 columns may name one genre ("Drama", "drama"): one label.
    byId.set(id, row.line, labelRow(oneHot.length > 1 ? onceEach(genres) : genres, sourceCol >= 0 ? (f[sourceCol] ?? '') : null))
  }
  for (const row of sample) take(row)
  sample.length = 0
  for await (const row of rows) take(row)
  await byId.warn(warnings, again)
  oddCells.warn(`${file}: cells that are not 0 or 1 (read as 0)`, warnings)
  badSources.warn(`${file}: ${printable(header[sourceCol] ?? 'Sources')} not known (${SOURCES_KNOWN})`, warnings)
  refused.warn(file, warnings)
  if (disagree.rows > 0) {
    warnings.push(
      `${file}: the ${printable(header[genreCol])} list and the 0/1 genre columns disagree on ${disagree.rows} row(s), first at line ${disagree.first}; the 0/1 columns were used`,
    )
  }
  // A poster listed as N/A on one row and with genres on another: the genres win, and the user hears of it.
  const both = [...unknownIds].filter((id) => byId.out.has(id))
  if (both.length > 0)
    warnings.push(`${file}: ${both.length} id(s) listed both as N/A (genre unknown) and with genres, first ${cell(both[0])}; the genres were used`)
  for (const id of both) unknownIds.delete(id)
  return { labels: byId.out, genreOrder: [...order.values()], meta, unknown: unknownIds }
}
