// Poster queries for the grid: one WHERE built from the filter, plain indexed SQL, and the
// genres of just the page's posters fetched in a second query. Measured in bench/query.ts.
import { ApiError, type LabelSource, type LibraryStats, type ParsedPosterFilter, type PosterDetail, type PosterSort, type PosterSummary } from '../../shared/api'
import { SOURCE_BIT, type Db } from './db'
import type { Statement } from 'better-sqlite3'
import { fold } from './text'

/** The contract's filter; `predicted` is applied by the model's query layer (ml/review/predicted-query.ts). */
export type Filter = Omit<ParsedPosterFilter, 'predicted'>
export type Sort = PosterSort

// Each ORDER BY ends with id so pages are stable, and matches one of the covering posters_by_*
// indexes of db.ts term for term (so SQLite walks the index instead of sorting).
/** The index each sort walks: named, because SQLite would otherwise pick the primary key's
 *  (non-covering) index for `id` and seek into the table for every row it filters. */
const INDEX: Record<Sort, [asc: string, desc: string]> = {
  title: ['posters_by_title', 'posters_by_title'],
  year: ['posters_by_year', 'posters_by_year_desc'],
  added: ['posters_by_added', 'posters_by_added'],
  id: ['posters_by_id', 'posters_by_id'],
}

const ORDER: Record<Sort, [asc: string, desc: string]> = {
  // sort_key: folded, natural, punctuation-blind (library/text.ts).
  title: ['p.sort_key, p.id', 'p.sort_key DESC, p.id DESC'],
  // Posters without a year come last either way.
  year: ['p.year IS NULL, p.year, p.id', 'p.year IS NULL, p.year DESC, p.id DESC'],
  added: ['p.added_at, p.id', 'p.added_at DESC, p.id DESC'],
  id: ['p.id', 'p.id DESC'],
}

const cache = new WeakMap<Db, Map<string, Statement>>()
/** Prepared statements by SQL text: the filter shapes are few, the calls many. */
export function prepared(db: Db, sql: string): Statement {
  let m = cache.get(db)
  if (!m) cache.set(db, (m = new Map()))
  let s = m.get(sql)
  if (!s) {
    if (m.size > 200) m.clear()
    m.set(sql, (s = db.prepare(sql)))
  }
  return s
}

/** The WHERE clause and its parameters; `null` when the filter cannot match anything. */
export function whereOf(db: Db, f: Filter): { sql: string; params: unknown[]; indexedSearch?: boolean } | null {
  const parts: string[] = []
  const params: unknown[] = []
  if (f.genres && f.genres.length > 0) {
    const lookup = prepared(db, 'SELECT id, slot FROM genres WHERE name = ?')
    let mask = 0n
    const slotless: number[] = [] // genres beyond the 63 mask bits: tested through labels
    let known = 0
    for (const name of new Set(f.genres.map((g) => g.trim().toLowerCase()))) {
      const g = lookup.get(name) as { id: number; slot: number | null } | undefined
      if (!g) {
        if (f.match === 'all') return null // an unknown genre: no poster has it
        continue
      }
      known++
      if (g.slot === null) slotless.push(g.id)
      else mask |= 1n << BigInt(g.slot)
    }
    if (known === 0 && f.match === 'any') return null
    // Masks and ids come from the database as integers: safe to inline (and the plan sees constants).
    const m = mask.toString()
    const sub = (ids: number[]) => `SELECT poster_id FROM labels WHERE genre_id IN (${ids.join(',')})`
    if (f.match === 'any') {
      const terms = []
      if (mask) terms.push(`(p.genre_mask & ${m}) <> 0`)
      if (slotless.length) terms.push(`p.id IN (${sub(slotless)})`)
      parts.push(`(${terms.join(' OR ')})`)
    } else if (f.match === 'none') {
      if (mask) parts.push(`(p.genre_mask & ${m}) = 0`)
      if (slotless.length) parts.push(`p.id NOT IN (${sub(slotless)})`)
    } else {
      if (mask) parts.push(`(p.genre_mask & ${m}) = ${m}`)
      for (const id of slotless) parts.push(`p.id IN (${sub([id])})`)
    }
  }
  if (f.labelled !== 'all') parts.push(`p.labelled = ${f.labelled === 'labelled' ? 1 : 0}`)
  if (f.duplicatesOnly) parts.push('p.dup = 1')
  if (f.sources && f.sources.length > 0) {
    // Bits from a fixed table (sources are validated by the contract): safe to inline.
    const bits = f.sources.reduce((m, s) => m | SOURCE_BIT[s], 0)
    parts.push(`(p.source_mask & ${bits}) <> 0`)
  }
  // The substring test last: the integer tests above reject most rows more cheaply.
  // search_key is the folded title and the id (case, accents and extra spaces ignored); both
  // sides are folded already, so a plain substring test (instr) does it, cheaper than LIKE.
  const search = f.search ? fold(f.search) : ''
  if (search.length >= 3) {
    // 3+ characters: the trigram index finds the rows (a quoted phrase = a substring).
    parts.push(`p.rowid IN (SELECT rowid FROM posters_fts WHERE posters_fts MATCH ?)`)
    params.push(`"${search.replace(/"/g, '""')}"`)
  } else if (search) {
    parts.push(`instr(p.search_key, ?) > 0`)
    params.push(search)
  }
  return { sql: parts.length ? `WHERE ${parts.join(' AND ')}` : '', params, indexedSearch: search.length >= 3 }
}

