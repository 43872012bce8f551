// posterity similar <id> [--k N] [--library DIR] [--json]
import { PosterId } from '../../../shared/api'
import { UserError, int, type Command } from '../command'
import { withLibrary } from '../library'
import { embedMissing } from '../explore-support'
import { coreApi } from '../api'

const help = `Usage: posterity similar <id> [--k N] [--library DIR] [--json]

The posters most similar to poster <id> by embedding, nearest first, each with its cosine
similarity (of mean-centred embeddings: 1 is the same artwork, around 0 unrelated).
Posters without a cached embedding are embedded first when the backbone is installed
(progress on stderr).

  --k N    how many neighbours (default 10, at most 500)
  --json   {"id", "posters", "embedded", "neighbours": [{"id", "title", "similarity"}]} on stdout`

const command: Command = {
  summary: 'the posters most similar to one poster',
  help,
  options: { k: { type: 'string' }, json: { type: 'boolean' } },
  positionals: true,
  async run({ values, positionals, libraryDir }) {
    if (positionals.length !== 1) throw new UserError(`similar takes one poster id, got ${positionals.length}`, 2)
    if (!PosterId.safeParse(positionals[0]).success) throw new UserError(`${JSON.stringify(positionals[0])} is not a poster id (letters, digits and . _ : -)`, 2)
    const k = int(values, 'k', 10)!
    if (k < 1 || k > 500) throw new UserError(`--k must be between 1 and 500, got ${k}`, 2)
    return withLibrary(libraryDir, async (core) => {
      // A mistyped id fails at once, not after embedding every poster of the library.
      await coreApi(core).library.get({ id: positionals[0] })
      await embedMissing(core)
      const r = await coreApi(core).explore.similar({ id: positionals[0], k, embed: true })
      if (values.json) process.stdout.write(`${JSON.stringify(r)}\n`)
      else {
        const lines = [`nearest to ${r.id} among ${r.embedded} embedded posters (of ${r.posters}):`, '  similarity  id            title']
        for (const n of r.neighbours) lines.push(`  ${n.similarity.toFixed(3).padStart(10)}  ${n.id.padEnd(12)}  ${n.title ?? ''}`)
        process.stdout.write(`${lines.join('\n')}\n`)
      }
      return 0
    })
  },
}
export default command
