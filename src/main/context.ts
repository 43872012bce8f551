// What every domain of the core is built from: the open library and its shared services.
import type { Db } from './library/db'
import type { EventBus } from './events'
import type { JobRegistry } from './jobs/registry'
import type { WorkerLauncher } from './ml/worker/protocol'
import type { DecodedSink } from './importer/decoded-sink'

export interface HostHooks {
  /** Native pickers exist only in the desktop app. */
  pickPaths?: (args: { kind: 'folder' | 'file'; multiple: boolean; title?: string }) => Promise<string[]>
  /** Starts the model worker; Electron passes a utilityProcess launcher (default: a Node child process). */
  mlWorker?: WorkerLauncher
}

export interface CoreContext {
  /** The library folder: the SQLite file, thumbnails, models. Both change when the user opens another library. */
  dir: string
  db: Db
  /** better-sqlite3 addon for the running ABI, for opening another library. */
  nativeBinding?: string
  events: EventBus
  jobs: JobRegistry
  host: 'electron' | 'serve'
  hooks: HostHooks
  /** Embedding during import: set by the core when the model is wired in; null without a backbone. */
  importSink?: () => Promise<DecodedSink | null>
}
