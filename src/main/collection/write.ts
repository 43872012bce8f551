// The write-back: planned genres into the NFOs, each original kept as a backup in the library
// folder, each file replaced atomically, the whole write-back one undoable entry. A film whose
// file cannot be written is reported and its file left exactly as it was; the others go on.
import { createHash } from 'node:crypto'
import { appendFile, lstat, mkdir, open, readFile, realpath, rm, stat, unlink } from 'node:fs/promises'
import { basename, dirname, join, resolve } from 'node:path'
import { ApiError, type WriteEntry, type WriteResult } from '../../shared/api'
import type { CoreContext } from '../context'
import type { Db } from '../library/db'
import { atomicWrite, checkWritable, hardLinked, removeStaleTemps, replaceFile, TornWrite, writeInPlace, writeReason } from './atomic'
import { readNfoBytes } from '../importer/nfo'
import { inParallel } from './parallel'
import { planFilms, type PlannedFile, type PlanRule } from './plan'
import { progressReporter } from './progress'
import { collectionId, filmRows, type FilmRow } from './store'
import { otherNfosNow, readFilmNfos } from './sync'
import { BACKUP_DIR, byFilmThenPath, byPathName, entryFiles, journalOf, WRITING, type WrittenFile } from './journal'

/** Write-backs running in this process (one library, one process: any other "writing…" entry was interrupted). */
const live = new Set<number>()

/** Where a write lands: the target of a symlinked NFO (so the link stays a link), else the path itself. */
async function landing(path: string): Promise<string> {
  const st = await lstat(path).catch(() => null)
  return st?.isSymbolicLink() ? realpath(path) : path
}

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex')

/**
 * Writes a new file ('wx': a backup) or appends to one ('a': a journal line) and flushes it
 * to disk before returning (an in-place write must not land before the line that lets undo find it).
 */
async function writeDurably(path: string, bytes: Buffer | string, flag: 'wx' | 'a' = 'wx'): Promise<void> {
  const fh = await open(path, flag, 0o600)
  try {
    await fh.writeFile(bytes)
    await fh.sync()
  } finally {
    await fh.close()
  }
}

/** The film rows of files the write-back or undo changed, read again from disk (every NFO of each film). */
async function refreshFilms(db: Db, ids: number[]): Promise<void> {
  const rows = db
    .prepare('SELECT id, collection_id, key, folder, nfo_path FROM collection_films WHERE id IN (SELECT value FROM json_each(?))')
    .all(JSON.stringify([...new Set(ids)])) as Pick<FilmRow, 'id' | 'collection_id' | 'key' | 'folder' | 'nfo_path'>[]
  const others = await otherNfosNow(db, rows)
  const states = await Promise.all(rows.map(async (r) => ({ id: r.id, s: await readFilmNfos(r.nfo_path, others.get(r.id)?.others ?? []) })))
  const upd = db.prepare(
    `UPDATE collection_films SET nfo_exists = ?, nfo_size = ?, nfo_mtime = ?, nfo_error = ?, nfo_genres = ?, locked = ?, nfos_disagree = ? WHERE id = ?`,
  )
  db.transaction(() => {
    for (const { id, s } of states) upd.run(s.size !== null ? 1 : 0, s.size, s.mtime, s.error, JSON.stringify(s.info?.genres ?? []), s.info?.locked ? 1 : 0, s.note ? 1 : 0, id)
  })()
}

export interface WriteRequest {
  root: string
  rule: PlanRule
  scope: 'accepted' | 'all'
  ids?: number[]
  dryRun: boolean
}

