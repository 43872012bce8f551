// Exporting labels with their provenance, the same for the CLI (streamed to a file) and the
// API (one string). Both formats re-import with `import --labels`, sources kept:
//   csv   Kaggle layout: Id, Genre (['Comedy', 'Drama']), Sources ("Comedy:user|Drama:imported"),
//         one 0/1 column per genre. Only labelled posters (a row labels its poster); a poster
//         labelled with no genre has Genre [] and all zeros. (N/A is not written: on import it
//         means "genre unknown", as in the shared dataset.)
//   json  [{id, title, year, labelled, genres, labels: [{genre, source}]}] for every poster.
import type { ExportFormat, LabelSource } from '../../shared/api'
import { csvField } from '../formats/csv-field'
import type { Db } from './db'
import { genreNames } from './vocabulary'

interface Row {
  id: string
  title: string | null
  year: number | null
  labelled: number
  labels: string | null
}

/** Which posters a part of the export covers: those after `after` (by id), at most `limit`. */
export interface ExportPart {
  after?: string
  limit: number
}

/**
 * Lines of the export (each ends with a newline); `count()` after iterating is the posters
 * written. With `part`, only that part's lines: the parts' lines joined in order are the
 * whole export (the header or `[` in the first, the closing `]` in the last), and `next()`
 * after iterating is where the next part starts (null after the last).
 */
export function exportLabels(db: Db, format: ExportFormat, part?: ExportPart): { lines: Iterable<string>; count: () => number; next: () => string | null } {
  const genres = genreNames(db)
  const first = part?.after === undefined
  // name \x1e source pairs joined by \x1f: control characters genre names cannot hold.
  const all = db
    .prepare(
      `SELECT p.id, p.title, p.year, p.labelled,
         (SELECT group_concat(x.name || char(30) || x.source, char(31)) FROM (SELECT g.name, l.source FROM labels l
           JOIN genres g ON g.id = l.genre_id WHERE l.poster_id = p.id ORDER BY g.position, g.name) x) AS labels
       FROM posters p WHERE p.id > ? ORDER BY p.id${part ? ' LIMIT ?' : ''}`,
    )
    .iterate(...(part ? [part.after ?? '', part.limit + 1] : [''])) as IterableIterator<Row>
  // One row past the part says whether another part follows.
  let next: string | null = null
  let scanned = 0
  let lastId: string | null = null
  function* limited(): Generator<Row> {
    for (const r of all) {
      if (part && scanned === part.limit) {
        next = lastId
        return
      }
      scanned++
      lastId = r.id
      yield r
    }
  }
  const rows = limited()
  let n = 0
  const parse = (s: string | null) => (s ? s.split('\x1f').map((x) => x.split('\x1e') as [string, LabelSource]) : [])
  function* csv(): Generator<string> {
    if (first) yield `${['Id', 'Genre', 'Sources', ...genres].map(csvField).join(',')}\n`
    for (const r of rows) {
      if (!r.labelled) continue
      const labels = parse(r.labels)
      const has = new Set(labels.map(([g]) => g))
      const list = labels.map(([g]) => `'${g.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`).join(', ')
      const sources = labels.map(([g, s]) => `${g}:${s}`).join('|')
      yield `${[csvField(r.id), csvField(`[${list}]`), csvField(sources), ...genres.map((g) => (has.has(g) ? '1' : '0'))].join(',')}\n`
      n++
    }
  }
  function* json(): Generator<string> {
    if (first) yield '['
    for (const r of rows) {
      const labels = parse(r.labels)
      const item = {
        id: r.id,
        title: r.title,
        year: r.year,
        labelled: r.labelled === 1,
        genres: labels.map(([g]) => g),
        labels: labels.map(([genre, source]) => ({ genre, source })),
      }
      yield `${n || !first ? ',' : ''}\n  ${JSON.stringify(item)}`
      n++
    }
    if (next === null) yield n || !first ? '\n]\n' : ']\n'
  }
  return { lines: format === 'csv' ? csv() : json(), count: () => n, next: () => next }
}
