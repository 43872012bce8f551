// review.* handlers: the queues of rank.ts / queues.ts over the open library.
import type { ApiHandlers } from '../../../shared/api'
import type { CoreContext } from '../../context'
import { countQueues, pageOf, rankQueue } from './queues'

export function reviewHandlers(ctx: CoreContext): ApiHandlers['review'] {
  return {
    queue: ({ queue, offset, limit }) => pageOf(ctx.db, queue, rankQueue(ctx.db, queue), offset, limit),
    counts: () => countQueues(ctx.db),
  }
}
