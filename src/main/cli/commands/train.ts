// posterity train [--library DIR] [--ids FILE] [--kind head|cnn] [--epochs N] [--seed N] [--folds K] [--include-predictions] [--no-titles] [--json]
import { UserError, int, str, type Command } from '../command'
import { withLibrary } from '../library'
import { formatEvaluation, readIdsFile, waitForJob } from '../model-support'
import { coreApi } from '../api'

const help = `Usage: posterity train [--library DIR] [--ids FILE] [--kind head|cnn] [--epochs N] [--seed N] [--folds K] [--include-predictions] [--no-titles] [--json]

Trains a genre model on the posters a person labelled (those listed in FILE, one id a line,
when --ids is given) and prints its figures beside the frequency prior, each with a
bootstrap 95% interval. The head is cross-validated: K folds (default 5) with identical and
near-identical artwork always in one fold; the figures come from the out-of-fold
predictions, F1 with thresholds tuned on the other folds; the model kept is then refit on
all of them, and its predictions average the refit with the K fold models. The head learns
from each poster's features and its title and year (a hashed bag of words), a share of titles
hidden in training so posters without one (files named by id, other sources) predict too. It becomes the active model only when its out-of-fold macro-AP is at least the
active model's on the posters both saw (the run says why or why not; activate another run
with the Train view); the unlabelled posters' predictions are then refreshed.

  --kind head             a multi-label head on cached backbone embeddings (default; embeds what is missing)
  --kind cnn              the original project's CNN trained from pixels (a held-out split, no folds)
  --epochs N              maximum epochs (early stopping may end sooner)
  --seed N                training seed (default 1); the same seed gives the same model
  --folds K               cross-validation folds (default 5, 2-20)
  --include-predictions   also learn from accepted predictions (default: human labels only)
  --no-titles             learn from the posters' images alone (default: their titles and years too,
                          with a share of titles hidden in training so posters without one predict well)
  --json                  the run as JSON on stdout

Progress goes to stderr. Ctrl-C cancels; the previously active model stays active.`

const command: Command = {
  summary: 'train a genre model and activate it',
  help,
  options: {
    ids: { type: 'string' },
    kind: { type: 'string' },
    epochs: { type: 'string' },
    seed: { type: 'string' },
    folds: { type: 'string' },
    'include-predictions': { type: 'boolean' },
    'no-titles': { type: 'boolean' },
    json: { type: 'boolean' },
  },
  async run({ values, libraryDir }) {
    const kind = str(values, 'kind') ?? 'head'
    if (kind !== 'head' && kind !== 'cnn') throw new UserError(`--kind must be head or cnn, got "${kind}"`, 2)
    const idsFile = str(values, 'ids')
    const ids = idsFile ? readIdsFile(idsFile) : undefined
    const epochs = int(values, 'epochs')
    const seed = int(values, 'seed')
    const folds = int(values, 'folds')
    if (folds !== undefined && (folds < 2 || folds > 20)) throw new UserError(`--folds must be between 2 and 20, got ${folds}`, 2)
    const includePredictions = values['include-predictions'] === true
    const titles = values['no-titles'] !== true
    return withLibrary(libraryDir, async (core) => {
      let last = 0
      let runId: number | null = null
      const off = core.events.onAny((name, payload) => {
        const now = Date.now()
        if (name === 'embed.progress') {
          const p = payload as { done: number; total: number; failed: number; provider: string | null }
          if (p.done !== p.total && now - last < 2000) return
          last = now
          process.stderr.write(`embedding ${p.done}/${p.total}${p.failed ? ` (${p.failed} unreadable)` : ''}${p.provider ? ` [${p.provider}]` : ''}\n`)
        } else if (name === 'train.progress') {
          const p = payload as { epoch: number; loss: number; valLoss: number; macroAp: number; backend: string; fold?: number; folds?: number }
          const refit = p.folds !== undefined && p.fold! >= p.folds
          const f = p.folds === undefined ? '' : refit ? 'refit ' : `fold ${p.fold! + 1}/${p.folds} `
          // A refit trains on every poster: it has no held-out posters to show figures of.
          const val = refit ? '(no held-out posters)' : `val loss ${p.valLoss.toFixed(4)}  val macro-AP ${p.macroAp.toFixed(3)}`
          process.stderr.write(`${f}epoch ${p.epoch}: loss ${p.loss.toFixed(4)}  ${val}  [${p.backend}]\n`)
        } else if (name === 'train.finished') runId = (payload as { runId: number | null }).runId
      })
      try {
        const { jobId } = await coreApi(core).model.train({ kind, ids, epochs, seed, folds, includePredictions, titles })
        await waitForJob(core, jobId)
        // An activated run refreshes the unlabelled posters' predictions: let that finish.
        for (const j of core.jobs.list().filter((j) => j.kind === 'predict' && j.status === 'running')) {
          process.stderr.write('refreshing the predictions of unlabelled posters\n')
          await waitForJob(core, j.jobId)
        }
      } finally {
        off()
      }
      if (runId === null) throw new UserError('training ended without a model')
      const run = await coreApi(core).model.run({ id: runId })
      if (values.json) {
        process.stdout.write(`${JSON.stringify(run)}\n`)
        return 0
      }
      process.stdout.write(
        `model run ${run.id} (${run.kind}) trained on ${run.trainSize} posters${run.evaluation.method === 'cross-validation' ? '' : `, validated on ${run.valSize}`}, in ${run.seconds.toFixed(1)} s\n` +
          `training backend: ${run.backend}; onnxruntime execution provider: ${run.provider ?? 'n/a'}\n` +
          `${run.note ?? (run.active ? 'active' : 'not active')}\n\n` +
          formatEvaluation(run.evaluation),
      )
      return 0
    })
  },
}
export default command
