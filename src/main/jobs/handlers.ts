// jobs.* handlers: list and cancel any long job (one registry for the core's lifetime,
// whichever library is open).
import type { ApiHandlers } from '../../shared/api'
import type { JobRegistry } from './registry'

export function jobHandlers(jobs: JobRegistry): ApiHandlers['jobs'] {
  return {
    list: () => ({ jobs: jobs.list() }),
    cancel: ({ jobId }) => {
      jobs.cancel(jobId)
      return { ok: true as const }
    },
  }
}
