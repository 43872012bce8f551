// Opening another library folder from the UI: the path is one the user typed or picked, checked
// here with a specific error for each wrong kind of path; and the recent list, a small JSON file
// in the per-user data folder ($POSTERITY_STATE_DIR overrides it, for tests).
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs'
import { dirname, isAbsolute, join, resolve } from 'node:path'
import { ApiError } from '../shared/api'
import type { CoreContext } from './context'
import { recoverInterruptedImports } from './importer/handlers'
import { recoverEdits } from './library/handlers'
import { DB_FILE } from './library/db'
import { openLibraryDb } from './schema'
import { purgeOrphanThumbs } from './library/remove'
import { purgeOrphanRuns } from './ml/store/orphans'
import { stopModelService } from './ml/service/model-service'
import { defaultDataDir } from './paths'

const RECENT_MAX = 10

function stateFile(): string {
  return join(process.env.POSTERITY_STATE_DIR || defaultDataDir(), 'recent-libraries.json')
}

export function readRecent(): string[] {
  try {
    const v: unknown = JSON.parse(readFileSync(stateFile(), 'utf8'))
    return Array.isArray(v) ? v.filter((p): p is string => typeof p === 'string' && isAbsolute(p)).slice(0, RECENT_MAX) : []
  } catch {
    return []
  }
}

/** Moves `paths` to the front of the recent list (atomically replaced; a failure only loses the list). */
export function remember(...paths: string[]): void {
  const list = [...new Set([...paths, ...readRecent()])].slice(0, RECENT_MAX)
  const file = stateFile()
  try {
    mkdirSync(dirname(file), { recursive: true })
    writeFileSync(`${file}.tmp`, JSON.stringify(list, null, 1))
    renameSync(`${file}.tmp`, file)
  } catch (err) {
    process.stderr.write(`posterity: cannot save the recent libraries list (${(err as Error).message})\n`)
  }
}

const isDir = (p: string) => {
  try {
    return statSync(p).isDirectory()
  } catch {
    return false
  }
}

/** The folder to open, or an error saying what is wrong with the path. */
export function checkLibraryPath(raw: string, create: boolean): string {
  const path = raw.trim()
  if (path.includes('\0')) throw new ApiError('invalid-args', 'the path contains a NUL character')
  if (!isAbsolute(path)) throw new ApiError('invalid-args', `give the full path of the library folder (it starts with / or a drive letter), not "${path}"`)
  const dir = resolve(path)
  if (existsSync(dir) && !isDir(dir)) throw new ApiError('invalid-args', `${dir} is a file, not a folder`)
  const hasLibrary = existsSync(join(dir, DB_FILE))
  if (!create) {
    if (!existsSync(dir)) throw new ApiError('not-found', `there is no folder ${dir}`)
    if (!hasLibrary) throw new ApiError('not-found', `${dir} holds no Posterity library (no ${DB_FILE}); use "Create" to make a new library there`)
    return dir
  }
  if (hasLibrary) return dir // "create" on an existing library opens it
  if (existsSync(dir)) {
    let entries: string[]
    try {
      entries = readdirSync(dir)
    } catch (err) {
      throw new ApiError('invalid-args', `cannot read ${dir}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`)
    }
    if (entries.some((e) => !e.startsWith('.'))) throw new ApiError('invalid-args', `${dir} is not empty; a new library needs a new or empty folder`)
  } else if (!isDir(dirname(dir))) {
    throw new ApiError('not-found', `cannot create ${dir}: its parent folder ${dirname(dir)} does not exist`)
  }
  return dir
}

/** Closes the open library and opens `raw` instead (the current one stays open on any error). */
export function switchLibrary(ctx: CoreContext, raw: string, create: boolean): string {
  const dir = checkLibraryPath(raw, create)
  if (dir === resolve(ctx.dir)) {
    remember(dir)
    return dir
  }
  const running = ctx.jobs.list().filter((j) => j.status === 'running')
  if (running.length) {
    throw new ApiError('conflict', `wait for the running ${running.map((j) => j.kind).join(', ')} job${running.length === 1 ? '' : 's'} to finish (or cancel) before switching libraries`)
  }
  let db
  try {
    db = openLibraryDb(dir, { nativeBinding: ctx.nativeBinding })
  } catch (err) {
    throw new ApiError('invalid-args', `cannot open the library in ${dir}: ${(err as Error).message}`)
  }
  const previous = ctx.dir
  const old = ctx.db
  ctx.db = db
  ctx.dir = dir
  stopModelService(old)
  old.close()
  recoverEdits(ctx)
  recoverInterruptedImports(ctx)
  purgeOrphanThumbs(ctx.db, ctx.dir)
  purgeOrphanRuns(ctx.db, ctx.dir)
  remember(dir, previous)
  ctx.events.emit('library.changed', { reason: 'library' })
  return dir
}
