// posterity tag <folder> [--library DIR] [--min-prob P] [--max-genres K] [--dry-run | --write-nfo] [--merge] [--json]
import { relative } from 'node:path'
import { DEFAULT_MAX_GENRES, DEFAULT_MIN_PROBABILITY } from '../../../shared/acceptance'
import type { WriteResult } from '../../../shared/api'
import { UserError, int, probability, type Command } from '../command'
import { withLibrary } from '../library'
import { coreApi } from '../api'

const help = `Usage: posterity tag <folder> [--library DIR] [--min-prob P] [--max-genres K] [--dry-run | --write-nfo] [--merge] [--json]

Tags a movie collection (Kodi / Jellyfin layout: a folder a film or flat folders, posters as
poster.jpg, folder.jpg, cover.jpg or <video>-poster.jpg, metadata in movie.nfo or <video>.nfo)
with the genres the active model proposes from the posters, and prints per film the genres
it would write. Films and their NFO genres are kept in the library (re-running is incremental).

  --min-prob P     write a genre only at or above this probability (default ${DEFAULT_MIN_PROBABILITY}),
                   as well as above its tuned threshold
  --max-genres K   at most K genres a film (default ${DEFAULT_MAX_GENRES})
  --dry-run        write nothing, show what would be written (the default)
  --write-nfo      write the genres into the NFO files: the <genre> elements are replaced and
                   everything else kept byte for byte; films with <lockdata>true</lockdata> are
                   never touched; originals are kept as backups (undo in the Collection view);
                   an NFO is created where a film has none
  --merge          keep the genres an NFO already lists and add the proposed ones (without it
                   they are replaced; the lines say which a write would drop)
  --json           the scan and per-film results as JSON on stdout

Genre names go through the library's genre map (for example Sci-Fi → Science Fiction).
The exit status is 1 when any film failed (a broken NFO, a file that cannot be written),
with the reasons on stderr.`

/** The genres a write drops from the NFO (replace mode), read off its diff. */
function dropped(r: WriteResult): string[] {
  const kept = new Set(r.genres.map((g) => g.toLowerCase()))
  const gone = r.diff.filter((l) => l.startsWith('- ')).flatMap((l) => [...l.matchAll(/<genre>([^<]*)<\/genre>/g)].map((m) => m[1].trim()))
  return gone.filter((g) => g && !kept.has(g.toLowerCase()))
}

function line(r: WriteResult, dryRun: boolean): string {
  switch (r.status) {
    case 'written': {
      const drop = dropped(r)
      const note = drop.length ? `  (${dryRun ? 'would replace' : 'replaced'} ${drop.join(', ')})` : ''
      return dryRun ? r.genres.join(', ') + note : `${r.genres.join(', ')}  (written)${note}`
    }
    case 'created':
      return `${r.genres.join(', ')}  (${dryRun ? 'new NFO' : 'NFO created'})`
    case 'unchanged':
      return `${r.genres.join(', ')}  (unchanged)`
    case 'locked':
      return '(locked)'
    case 'skipped':
      return `(nothing: ${r.reason})`
    case 'failed':
      return `(failed: ${r.reason})`
  }
}

const command: Command = {
  summary: 'propose genres for a movie collection and write them into its NFO files',
  help,
  positionals: true,
  options: {
    'min-prob': { type: 'string' },
    'max-genres': { type: 'string' },
    'dry-run': { type: 'boolean' },
    'write-nfo': { type: 'boolean' },
    merge: { type: 'boolean' },
    json: { type: 'boolean' },
  },
  async run({ values, positionals, libraryDir }) {
    if (positionals.length !== 1) throw new UserError('give exactly one collection folder', 2)
    if (values['dry-run'] && values['write-nfo']) throw new UserError('give either --dry-run or --write-nfo, not both', 2)
    const minProbability = probability(values, 'min-prob') ?? DEFAULT_MIN_PROBABILITY
    const maxGenres = int(values, 'max-genres', DEFAULT_MAX_GENRES)!
    if (maxGenres < 1 || maxGenres > 20) throw new UserError(`--max-genres expects 1 to 20, got ${maxGenres}`, 2)
    const dryRun = !values['write-nfo']
    const root = positionals[0]
    return withLibrary(libraryDir, async (core) => {
      if (!(await coreApi(core).model.runs({})).runs.some((r) => r.active)) throw new UserError('no model is active in this library: train one first (posterity train)')
      const scan = await coreApi(core).collection.scan({ root })
      const res = await coreApi(core).collection.write({
        root: scan.root,
        rule: { minProbability, maxGenres, mode: values.merge ? 'merge' : 'replace' },
        scope: 'all',
        dryRun,
      })
      const failedPaths = new Set(res.results.filter((r) => r.status === 'failed').map((r) => r.path))
      const otherProblems = scan.problems.filter((p) => !failedPaths.has(p.path))
      if (values.json) {
        process.stdout.write(`${JSON.stringify({ scan, dryRun, ...res }, null, 2)}\n`)
      } else {
        if (scan.films === 0) process.stderr.write(`no films found in ${scan.root}: a film is a video file, a DVD or Blu-ray folder, or an NFO (see posterity tag --help)\n`)
        const width = Math.min(60, Math.max(10, ...res.results.map((r) => r.key.length)))
        for (const r of res.results) process.stdout.write(`${r.key.padEnd(width)}  ${line(r, dryRun)}\n`)
        const counts = ['written', 'created', 'unchanged', 'locked', 'skipped', 'failed'].map((s) => [s, res.results.filter((r) => r.status === s).length] as const).filter(([, n]) => n)
        process.stderr.write(
          `${scan.films} films (${scan.added} new, ${scan.changed} changed, ${scan.removed.length} removed) in ${scan.root}; ${dryRun ? 'would write' : 'wrote'}: ${counts.map(([s, n]) => `${n} ${s}`).join(', ') || 'nothing'}${res.writeId ? ` (write-back ${res.writeId}, undoable)` : ''}\n`,
        )
      }
      for (const k of scan.removed) process.stderr.write(`gone since the last scan: ${k}\n`)
      for (const p of otherProblems) process.stderr.write(`${relative(scan.root, p.path) || p.path}: ${p.reason}\n`)
      for (const r of res.results) if (r.status === 'failed') process.stderr.write(`${relative(scan.root, r.path)}: ${r.reason}\n`)
      return res.failed > 0 ? 1 : 0
    })
  },
}
export default command
