// imports.* handlers: an import is a job (progress, cancel) whose end is the `import.finished`
// event; and crash recovery of imports a previous process left unfinished.
import { ApiError, newGenreNameProblem, type ApiHandlers, type ImportRequest, type ImportResult } from '../../shared/api'
import type { CoreContext } from '../context'
import { runImport, type ImportHooks, type ImportTuning } from './run'
import type { DecodedSink } from '../decoded-sink'
import type { JobContext } from '../jobs/registry'
import { recoverInterrupted } from './store'
import { storageProblem } from '../library/storage'
import { applyingChange } from '../library/bulk'
import { readTables } from './tables'
import { genreByName } from '../library/vocabulary'

export function recoverInterruptedImports(ctx: CoreContext): void {
  const r = recoverInterrupted(ctx.db, ctx.dir)
  if (r.imports > 0) {
    const kept = r.kept ? `; kept ${r.kept} poster(s) edited meanwhile` : ''
    process.stderr.write(`posterity: rolled back ${r.imports} interrupted import(s), removing ${r.posters} half-imported poster(s)${kept}\n`)
  }
}

const refuseSecond = (ctx: CoreContext) => {
  if (ctx.jobs.list().some((j) => j.kind === 'import' && j.status === 'running')) {
    throw new ApiError('conflict', 'an import is already running in this library; wait for it or cancel it')
  }
  // A big edit, merge or deletion being applied in slices would see posters change under it.
  if (applyingChange(ctx.db)) throw new ApiError('conflict', 'a bulk change is being applied in this library; start the import when it has finished')
}

/** Starts an import job; label and metadata files are read first, so a bad one fails the call itself. */
export async function startImport(
  ctx: CoreContext,
  request: ImportRequest,
  tuning: ImportTuning = {},
): Promise<{ jobId: string; promise: Promise<ImportResult | null> }> {
  refuseSecond(ctx)
  // A genre the library cannot create (a cell "Title") is skipped where it appears, not fatal.
  const tables = await readTables(request.labels, request.metadata, (g) => (genreByName(ctx.db, g) ? null : newGenreNameProblem(g)))
  refuseSecond(ctx) // another import may have started while the files were read
  let lastChanged = 0
  const hooks = (job: JobContext, sink: DecodedSink | null): ImportHooks => ({
    decoded: sink ?? undefined,
    signal: job.signal,
    progress: (p) => {
      job.progress(p.done, p.total, p.current)
      ctx.events.emit('import.progress', { jobId: job.jobId, ...p })
    },
    committed: () => {
      // New posters show up while the import runs, at most once a second.
      if (Date.now() - lastChanged < 1000) return
      lastChanged = Date.now()
      ctx.events.emit('library.changed', { reason: 'import' })
    },
  })
  const started = ctx.jobs.start<ImportResult>(
    'import',
    async (job) => {
      // The backbone's features from the same decode as the thumbnails, when asked and installed.
      const sink = request.embed && ctx.importSink ? await ctx.importSink(job.signal).catch(() => null) : null
      try {
        const result = await runImport(ctx.db, ctx.dir, request, tables, hooks(job, sink), tuning)
        const features = sink ? await sink.finish() : null
        if (features?.failed) result.warnings.push(`features of ${features.failed} poster(s) were not computed during the import; training computes them`)
        return result
      } catch (err) {
        sink?.abort()
        // A full or read-only disk says so (the import's posters are rolled back either way).
        const problem = storageProblem(err, ctx.dir)
        throw problem ? new Error(`the import stopped and was rolled back: ${problem}`) : err
      }
    },
    (status, result, error) => {
      ctx.events.emit('import.finished', { jobId: started.jobId, status, result, error })
      ctx.events.emit('library.changed', { reason: 'import' })
    },
  )
  return started
}

export function importHandlers(ctx: CoreContext): ApiHandlers['imports'] {
  return {
    start: async (request) => ({ jobId: (await startImport(ctx, request)).jobId }),
  }
}
