// posterity train [--library DIR] [--ids FILE] [--kind head|cnn] [--epochs N] [--seed N] [--json]
import type { RunDetail } from '../../../shared/api'
import { UserError, int, str, type Command } from '../command'
import { withLibrary } from '../library'
import { call, formatEvaluation, readIdsFile, waitForJob } from '../../ml/cli-support'

const help = `Usage: posterity train [--library DIR] [--ids FILE] [--kind head|cnn] [--epochs N] [--seed N] [--json]

Trains a genre model on the labelled posters (those listed in FILE, one id a line, when
--ids is given), activates it and prints its evaluation on the validation split (a seeded
20% of the posters, identical artwork kept on one side) beside the frequency prior.

  --kind head   a multi-label head on cached backbone embeddings (default; embeds what is missing)
  --kind cnn    the original project's CNN trained from pixels (slow without a GPU backend)
  --epochs N    maximum epochs (early stopping may end sooner)
  --seed N      training seed (default 1); the same seed gives the same model
  --json        the run as JSON on stdout

Progress goes to stderr. Ctrl-C cancels; the previously active model stays active.`

const command: Command = {
  summary: 'train a genre model and activate it',
  help,
  options: { ids: { type: 'string' }, kind: { type: 'string' }, epochs: { type: 'string' }, seed: { type: 'string' }, json: { type: 'boolean' } },
  async run({ values, libraryDir }) {
    const kind = str(values, 'kind') ?? 'head'
    if (kind !== 'head' && kind !== 'cnn') throw new UserError(`--kind must be head or cnn, got "${kind}"`, 2)
    const idsFile = str(values, 'ids')
    const ids = idsFile ? readIdsFile(idsFile) : undefined
    const epochs = int(values, 'epochs')
    const seed = int(values, 'seed')
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
          const p = payload as { epoch: number; loss: number; valLoss: number; macroAp: number; backend: string }
          process.stderr.write(`epoch ${p.epoch}: loss ${p.loss.toFixed(4)}  val loss ${p.valLoss.toFixed(4)}  val macro-AP ${p.macroAp.toFixed(3)}  [${p.backend}]\n`)
        } else if (name === 'train.finished') runId = (payload as { runId: number | null }).runId
      })
      try {
        const { jobId } = await call<{ jobId: string }>(core, 'model.train', { kind, ids, epochs, seed })
        await waitForJob(core, jobId)
      } finally {
        off()
      }
      if (runId === null) throw new UserError('training ended without a model')
      const run = await call<RunDetail>(core, 'model.run', { id: runId })
      if (values.json) {
        process.stdout.write(`${JSON.stringify(run)}\n`)
        return 0
      }
      process.stdout.write(
        `model run ${run.id} (${run.kind}) trained on ${run.trainSize} posters, validated on ${run.valSize}, in ${run.seconds.toFixed(1)} s\n` +
          `TensorFlow.js backend: ${run.backend}; onnxruntime execution provider: ${run.provider ?? 'n/a'}; active: yes\n\n` +
          formatEvaluation(run.evaluation),
      )
      return 0
    })
  },
}
export default command
