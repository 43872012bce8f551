// review.* handlers: the queues of rank.ts / queues.ts over the open library.
import type { ApiHandlers } from '../../../shared/api'
import type { CoreContext } from '../../context'
import { countQueues, pageOf, rankQueue } from './queues'

export function reviewHandlers(ctx: CoreContext): ApiHandlers['review'] {
  // The cross-validated run after a quick first model trains as a 'train' job of this process.
  const training = () => ctx.jobs.list().some((j) => j.kind === 'train' && j.status === 'running')
  return {
    queue: ({ queue, offset, limit }) => pageOf(ctx.db, queue, rankQueue(ctx.db, queue, training()), offset, limit),
    counts: () => countQueues(ctx.db, training()),
  }
}
