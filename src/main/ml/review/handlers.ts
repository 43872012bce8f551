// review.* handlers: the queues of rank.ts / queues.ts over the open library.
import type { ApiHandlers } from '../../../shared/api'
import type { CoreContext } from '../../context'
import { modelService } from '../service/model-service'
import { peekOutOfFold } from './out-of-fold'
import { countQueues, pageOf, rankQueue, rankSuspectQueue } from './queues'

export function reviewHandlers(ctx: CoreContext): ApiHandlers['review'] {
  return {
    queue: async ({ queue, offset, limit }) => {
      const ranked = await rankQueue(modelService(ctx), queue, new AbortController().signal)
      return pageOf(ctx.db, queue, ranked, offset, limit)
    },
    counts: async () => {
      const svc = modelService(ctx)
      const oof = await peekOutOfFold(svc)
      const suspect = oof ? (await rankSuspectQueue(svc, new AbortController().signal, oof)).items.length : null
      return countQueues(ctx.db, suspect)
    },
  }
}