export async function writeBack(ctx: CoreContext, req: WriteRequest, signal?: AbortSignal): Promise<{ writeId: number | null; results: WriteResult[]; written: number; failed: number }> {
  const db = ctx.db
  const root = resolve(req.root)
  const cid = collectionId(db, root)
  if (cid === null) throw new ApiError('not-found', `${root} is not an open collection: scan it first`)
  let films = filmRows(db, cid, req.ids)
  if (!req.ids && req.scope === 'accepted') films = films.filter((f) => f.decision === 'accept')
  const progress = progressReporter(ctx, root)
  const { plans } = await planFilms(ctx, films, req.rule, { contents: true, diff: true, signal, progress: (d, t) => progress('planning', d, t) })
  const byId = new Map(films.map((f) => [f.id, f]))
  const results: WriteResult[] = []
  const pending: { result: WriteResult; files: PlannedFile[]; decision: FilmRow['decision'] }[] = []
  for (const p of plans) {
    const path = byId.get(p.id)!.nfo_path
    const base = { id: p.id, key: p.key, path, genres: p.genres, diff: p.diff }
    switch (p.change) {
      case 'update':
      case 'create': {
        const result: WriteResult = { ...base, status: p.change === 'create' ? 'created' : 'written', reason: null, ...(p.others ? { others: p.others } : {}) }
        results.push(result)
        pending.push({ result, files: p.files!, decision: byId.get(p.id)!.decision })
        break
      }
      case 'unchanged':
        results.push({ ...base, status: 'unchanged', reason: null })
        break
      case 'locked':
        results.push({ ...base, status: 'locked', reason: 'lockdata is true: never touched' })
        break
      case 'error':
        results.push({ ...base, status: 'failed', reason: p.reason })
        break
      case 'skipped':
        results.push({ ...base, status: 'skipped', reason: p.reason ?? 'skipped in the review' })
        break
      case 'no-poster':
        results.push({ ...base, status: 'skipped', reason: 'no poster to predict from' })
        break
      case 'no-proposal':
        results.push({ ...base, status: 'skipped', reason: 'no genre clears the acceptance rule' })
        break
    }
  }
  let writeId: number | null = null
  if (req.dryRun) {
    // A dry run also tells which files could not be written.
    for (const w of pending) {
      for (const f of w.files) {
        const refused = await checkWritable(f.path).then(
          () => null,
          (err: unknown) => writeReason(err),
        )
        if (refused === null) continue
        w.result.status = 'failed'
        w.result.reason = f.path === w.result.path ? refused : `${basename(f.path)}: ${refused}`
        break
      }
    }
  } else if (pending.length) {
    const id = Number(
      db.prepare(`INSERT INTO collection_writes (collection_id, at, mode, description, files) VALUES (?, ?, ?, ?, '[]')`).run(cid, Date.now(), req.rule.mode, WRITING).lastInsertRowid,
    )
    writeId = id
    live.add(id)
    const backups = join(ctx.dir, BACKUP_DIR, String(id))
    await mkdir(backups, { recursive: true })
    const journal = journalOf(ctx.dir, id)
    const files: WrittenFile[] = []
    let finished = 0
    // Temporary files a killed write-back left beside the NFOs go, once a folder.
    const swept = new Map<string, Promise<void>>()
    const one = async (w: (typeof pending)[number]) => {
      const wrote: string[] = []
      let current = w.result.path
      try {
        const targets = await Promise.all(w.files.map((f) => landing(f.path)))
        // Every file of the film is checked before any is written: a read-only movie.nfo keeps
        // its <video>.nfo as it was too.
        for (const [i, target] of targets.entries()) {
          current = w.files[i].path
          await checkWritable(target)
        }
        for (const [i, f] of w.files.entries()) {
          current = f.path
          const target = targets[i]
          if (!swept.has(dirname(target))) swept.set(dirname(target), removeStaleTemps(dirname(target)))
          await swept.get(dirname(target))
          let backup: string | null = null
          if (f.original) {
            backup = join(backups, i === 0 ? `${w.result.id}.nfo` : `${w.result.id}-${i + 1}.nfo`)
            await writeDurably(backup, f.original)
          }
          // A hard-linked file is written in place (a rename would leave its other names the old bytes).
          const inPlace = !!f.original && (await hardLinked(target))
          const entry: WrittenFile = { film: w.result.id, path: target, backup, sha256: sha(f.bytes), genres: w.result.genres, decision: w.decision, ...(inPlace ? { inPlace } : {}) }
          try {
            if (inPlace) {
              await writeDurably(journal, JSON.stringify(entry) + '\n', 'a')
              await writeInPlace(target, f.bytes, f.original)
              await appendFile(journal, JSON.stringify({ path: target, done: true }) + '\n')
            } else {
              await appendFile(journal, JSON.stringify(entry) + '\n')
              await atomicWrite(target, f.bytes)
            }
          } catch (err) {
            if (err instanceof TornWrite) files.push({ ...entry, torn: true })
            else if (backup) await unlink(backup).catch(() => {})
            throw err
          }
          files.push(entry)
          wrote.push(basename(target))
        }
        progress('writing', ++finished, pending.length)
      } catch (err) {
        w.result.status = 'failed'
        const why = writeReason(err)
        w.result.reason = `${current === w.result.path ? why : `${basename(current)}: ${why}`}${wrote.length ? ` (${wrote.join(', ')} written: undo puts ${wrote.length === 1 ? 'it' : 'them'} back)` : ''}`
      }
    }
    try {
      await inParallel(pending, one)
    } finally {
      live.delete(id)
    }
    files.sort(byFilmThenPath)
    if (files.length === 0) {
      db.prepare('DELETE FROM collection_writes WHERE id = ?').run(id)
      await rm(backups, { recursive: true, force: true })
      writeId = null
    } else {
      const created = files.filter((f) => !f.backup).length
      const description = `Write genres into ${files.length} NFO file${files.length === 1 ? '' : 's'}${created ? ` (${created} new)` : ''} (${req.rule.mode})`
      // The films written are no longer waiting for a review: their acceptance is spent (the
      // view shows them as written; undo gives each back the decision it had).
      const spent = db.prepare(`UPDATE collection_films SET decision = 'pending' WHERE id = ?`)
      db.transaction(() => {
        db.prepare('UPDATE collection_writes SET files = ?, description = ? WHERE id = ?').run(JSON.stringify(files), description, id)
        for (const film of new Set(files.map((f) => f.film))) spent.run(film)
      })()
      await refreshFilms(db, files.map((f) => f.film))
      ctx.events.emit('library.changed', { reason: 'collection' })
    }
  }
  const written = results.filter((r) => r.status === 'written' || r.status === 'created').length
  return { writeId, results, written, failed: results.filter((r) => r.status === 'failed').length }
}

