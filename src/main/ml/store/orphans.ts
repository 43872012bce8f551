// A training killed after its weights were written but before its run was recorded leaves a
// models/run-* folder nobody points at. The writer that opens the library (it holds the lock,
// so no training of another process is under way) removes such folders.
import { readdirSync, rmSync } from 'node:fs'
import { basename, join } from 'node:path'
import type Database from 'better-sqlite3'

/** Removes run folders under <library>/models that no stored run names; returns their names. */
export function purgeOrphanRuns(db: Database.Database, dir: string): string[] {
  const models = join(dir, 'models')
  let entries: string[]
  try {
    entries = readdirSync(models, { withFileTypes: true })
      .filter((e) => e.isDirectory() && e.name.startsWith('run-'))
      .map((e) => e.name)
  } catch {
    return []
  }
  // By folder name, not full path: a library moved to another folder keeps its runs.
  const known = new Set((db.prepare('SELECT weights_path FROM model_runs').pluck().all() as string[]).map((p) => basename(p)))
  const orphans = entries.filter((name) => !known.has(name))
  for (const name of orphans) rmSync(join(models, name), { recursive: true, force: true })
  return orphans
}
