// posterity eval [--library DIR] [--ids FILE] [--json]
import type { ModelEvaluation } from '../../../shared/api'
import { str, type Command } from '../command'
import { withLibrary } from '../library'
import { call, formatEvaluation, readIdsFile } from '../../ml/cli-support'

const help = `Usage: posterity eval [--library DIR] [--ids FILE] [--json]

Evaluates the active model on the labelled posters listed in FILE (one id a line), or on
its validation split without --ids: macro- and micro-AP, macro/micro F1 with the thresholds
tuned on validation, hit@1 and hit@3, per-genre AP / F1 / threshold / support, each beside
the frequency-prior baseline. Genres with fewer than 5 positives are listed apart.

  --json   the evaluation as JSON on stdout`

const command: Command = {
  summary: 'evaluate the active model',
  help,
  options: { ids: { type: 'string' }, json: { type: 'boolean' } },
  async run({ values, libraryDir }) {
    const idsFile = str(values, 'ids')
    const ids = idsFile ? readIdsFile(idsFile) : undefined
    return withLibrary(libraryDir, async (core) => {
      const ev = await call<ModelEvaluation>(core, 'model.evaluate', { ids })
      process.stdout.write(values.json ? `${JSON.stringify(ev)}\n` : formatEvaluation(ev))
      return 0
    })
  },
}
export default command
