// jobs.* handlers: list and cancel any long job.
import type { ApiHandlers } from '../../shared/api'
import type { CoreContext } from '../context'

export function jobHandlers(ctx: CoreContext): ApiHandlers['jobs'] {
  return {
    list: () => ({ jobs: ctx.jobs.list() }),
    cancel: ({ jobId }) => {
      ctx.jobs.cancel(jobId)
      return { ok: true as const }
    },
  }
}
