// posterity duplicates [--library DIR] [--json]
import type { Command } from '../command'
import { withLibrary } from '../library'
import { embedMissing } from '../explore-support'
import { coreApi } from '../api'

const help = `Usage: posterity duplicates [--library DIR] [--json]

Clusters of the same artwork: byte-identical files, and near-identical ones (re-encoded,
resized, slightly cropped or recoloured) by the cosine of their mean-centred embeddings.
Different posters of the same film are not duplicates. Clusters marked distinct in the app
are left out. Posters without a cached embedding are embedded first when the backbone is
installed (progress on stderr).

  --json   {"posters", "embedded", "clusters": [[id, ...], ...]} on stdout, biggest first`

const command: Command = {
  summary: 'clusters of duplicate and near-duplicate posters',
  help,
  options: { json: { type: 'boolean' } },
  async run({ values, libraryDir }) {
    return withLibrary(libraryDir, async (core) => {
      await embedMissing(core)
      const r = await coreApi(core).explore.duplicates({})
      if (values.json) {
        process.stdout.write(`${JSON.stringify({ posters: r.posters, embedded: r.embedded, clusters: r.clusters.map((c) => c.members.map((m) => m.id)) })}\n`)
        return 0
      }
      const lines = [`${r.clusters.length} cluster${r.clusters.length === 1 ? '' : 's'} among ${r.posters} posters (${r.embedded} embedded)`]
      for (const c of r.clusters) {
        lines.push(`  ${c.members.length} posters, similarity >= ${c.minSimilarity.toFixed(3)}:`)
        for (const m of c.members) lines.push(`    ${m.id.padEnd(12)} ${m.width}x${m.height}  ${m.title ?? ''}  [${m.labels.map((l) => l.genre).join(', ')}]`)
      }
      process.stdout.write(`${lines.join('\n')}\n`)
      return 0
    })
  },
}
export default command
