// Every long job is start → progress → result, failure or cancel, tracked here by id.
import { randomUUID } from 'node:crypto'
import type { Job, JobStatus } from '../../shared/api'
import { ApiError } from '../../shared/api'

export interface JobContext {
  jobId: string
  signal: AbortSignal
  /** Record progress (shown by `jobs.list`); domain code also emits its own typed event. */
  progress(done: number, total: number, message?: string | null): void
}

interface Entry extends Job {
  controller: AbortController
  promise: Promise<unknown>
}

export class CancelledError extends Error {
  constructor() {
    super('cancelled')
    this.name = 'CancelledError'
  }
}

/** Throws CancelledError when the job was cancelled; call between units of work. */
export function throwIfCancelled(signal: AbortSignal): void {
  if (signal.aborted) throw new CancelledError()
}

/** Finished jobs kept for jobs.list and wait (the oldest go first). */
const KEEP_FINISHED = 200

export class JobRegistry {
  private jobs = new Map<string, Entry>()

  start<R>(
    kind: string,
    run: (ctx: JobContext) => Promise<R>,
    onEnd?: (status: JobStatus, result: R | null, error: string | null) => void,
  ): { jobId: string; promise: Promise<R | null> } {
    const jobId = `${kind}-${randomUUID().slice(0, 8)}`
    const controller = new AbortController()
    const entry: Entry = {
      jobId,
      kind,
      status: 'running',
      done: 0,
      total: 0,
      message: null,
      startedAt: Date.now(),
      controller,
      promise: Promise.resolve(),
    }
    const ctx: JobContext = {
      jobId,
      signal: controller.signal,
      progress(done, total, message = null) {
        entry.done = done
        entry.total = total
        entry.message = message
      },
    }
    const finish = (status: JobStatus, result: R | null, error: string | null): R | null => {
      entry.status = status
      entry.message = error
      onEnd?.(status, result, error)
      return result
    }
    const promise = (async () => {
      // Let the caller receive the job id before the first progress event.
      await new Promise((r) => setImmediate(r))
      return run(ctx)
    })().then(
      (result) => finish(controller.signal.aborted ? 'cancelled' : 'done', result, null),
      (err: unknown) =>
        err instanceof CancelledError || controller.signal.aborted
          ? finish('cancelled', null, null)
          : finish('failed', null, err instanceof Error ? err.message : String(err)),
    )
    entry.promise = promise
    this.jobs.set(jobId, entry)
    this.prune()
    return { jobId, promise }
  }

  /** A long session keeps only its latest finished jobs (51,000 of them made jobs.list 6 MB). */
  private prune(): void {
    let finished = 0
    for (const e of this.jobs.values()) if (e.status !== 'running') finished++
    for (const [id, e] of this.jobs) {
      if (finished <= KEEP_FINISHED) break
      if (e.status === 'running') continue
      this.jobs.delete(id)
      finished--
    }
  }

  list(): Job[] {
    return [...this.jobs.values()].map(({ controller: _c, promise: _p, ...job }) => job)
  }

  cancel(jobId: string): void {
    const entry = this.jobs.get(jobId)
    if (!entry) throw new ApiError('not-found', `no job ${jobId}`)
    entry.controller.abort()
  }

  /** Waits for a job to end (tests and the CLI). */
  wait(jobId: string): Promise<unknown> {
    const entry = this.jobs.get(jobId)
    if (!entry) throw new ApiError('not-found', `no job ${jobId}`)
    return entry.promise
  }

  /** Cancels everything and waits: used when the library closes. */
  async cancelAll(): Promise<void> {
    for (const e of this.jobs.values()) if (e.status === 'running') e.controller.abort()
    await Promise.allSettled([...this.jobs.values()].map((e) => e.promise))
  }
}
