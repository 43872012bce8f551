// posterity accept [--ids FILE] [--min-prob P] [--max-genres K] [--dry-run] [--library DIR]
import { DEFAULT_MAX_GENRES, DEFAULT_MIN_PROBABILITY } from '../../../shared/acceptance'
import { UserError, int, probability, str, type Command } from '../command'
import { withLibrary } from '../library'
import { readIdsFile, waitForJob } from '../model-support'
import { coreApi } from '../api'

const help = `Usage: posterity accept [--ids FILE] [--min-prob P] [--max-genres K] [--dry-run] [--library DIR]

Turns the active model's predictions into labels (source "prediction", one undoable edit)
for the posters listed in FILE (one id a line), or for every unlabelled poster without --ids.
A poster gains at most K genres, highest probability first, each at or above its genre's
tuned threshold and at or above P. A poster with nothing to accept is skipped and stays as
it was (a prediction never makes a poster "no genre"). Posters not predicted yet are
predicted first. Prints what changed: how many posters gain which genres, how many were
skipped, and each changed poster with the genres it gains.

  --min-prob P     minimum probability, 0-1 (default ${DEFAULT_MIN_PROBABILITY})
  --max-genres K   at most K genres a poster (default ${DEFAULT_MAX_GENRES}: IMDb lists at most 3)
  --dry-run        print what would change and write nothing`

/** The first few of a list of ids, for one line. */
const sample = (ids: string[]) => `${ids.slice(0, 5).join(', ')}${ids.length > 5 ? `, … (${ids.length - 5} more)` : ''}`

const command: Command = {
  summary: "accept the active model's predictions as labels (undoable)",
  help,
  options: { ids: { type: 'string' }, 'min-prob': { type: 'string' }, 'max-genres': { type: 'string' }, 'dry-run': { type: 'boolean' } },
  async run({ values, libraryDir }) {
    const idsFile = str(values, 'ids')
    const ids = idsFile ? readIdsFile(idsFile) : undefined
    const minProbability = probability(values, 'min-prob')
    const maxGenres = int(values, 'max-genres')
    if (maxGenres !== undefined && (maxGenres < 1 || maxGenres > 50)) throw new UserError(`--max-genres must be between 1 and 50, got ${maxGenres}`, 2)
    const dryRun = values['dry-run'] === true
    return withLibrary(libraryDir, async (core) => {
      const args = { ids, minProbability, maxGenres, dryRun, sample: 200_000 }
      let r = await coreApi(core).model.accept(args)
      // Listed ids that name no poster of this library (a typo, another library's list) are
      // among the unpredicted: named apart, never "predicted first".
      let unknown = new Set<string>()
      if (ids && r.unpredicted.length) {
        const known = new Set((await coreApi(core).library.ids({})).ids)
        unknown = new Set(ids.filter((id) => !known.has(id)))
        if (unknown.size === ids.length) {
          throw new UserError(`${ids.length === 1 ? 'the listed id is not a poster' : `none of the ${ids.length} listed ids is a poster`} of this library: ${sample([...unknown])}`)
        }
        if (unknown.size) process.stderr.write(`posterity accept: warning: ${unknown.size} listed id${unknown.size === 1 ? ' is' : 's are'} not a poster of this library, left out: ${sample([...unknown])}\n`)
      }
      const unscored = r.unpredicted.filter((id) => !unknown.has(id))
      if (unscored.length) {
        // Posters the active model has not scored yet (new, or never predicted): predict them now.
        const n = unscored.length
        process.stderr.write(`${n} ${ids ? 'listed ' : ''}poster${n === 1 ? ' has' : 's have'} no prediction of the active model yet: predicting ${n === 1 ? 'it' : 'them'} first\n`)
        const { jobId } = await coreApi(core).model.predict({ scope: 'selection', ids: unscored })
        await waitForJob(core, jobId)
        r = await coreApi(core).model.accept(args)
      }
      const notPredicted = r.unpredicted.filter((id) => !unknown.has(id))
      const missing = notPredicted.length
      const pl = (n: number, w = 'poster') => `${n.toLocaleString('en-US')} ${w}${n === 1 ? '' : 's'}`
      const lines = [
        `${dryRun ? 'dry run, nothing written: would accept' : 'accepted'} predictions of model run ${r.runId} ` +
          `(at most ${maxGenres ?? DEFAULT_MAX_GENRES} genres a poster, each >= ${minProbability ?? DEFAULT_MIN_PROBABILITY} and its threshold)`,
        `${pl(r.changed.length)} ${dryRun ? 'would gain' : 'gained'} genres; ${pl(r.skipped)} skipped (nothing to accept: left as they were)` +
          (missing ? `; ${pl(missing)} could not be predicted: ${sample(notPredicted)}` : '') +
          (unknown.size ? `; ${pl(unknown.size, 'listed id')} not in this library` : ''),
      ]
      if (r.gains.length) lines.push('genres gained:', ...r.gains.map((g) => `  ${g.genre.padEnd(20)} ${String(g.posters).padStart(7)}`))
      if (r.sample.length) {
        lines.push('posters:', ...r.sample.map((s) => `  ${s.id}  + ${s.add.join(', ')}`))
        if (r.changed.length > r.sample.length) lines.push(`  … and ${pl(r.changed.length - r.sample.length)} more`)
      }
      if (!dryRun && r.changed.length) lines.push(`undo: ${r.history.undoLabel ?? ''} (Undo in the app)`)
      process.stdout.write(`${lines.join('\n')}\n`)
      return 0
    })
  },
}
export default command
