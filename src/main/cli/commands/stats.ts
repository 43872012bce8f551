// posterity stats [--json]
import type { Command } from '../command'
import { coreApi } from '../api'
import { withLibrary } from '../library'

const command: Command = {
  summary: 'poster, label, genre and label-source counts of the library',
  help: `Usage: posterity stats [--library DIR] [--json]

Prints the number of posters, labelled posters, duplicates, posters per genre and labels
per source (imported, user, prediction, nfo).
  --json   {"path", "posters", "labelled", "duplicates", "genres": {"Drama": N, ...},
            "sources": {"imported": N, "user": N, "prediction": N, "nfo": N}}`,
  options: { json: { type: 'boolean' } },
  async run({ values, libraryDir }) {
    return withLibrary(libraryDir, async (core) => {
      const s = await coreApi(core).library.stats({})
      if (values.json) {
        process.stdout.write(`${JSON.stringify(s)}\n`)
        return 0
      }
      const lines = [
        `library:    ${s.path}`,
        `posters:    ${s.posters}`,
        `labelled:   ${s.labelled}`,
        `unlabelled: ${s.posters - s.labelled}`,
        `duplicates: ${s.duplicates} (posters sharing byte-identical artwork)`,
        `labels:     ${Object.entries(s.sources ?? {}).map(([k, n]) => `${n} ${k}`).join(', ')}`,
        'genres:',
        ...Object.entries(s.genres).map(([g, n]) => `  ${g.padEnd(20)} ${String(n).padStart(7)}`),
      ]
      if (Object.keys(s.genres).length === 0) lines.push('  (none yet)')
      process.stdout.write(`${lines.join('\n')}\n`)
      return 0
    }, { readOnly: true })
  },
}
export default command