interface Row {
  id: string
  title: string | null
  year: number | null
  labelled: number
  dup: number
  width: number
  height: number
}

/** Genre names of the given posters with each label's source, in vocabulary order. */
export function genresOf(db: Db, ids: string[]): Map<string, { names: string[]; sources: LabelSource[] }> {
  const out = new Map(ids.map((id) => [id, { names: [] as string[], sources: [] as LabelSource[] }]))
  if (ids.length === 0) return out
  const rows = prepared(
    db,
    `SELECT l.poster_id AS id, g.name, l.source FROM labels l JOIN genres g ON g.id = l.genre_id
     WHERE l.poster_id IN (SELECT value FROM json_each(?)) ORDER BY g.position, g.name`,
  ).all(JSON.stringify(ids)) as { id: string; name: string; source: LabelSource }[]
  for (const r of rows) {
    const o = out.get(r.id)
    o?.names.push(r.name)
    o?.sources.push(r.source)
  }
  return out
}

/** Under this many matches of an indexed search, fetching them by rowid and sorting beats walking a sort index. */
const FEW = 3000

/** How the page query reads posters: walking the sort's covering index, or (few search hits) by rowid. */
function access(f: { sort: Sort; desc: boolean }, where: { indexedSearch?: boolean }, total: number): string {
  // NOT INDEXED still looks rows up by rowid: the trigram index's hits, then one small sort.
  return where.indexedSearch && total <= FEW ? 'NOT INDEXED' : `INDEXED BY ${INDEX[f.sort][f.desc ? 1 : 0]}`
}

export function queryPosters(
  db: Db,
  f: Filter & { sort: Sort; desc: boolean; offset: number; limit: number },
): { total: number; offset: number; items: PosterSummary[] } {
  const where = whereOf(db, f)
  if (!where) return { total: 0, offset: f.offset, items: [] }
  const total = prepared(db, `SELECT COUNT(*) FROM posters p ${where.sql}`).pluck().get(...where.params) as number
  const rows = prepared(
    db,
    `SELECT p.id, p.title, p.year, p.labelled, p.dup, p.width, p.height
     FROM posters p ${access(f, where, total)} ${where.sql}
     ORDER BY ${ORDER[f.sort][f.desc ? 1 : 0]} LIMIT ? OFFSET ?`,
  ).all(...where.params, f.limit, f.offset) as Row[]
  return { total, offset: f.offset, items: summarize(db, rows) }
}

function summarize(db: Db, rows: Row[]): PosterSummary[] {
  const genres = genresOf(
    db,
    rows.map((r) => r.id),
  )
  return rows.map((r) => ({
    id: r.id,
    title: r.title,
    year: r.year,
    labelled: r.labelled === 1,
    genres: genres.get(r.id)?.names ?? [],
    sources: genres.get(r.id)?.sources ?? [],
    duplicate: r.dup === 1,
    width: r.width,
    height: r.height,
  }))
}

