// What every domain of the core is built from: the open library and its shared services.
import type { Db } from './library/db'
import type { EventBus } from './events'
import type { JobRegistry } from './jobs/registry'

export interface HostHooks {
  /** Native pickers exist only in the desktop app. */
  pickPaths?: (args: { kind: 'folder' | 'file'; multiple: boolean; title?: string }) => Promise<string[]>
}

export interface CoreContext {
  /** The library folder: the SQLite file, thumbnails, models. */
  dir: string
  db: Db
  events: EventBus
  jobs: JobRegistry
  host: 'electron' | 'serve'
  hooks: HostHooks
}
