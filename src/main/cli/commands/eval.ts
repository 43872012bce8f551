// posterity eval [--library DIR] [--ids FILE] [--json]
import { str, type Command } from '../command'
import { withLibrary } from '../library'
import { formatEvaluation, readIdsFile } from '../model-support'
import { coreApi } from '../api'

const help = `Usage: posterity eval [--library DIR] [--ids FILE] [--json]

Evaluates the active model on the posters listed in FILE (one id a line) that a person
labelled (accepted predictions are never scored against), leaving out - with a warning on
stderr - the ones the model was trained on. Without --ids: the run's own figures
(out-of-fold predictions of its cross-validation, 95% bootstrap intervals). Macro- and
micro-AP, macro/micro F1 with the run's thresholds, hit@1 and hit@3, per-genre AP / F1 /
threshold / support, each beside the frequency-prior baseline. Genres with fewer than 5
positives are listed apart.

  --json   the evaluation as JSON on stdout`

const command: Command = {
  summary: 'evaluate the active model',
  help,
  options: { ids: { type: 'string' }, json: { type: 'boolean' } },
  async run({ values, libraryDir }) {
    const idsFile = str(values, 'ids')
    const ids = idsFile ? readIdsFile(idsFile) : undefined
    return withLibrary(libraryDir, async (core) => {
      const ev = await coreApi(core).model.evaluate({ ids })
      if (ev.excludedTrained || ev.excludedCopies) {
        const copies = ev.excludedCopies ? `${ev.excludedTrained ? ' and ' : ''}${ev.excludedCopies} ${ev.excludedCopies === 1 ? 'is a byte-identical copy' : 'are byte-identical copies'} of posters that were` : ''
        const trained = ev.excludedTrained ? `${ev.excludedTrained} of the listed posters were in the active model's training data` : 'of the listed posters,'
        process.stderr.write(`posterity eval: warning: ${trained}${copies}; scoring only the other ${ev.posters}\n`)
      }
      if (ev.notScored)
        process.stderr.write(`posterity eval: warning: ${ev.notScored} listed id${ev.notScored === 1 ? ' is' : 's are'} not a poster labelled by a person (unknown, unlabelled or with accepted predictions only): not scored\n`)
      process.stdout.write(values.json ? `${JSON.stringify(ev)}\n` : formatEvaluation(ev))
      return 0
    })
  },
}
export default command
