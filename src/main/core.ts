// The core: one open library and the handlers of the whole API contract. It runs under
// plain Node (CLI, `posterity serve`, tests) and in Electron's main process alike, and
// never imports Electron.
import { ApiError, contract, type ApiHandlers } from '../shared/api'
import { createDispatch, type Dispatch } from './api/dispatch'
import { storageProblem } from './library/storage'
import type { CoreContext, HostHooks } from './context'
import { EventBus } from './events'
import { JobRegistry } from './jobs/registry'
import { openLibraryDb } from './schema'
import { purgeOrphanThumbs } from './library/remove'
import { purgeOrphanRuns } from './ml/store/orphans'
import { libraryHandlers, genreHandlers, labelHandlers, recoverEdits } from './library/handlers'
import { importHandlers, recoverInterruptedImports } from './importer/handlers'
import { jobHandlers } from './jobs/handlers'
import { systemHandlers } from './system'
import { modelHandlers } from './ml/handlers'
import { collectionHandlers } from './collection/handlers'
import { openImportSink } from './ml/service/import-sink'
import { modelService, stopModelService } from './ml/service/model-service'
import { reviewHandlers } from './ml/review/handlers'
import { withPredictionQueries } from './ml/review/predicted-query'
import { exploreHandlers } from './ml/explore/handlers'

export interface CoreOptions {
  libraryDir: string
  host?: 'electron' | 'serve'
  /** better-sqlite3 addon built for the running ABI (Electron passes its own). */
  nativeBinding?: string
  hooks?: HostHooks
  /** Read the library without taking its writer's lock (another process has it); nothing is written. */
  readonly?: boolean
}

export interface Core extends CoreContext {
  handlers: ApiHandlers
  dispatch: Dispatch
  close(): Promise<void>
}

export function openCore(options: CoreOptions): Core {
  const db = openLibraryDb(options.libraryDir, { nativeBinding: options.nativeBinding, readonly: options.readonly })
  // The core IS its context: handlers read ctx.db / ctx.dir at each call, so opening another
  // library (libraries.ts) swaps them in one place.
  const ctx = {
    dir: options.libraryDir,
    db,
    nativeBinding: options.nativeBinding,
    events: new EventBus(),
    jobs: new JobRegistry(),
    host: options.host ?? 'serve',
    hooks: options.hooks ?? {},
  } as Core
  ctx.importSink = (signal) => openImportSink(modelService(ctx), signal)
  // Recovery writes: it is the writer's job (a read-only opener leaves it to the lock holder).
  if (!options.readonly) {
    recoverEdits(ctx)
    recoverInterruptedImports(ctx)
    purgeOrphanThumbs(ctx.db, ctx.dir)
    const orphans = purgeOrphanRuns(ctx.db, ctx.dir)
    if (orphans.length) process.stderr.write(`posterity: removed ${orphans.length} model folder(s) an interrupted training left behind\n`)
  }
  const handlers: ApiHandlers = {
    system: systemHandlers(ctx),
    library: withPredictionQueries(ctx, libraryHandlers(ctx)),
    genres: genreHandlers(ctx),
    labels: labelHandlers(ctx),
    imports: importHandlers(ctx),
    jobs: jobHandlers(ctx.jobs),
    model: modelHandlers(ctx),
    collection: collectionHandlers(ctx),
    review: reviewHandlers(ctx),
    explore: exploreHandlers(ctx),
  }
  return Object.assign(ctx, {
    handlers,
    dispatch: createDispatch(contract, handlers, (err) => {
      const problem = storageProblem(err, ctx.dir)
      return problem ? new ApiError('unsupported', problem) : null
    }),
    async close() {
      await ctx.jobs.cancelAll()
      stopModelService(ctx.db)
      ctx.db.close()
    },
  })
}