/** Whether an entry is a write-back that was killed before it finished (its files are in its journal). */
const interrupted = (r: { id: number; description: string }) => r.description === WRITING && !live.has(r.id)

export async function listWrites(db: Db, dir: string, root: string | undefined, limit: number): Promise<WriteEntry[]> {
  const rows = db
    .prepare(
      `SELECT w.id, c.root, w.at, w.description, w.files, w.undone FROM collection_writes w JOIN collections c ON c.id = w.collection_id
       WHERE (? IS NULL OR c.root = ?) ORDER BY w.id DESC LIMIT ?`,
    )
    .all(root ?? null, root ? resolve(root) : null, limit) as { id: number; root: string; at: number; description: string; files: string; undone: number }[]
  return Promise.all(
    rows.map(async (r) => {
      const recorded = JSON.parse(r.files) as WrittenFile[]
      if (!interrupted(r) || r.undone) return { id: r.id, root: r.root, at: r.at, description: r.description, files: recorded.length, undone: r.undone === 1 }
      const files = entryFiles(dir, r.id, recorded).length
      return { id: r.id, root: r.root, at: r.at, description: `Interrupted write-back: ${files} NFO file${files === 1 ? '' : 's'} written before it stopped`, files, undone: false }
    }),
  )
}

/** Puts a write-back's backups back (and removes the files it created); a file changed since is left alone. */
export async function undoWrite(ctx: CoreContext, writeId?: number): Promise<{ writeId: number; restored: number; removed: number; conflicts: { path: string; reason: string }[] }> {
  const db = ctx.db
  const row = (
    writeId !== undefined
      ? db.prepare('SELECT id, files, undone, description, collection_id FROM collection_writes WHERE id = ?').get(writeId)
      : db.prepare('SELECT id, files, undone, description, collection_id FROM collection_writes WHERE undone = 0 ORDER BY id DESC LIMIT 1').get()
  ) as { id: number; files: string; undone: number; description: string; collection_id: number } | undefined
  if (!row) throw new ApiError(writeId !== undefined ? 'not-found' : 'conflict', writeId !== undefined ? `no write-back ${writeId}` : 'no write-back to undo')
  if (row.undone) throw new ApiError('conflict', `write-back ${row.id} is already undone`)
  if (live.has(row.id)) throw new ApiError('conflict', `write-back ${row.id} is still running`)
  const stopped = interrupted(row)
  const recorded = JSON.parse(row.files) as WrittenFile[]
  const files = stopped ? entryFiles(ctx.dir, row.id, recorded) : recorded
  // A later write-back over the same files must be undone first: undoing this one now would
  // find them changed, restore nothing, and leave its originals out of reach.
  const paths = new Set(files.map((f) => f.path))
  const later = db.prepare('SELECT id, files, description FROM collection_writes WHERE collection_id = ? AND id > ? AND undone = 0 ORDER BY id DESC').all(row.collection_id, row.id) as {
    id: number
    files: string
    description: string
  }[]
  for (const l of later) {
    const listed = JSON.parse(l.files) as WrittenFile[]
    const theirs = interrupted(l) ? entryFiles(ctx.dir, l.id, listed) : listed
    if (theirs.some((f) => paths.has(f.path))) throw new ApiError('conflict', `write-back ${l.id} changed some of the same files since: undo it first`)
  }
  const root = db.prepare('SELECT c.root FROM collections c JOIN collection_writes w ON w.collection_id = c.id WHERE w.id = ?').pluck().get(row.id) as string
  const progress = progressReporter(ctx, root)
  let restored = 0
  let removed = 0
  const conflicts: { path: string; reason: string }[] = []
  // Files that could not be put back for a reason that may pass (an unmounted share, a full
  // disk) stay in the entry, so undo can be tried again; the others are settled.
  const retry: WrittenFile[] = []
  const one = async (f: WrittenFile) => {
    progress('undoing', restored + removed + conflicts.length, files.length)
    try {
      const now = await readNfoBytes(f.path).catch((e: NodeJS.ErrnoException) => {
        if (e.code === 'ENOENT') return null
        throw e
      })
      if (!now) {
        // A file an interrupted write-back was about to create, and never did.
        if (!f.backup && stopped) return
        if (await stat(dirname(f.path)).then(() => true, () => false)) conflicts.push({ path: f.path, reason: 'gone since the write-back' })
        else {
          conflicts.push({ path: f.path, reason: 'its folder cannot be found (an unmounted share?): try the undo again' })
          retry.push(f)
        }
        return
      }
      if (sha(now) !== f.sha256) {
        // Listed in the journal of an interrupted write-back but never replaced: nothing to undo.
        if (f.backup && sha(now) === sha(await readFile(f.backup).catch(() => Buffer.alloc(0)))) return
        // An in-place write (a hard-linked file) cut short by a kill or a failure: the file holds
        // part of the new bytes, not a change of anyone's, so the backup goes back.
        const cutShort = !!f.backup && (f.torn || (stopped && f.inPlace && !f.done))
        if (!cutShort) {
          conflicts.push({ path: f.path, reason: 'changed since the write-back: left as it is' })
          return
        }
      }
      if (f.backup) {
        // In place again for a hard-linked file, so that its other names get the original too.
        await replaceFile(await landing(f.path), await readFile(f.backup))
        restored++
      } else {
        await checkWritable(f.path)
        await unlink(f.path)
        removed++
      }
    } catch (err) {
      conflicts.push({ path: f.path, reason: `${writeReason(err)}: try the undo again` })
      retry.push(f)
    }
  }
  await inParallel(files, one)
  await Promise.all([...new Set(files.map((f) => dirname(f.path)))].map((d) => removeStaleTemps(d)))
  conflicts.sort((a, b) => byPathName(a.path, b.path))
  if (stopped) db.prepare('UPDATE collection_writes SET description = ? WHERE id = ?').run(`Interrupted write-back (${files.length} NFO file${files.length === 1 ? '' : 's'})`, row.id)
  // Films no file of which waits for another try get their review decision back (unless it
  // was changed since the write-back spent it).
  const waiting = new Set(retry.map((f) => f.film))
  const back = db.prepare(`UPDATE collection_films SET decision = ? WHERE id = ? AND decision = 'pending'`)
  db.transaction(() => {
    if (retry.length) db.prepare('UPDATE collection_writes SET files = ? WHERE id = ?').run(JSON.stringify(retry), row.id)
    else db.prepare('UPDATE collection_writes SET undone = 1 WHERE id = ?').run(row.id)
    for (const f of files) if (f.decision && !waiting.has(f.film)) back.run(f.decision, f.film)
  })()
  await refreshFilms(db, files.map((f) => f.film))
  ctx.events.emit('library.changed', { reason: 'collection' })
  return { writeId: row.id, restored, removed, conflicts }
}
