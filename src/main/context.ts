// What every domain of the core is built from: the open library and its shared services.
// It names no part of the core: the parts build on it (library/db.ts's Db is this handle).
import type Database from 'better-sqlite3'
import type { DecodedSink } from './decoded-sink'
import type { EventBus } from './events'
import type { JobRegistry } from './jobs/registry'

export interface HostHooks {
  /** Native pickers exist only in the desktop app. */
  pickPaths?: (args: { kind: 'folder' | 'file'; multiple: boolean; title?: string }) => Promise<string[]>
}

export interface CoreContext {
  /** The library folder: the SQLite file, thumbnails, models. Both change when the user opens another library. */
  dir: string
  db: Database.Database
  /** better-sqlite3 addon for the running ABI, for opening another library. */
  nativeBinding?: string
  events: EventBus
  jobs: JobRegistry
  host: 'electron' | 'serve'
  hooks: HostHooks
  /** Embedding during import: set by the core when the model is wired in; null without a backbone. */
  importSink?: (signal?: AbortSignal) => Promise<DecodedSink | null>
}
