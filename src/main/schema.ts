// The library file's whole schema: each module declares its own migration steps (the library
// knows nothing of the model's or the collection's tables); the core puts them in version
// order here and every opener uses that one list.
import { libraryMigrations, openDb, orderMigrations, type Db, type OpenOptions } from './library/db'
import { modelMigrations } from './ml/store/schema'
import { collectionMigrations } from './collection/schema'
import { exploreMigrations } from './ml/explore/schema'

export const migrations = orderMigrations(libraryMigrations, modelMigrations, collectionMigrations, exploreMigrations)

export const SCHEMA_VERSION = migrations.length

/** Opens (creating or migrating if needed) the library database in `dir`. */
export function openLibraryDb(dir: string, options: Omit<OpenOptions, 'migrations'> = {}): Db {
  return openDb(dir, { ...options, migrations })
}
