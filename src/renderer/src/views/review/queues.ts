// The review queues as the view names them, and how a queue's size reads (the picker and the
// "queue done" state both show them).
import type { ReviewCounts, ReviewQueueName } from '../../../../shared/api'

export const QUEUES: readonly { name: ReviewQueueName; label: string; about: string }[] = [
  { name: 'suspect', label: 'Suspect labels', about: 'Human labels that a model which never saw the poster disagrees with, most suspect first.' },
  { name: 'uncertain', label: 'Uncertain', about: 'Unlabelled posters the model is least sure about, most undecided first: the predictions most worth a look.' },
  { name: 'accepted', label: 'Accepted predictions', about: 'Genres accepted from the model that no person has confirmed yet, least certain first.' },
]

/** A queue's size: '…' before the counts came, '–' where there is nothing to count (no model, or no out-of-fold predictions). */
export function countText(c: ReviewCounts | null, q: ReviewQueueName): string {
  if (!c) return '…'
  const n = c[q]
  return n === null || (c.runId === null && q !== 'accepted') ? '–' : n.toLocaleString()
}
