// posterity export --format csv|json [--out FILE]
import { createWriteStream } from 'node:fs'
import { once } from 'node:events'
import type { Writable } from 'node:stream'
import { csvField } from '../../importer/csv'
import { genreNames } from '../../library/vocabulary'
import { UserError, str, type Command } from '../command'
import { withLibrary } from '../library'

const help = `Usage: posterity export --format csv|json [--out FILE] [--library DIR]

  --format csv    labels in the Kaggle layout, re-importable with import --labels:
                  Id, Genre (a list such as ['Comedy', 'Drama']), one 0/1 column per genre
                  and an N/A column for posters labelled with no genre. Unlabelled posters
                  are left out (a row would label them).
  --format json   an array of {id, title, year, labelled, genres} for every poster
  --out FILE      write to FILE instead of stdout`

interface Row {
  id: string
  title: string | null
  year: number | null
  labelled: number
  genres: string | null
}

async function write(out: Writable, text: string): Promise<void> {
  if (!out.write(text)) await once(out, 'drain')
}

const command: Command = {
  summary: 'export labels as CSV (Kaggle layout) or posters as JSON',
  help,
  options: { format: { type: 'string' }, out: { type: 'string' } },
  async run({ values, libraryDir }) {
    const format = str(values, 'format')
    if (format !== 'csv' && format !== 'json') throw new UserError('--format must be csv or json', 2)
    const outPath = str(values, 'out')
    return withLibrary(libraryDir, async (core) => {
      const genres = genreNames(core.db)
      // Genre names joined by a control character that names cannot contain.
      const rows = core.db
        .prepare(
          `SELECT p.id, p.title, p.year, p.labelled,
             (SELECT group_concat(g.name, char(31)) FROM (SELECT g.name FROM labels l JOIN genres g ON g.id = l.genre_id
               WHERE l.poster_id = p.id ORDER BY g.position, g.name) g) AS genres
           FROM posters p ORDER BY p.id`,
        )
        .iterate() as IterableIterator<Row>
      const out: Writable = outPath ? createWriteStream(outPath) : process.stdout
      if (outPath) await once(out, 'open').catch((err: Error) => Promise.reject(new UserError(`cannot write ${outPath}: ${err.message}`)))
      let n = 0
      if (format === 'csv') {
        await write(out, `${['Id', 'Genre', ...genres, 'N/A'].map(csvField).join(',')}\n`)
        for (const r of rows) {
          if (!r.labelled) continue
          const has = new Set(r.genres ? r.genres.split('\x1f') : [])
          const list = has.size ? [...has].map((g) => `'${g.replace(/'/g, "\\'")}'`).join(', ') : "'N/A'"
          const cells = [csvField(r.id), csvField(`[${list}]`), ...genres.map((g) => (has.has(g) ? '1' : '0')), has.size ? '0' : '1']
          await write(out, `${cells.join(',')}\n`)
          n++
        }
      } else {
        await write(out, '[')
        for (const r of rows) {
          const item = { id: r.id, title: r.title, year: r.year, labelled: r.labelled === 1, genres: r.genres ? r.genres.split('\x1f') : [] }
          await write(out, `${n ? ',' : ''}\n  ${JSON.stringify(item)}`)
          n++
        }
        await write(out, n ? '\n]\n' : ']\n')
      }
      if (outPath) {
        out.end()
        await once(out, 'finish')
        process.stderr.write(`exported ${n} poster${n === 1 ? '' : 's'} to ${outPath}\n`)
      }
      return 0
    })
  },
}
export default command