/** Summaries of these posters in this order (orders computed outside the library: predictions). */
export function summariesOf(db: Db, ids: string[]): PosterSummary[] {
  const rows = prepared(db, 'SELECT p.id, p.title, p.year, p.labelled, p.dup, p.width, p.height FROM posters p WHERE p.id IN (SELECT value FROM json_each(?))').all(
    JSON.stringify(ids),
  ) as Row[]
  const byId = new Map(rows.map((r) => [r.id, r]))
  return summarize(
    db,
    ids.flatMap((id) => byId.get(id) ?? []),
  )
}

export function queryIds(db: Db, f: Filter & { sort: Sort; desc: boolean }): string[] {
  const where = whereOf(db, f)
  if (!where) return []
  const total = where.indexedSearch ? (prepared(db, `SELECT COUNT(*) FROM posters p ${where.sql}`).pluck().get(...where.params) as number) : Infinity
  return prepared(db, `SELECT p.id FROM posters p ${access(f, where, total)} ${where.sql} ORDER BY ${ORDER[f.sort][f.desc ? 1 : 0]}`)
    .pluck()
    .all(...where.params) as string[]
}

export function getPoster(db: Db, id: string): PosterDetail {
  const r = prepared(db, 'SELECT * FROM posters WHERE id = ?').get(id) as
    | (Row & { path: string; size: number; hash: string; added_at: number })
    | undefined
  if (!r) throw new ApiError('not-found', `no poster "${id}"`)
  const labels = prepared(
    db,
    `SELECT g.name AS genre, l.source FROM labels l JOIN genres g ON g.id = l.genre_id
     WHERE l.poster_id = ? ORDER BY g.position, g.name`,
  ).all(id) as PosterDetail['labels']
  const duplicates = prepared(db, 'SELECT id FROM posters WHERE hash = ? AND id <> ? ORDER BY id')
    .pluck()
    .all(r.hash, id) as string[]
  return {
    id: r.id,
    title: r.title,
    year: r.year,
    labelled: r.labelled === 1,
    genres: labels.map((l) => l.genre),
    sources: labels.map((l) => l.source),
    duplicate: duplicates.length > 0,
    width: r.width,
    height: r.height,
    path: r.path,
    size: r.size,
    hash: r.hash,
    addedAt: r.added_at,
    labels,
    duplicates,
  }
}

export function libraryStats(db: Db, path: string): LibraryStats {
  const s = prepared(db, 'SELECT COUNT(*) AS posters, COALESCE(SUM(labelled), 0) AS labelled, COALESCE(SUM(dup), 0) AS duplicates FROM posters').get() as {
    posters: number
    labelled: number
    duplicates: number
  }
  const genres: Record<string, number> = Object.create(null) // a genre may be named "__proto__"
  for (const g of prepared(
    db,
    'SELECT g.name, (SELECT COUNT(*) FROM labels l WHERE l.genre_id = g.id) AS n FROM genres g ORDER BY g.position, g.name',
  ).all() as { name: string; n: number }[])
    genres[g.name] = g.n
  const sources: Record<string, number> = { imported: 0, user: 0, prediction: 0, nfo: 0 }
  for (const r of prepared(db, 'SELECT source, COUNT(*) AS n FROM labels GROUP BY source').all() as { source: string; n: number }[]) sources[r.source] = r.n
  return { path, ...s, genres, sources }
}

/** Recomputes the duplicate flag (same content hash as another poster) for the whole library. */
export function refreshDuplicates(db: Db): void {
  db.exec(`
    UPDATE posters SET dup = 1 WHERE dup = 0 AND hash IN (SELECT hash FROM posters GROUP BY hash HAVING COUNT(*) > 1);
    UPDATE posters SET dup = 0 WHERE dup = 1 AND hash NOT IN (SELECT hash FROM posters GROUP BY hash HAVING COUNT(*) > 1);
  `)
}

/** The duplicate flag again for the posters sharing these hashes (after some were deleted or restored). */
export function refreshDuplicatesOf(db: Db, hashes: string[]): void {
  db.prepare(
    `UPDATE posters SET dup = NOT dup
     WHERE hash IN (SELECT value FROM json_each(?)) AND dup <> ((SELECT COUNT(*) FROM posters q WHERE q.hash = posters.hash) > 1)`,
  ).run(JSON.stringify(hashes))
}
