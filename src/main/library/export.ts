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

/** Lines of the export (each ends with a newline); `count()` after iterating is the posters written. */
export function exportLabels(db: Db, format: ExportFormat): { lines: Iterable<string>; count: () => number } {
  const genres = genreNames(db)
  // name \x1e source pairs joined by \x1f: control characters genre names cannot hold.
  const rows = db
    .prepare(
      `SELECT p.id, p.title, p.year, p.labelled,
         (SELECT group_concat(x.name || char(30) || x.source, char(31)) FROM (SELECT g.name, l.source FROM labels l
           JOIN genres g ON g.id = l.genre_id WHERE l.poster_id = p.id ORDER BY g.position, g.name) x) AS labels
       FROM posters p ORDER BY p.id`,
    )
    .iterate() as IterableIterator<Row>
  let n = 0
  const parse = (s: string | null) => (s ? s.split('\x1f').map((x) => x.split('\x1e') as [string, LabelSource]) : [])
  function* csv(): Generator<string> {
    yield `${['Id', 'Genre', 'Sources', ...genres].map(csvField).join(',')}\n`
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
    yield '['
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
      yield `${n ? ',' : ''}\n  ${JSON.stringify(item)}`
      n++
    }
    yield n ? '\n]\n' : ']\n'
  }
  return { lines: format === 'csv' ? csv() : json(), count: () => n }
}
