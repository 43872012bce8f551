// posterity export --format csv|json [--out FILE]
import { createWriteStream, renameSync, rmSync } from 'node:fs'
import { once } from 'node:events'
import type { Writable } from 'node:stream'
import { UserError, str, type Command } from '../command'
import { coreApi } from '../api'
import { outputFile, withLibrary } from '../library'

const help = `Usage: posterity export --format csv|json [--out FILE] [--library DIR]

Every label keeps its source (imported, user, prediction, nfo); both formats re-import with
import --labels FILE, sources kept.

  --format csv    labels in the Kaggle layout: Id, Genre (a list such as ['Comedy', 'Drama']),
                  Sources ("Comedy:user|Drama:imported"), one 0/1 column per genre. Only
                  labelled posters (a row labels its poster); labelled with no genre is [].
  --format json   an array of {id, title, year, labelled, genres, labels: [{genre, source}]}
                  for every poster
  --out FILE      write to FILE instead of stdout`

async function write(out: Writable, text: string): Promise<void> {
  if (!out.write(text)) await once(out, 'drain')
}

const command: Command = {
  summary: 'export labels with their sources as CSV (Kaggle layout) or JSON',
  help,
  options: { format: { type: 'string' }, out: { type: 'string' } },
  async run({ values, libraryDir }) {
    const format = str(values, 'format')
    if (format !== 'csv' && format !== 'json') throw new UserError('--format must be csv or json', 2)
    const out0 = str(values, 'out')
    const outPath = out0 === undefined ? undefined : outputFile(out0, libraryDir)
    return withLibrary(libraryDir, async (core) => {
      // A file appears whole or not at all: written beside it, then renamed over it.
      const tmp = outPath ? `${outPath}.${process.pid}.tmp` : null
      const out: Writable = tmp ? createWriteStream(tmp) : process.stdout
      if (tmp) await once(out, 'open').catch((err: Error) => Promise.reject(new UserError(`cannot write ${outPath}: ${err.message}`)))
      // Part by part through the contract (library.exportPart), so memory stays flat however large.
      const api = coreApi(core)
      let n = 0
      try {
        let after: string | undefined
        do {
          const part = await api.library.exportPart({ format, after })
          await write(out, part.text)
          n += part.posters
          after = part.next ?? undefined
        } while (after !== undefined)
      } catch (err) {
        if (tmp) {
          out.destroy()
          rmSync(tmp, { force: true })
        }
        throw err
      }
      if (outPath && tmp) {
        out.end()
        await once(out, 'finish')
        renameSync(tmp, outPath)
        process.stderr.write(`exported ${n} poster${n === 1 ? '' : 's'} to ${outPath}\n`)
      }
      return 0
    }, { readOnly: true })
  },
}
export default command
