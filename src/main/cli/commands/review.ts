// posterity review --queue suspect|uncertain|accepted [--limit N] [--library DIR] [--json]
import type { ReviewPage } from '../../../shared/api'
import { ReviewQueueName } from '../../../shared/api'
import { int, str, UserError, type Command } from '../command'
import { withLibrary } from '../library'
import { coreApi } from '../api'

const help = `Usage: posterity review --queue suspect|uncertain [--limit N] [--library DIR] [--json]

Lists the posters of a review queue, most suspect (or most uncertain) first:
  suspect     human-labelled posters whose labels disagree with the active run's out-of-fold
              predictions (from the cross-validation heads that never saw the poster; confident
              learning with per-genre thresholds), ranked by how much better a swapped label set
              or one wrong genre explains the labels than the model does, with the suggested fix
  uncertain   unlabelled posters the active model is least sure about (its stored predictions;
              run "posterity predict" or Predict in the app for the others)
  accepted    posters carrying accepted predictions no person confirmed yet, least certain first

  --limit N   at most N posters (default 50)
  --json      an array of {"id", "score", "labels": [...], "suggest": {"add": [...], "remove": [...]}}`

const command: Command = {
  summary: 'ranked posters to review: suspect labels, uncertain predictions',
  help,
  options: { queue: { type: 'string' }, limit: { type: 'string' }, json: { type: 'boolean' } },
  async run({ values, libraryDir }) {
    const q = str(values, 'queue')
    if (q === undefined) throw new UserError('--queue is required: suspect, uncertain or accepted', 2)
    const parsed = ReviewQueueName.safeParse(q)
    if (!parsed.success) throw new UserError(`--queue must be suspect, uncertain or accepted, got "${q}"`, 2)
    const limit = int(values, 'limit', 50)!
    if (limit < 1 || limit > 1000) throw new UserError(`--limit must be between 1 and 1000, got ${limit}`, 2)
    return withLibrary(libraryDir, async (core) => {
      const page = await coreApi(core).review.queue({ queue: parsed.data, offset: 0, limit })
      if (page.state !== 'ready') throw new UserError(page.note ?? `the ${page.queue} queue is not ready`)
      if (page.note) process.stderr.write(`posterity: ${page.note}\n`)
      if (values.json) {
        const out = page.items.map((it) => ({ id: it.id, score: it.score, labels: it.labels.map((l) => l.genre), suggest: it.suggest }))
        process.stdout.write(`${JSON.stringify(out)}\n`)
        return 0
      }
      process.stdout.write(formatPage(page))
      return 0
    }, { readOnly: true })
  },
}
export default command

function formatPage(page: ReviewPage): string {
  if (page.items.length === 0) return `the ${page.queue} queue is empty\n`
  const rows = page.items.map((it, i) => [
    String(i + 1),
    it.id,
    it.score.toFixed(3),
    clip(it.title ?? '', 28),
    it.labels.map((l) => l.genre).join(', ') || '-',
    [...it.suggest.add.map((g) => `+${g}`), ...it.suggest.remove.map((g) => `-${g}`)].join(' ') || '-',
  ])
  const head = ['#', 'id', 'score', 'title', 'labels', 'suggest']
  const width = head.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)))
  const line = (r: string[]) => r.map((v, c) => (c === r.length - 1 ? v : v.padEnd(width[c]))).join('  ')
  const scoreName = { suspect: 'how suspect, in nats (a swapped set or one wrong genre against the model)', uncertain: 'uncertainty, 0-1', accepted: '1 - lowest probability of an accepted genre' }[page.queue]
  return `${page.queue} queue: ${page.items.length} of ${page.total} posters, most ${page.queue === 'uncertain' ? 'uncertain' : 'suspect'} first (score: ${scoreName})\n${[head, ...rows].map(line).join('\n')}\n`
}

const clip = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s)
