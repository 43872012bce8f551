// One import: scan, resolve ids (naming.ts), read + hash + probe + thumbnail with bounded concurrency,
// commit new posters in batches, apply updates at the end. Cancel/failure rolls back.
import { createHash } from 'node:crypto'
import { existsSync } from 'node:fs'
import { stat } from 'node:fs/promises'
import { basename } from 'node:path'
import { availableParallelism } from 'node:os'
import type { ImportRequest, ImportResult, SkippedFile } from '../../shared/api'
import { throwIfCancelled } from '../jobs/registry'
import type { Db } from '../library/db'
import { findThumb, thumbPath } from '../library/thumbs'
import { BadImage, checkDecodes, ensureThumbnail, probe, readImageFile, refusedImage, thumbnailAndViews, writeCheckedThumbnail } from './images'
import type { DecodedSink } from '../decoded-sink'
import { isDerived, plan, type Planned } from './naming'
import { scan } from './scan'
import { cell } from './table-file'
import { nearGenres } from './genre-spelling'
import { ImportStore, removeThumbs, type Existing, type PosterRecord } from './store'
import type { Tables } from './tables'
import { errnoWords } from '../errno'

export interface ImportHooks {
  signal: AbortSignal
  progress(p: { done: number; total: number; current: string | null; skipped: number }): void
  /** After each committed batch (the UI may refresh). */
  committed?(): void
  /** Takes the backbone's input views from the decode that makes each thumbnail. */
  decoded?: DecodedSink
}

export interface ImportTuning {
  /** Files in flight at once. */
  concurrency?: number
  /** New posters per committed transaction. */
  batchSize?: number
}

/** Files in flight: each is I/O then one libvips decode/encode on the libuv pool. */
export const DEFAULT_CONCURRENCY = Math.max(2, Math.min(8, availableParallelism() * 2))
const BATCH = 250
/**
 * The largest file handed to the decoded sink as bytes: about a hundred wait for their verdict
 * at once, so a folder of 50 MB scans is decoded here and sent as views instead (~150 KB each).
 */
export const MAX_HANDED_BYTES = 1024 * 1024

function errnoReason(err: unknown): string {
  return (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'file vanished during the import' : `unreadable: ${errnoWords(err)}`
}

export async function runImport(
  db: Db,
  libraryDir: string,
  request: ImportRequest,
  tables: Tables,
  hooks: ImportHooks,
  tuning: ImportTuning = {},
): Promise<ImportResult> {
  const concurrency = tuning.concurrency ?? DEFAULT_CONCURRENCY
  const batchSize = tuning.batchSize ?? BATCH
  const t0 = performance.now()
  const store = new ImportStore(db, libraryDir, request)
  const skipped: SkippedFile[] = []
  const warnings = [...tables.warnings]
  const newThumbs = new Set<string>() // made by this import: removed again on rollback
  try {
    hooks.progress({ done: 0, total: 0, current: 'scanning…', skipped: 0 })
    const found = await scan(request.paths, { exclude: libraryDir, signal: hooks.signal })
    skipped.push(...found.skipped)
    warnings.push(...found.warnings)
    const existing = store.existing()
    const byPath = new Map<string, string>()
    const byHash = new Map<string, Existing[]>()
    for (const e of existing.values()) {
      byPath.set(e.path, e.id)
      const list = byHash.get(e.hash)
      if (list) list.push(e)
      else byHash.set(e.hash, [e])
    }
    const planned = await plan(found.files, found.nfos, tables, skipped, byPath, warnings)
    if (tables.labels.size > 0 && planned.length > 0 && !planned.some((p) => tables.labels.has(p.key))) {
      // Most likely the wrong file, or posters not named by their Id.
      warnings.push(`none of the ${tables.labels.size} rows of the labels file matched a poster (a poster matches the row whose Id is its file name without extension)`)
    } else if (planned.length > 0 && request.labels) {
      // Rows for posters this import does not bring are not applied, also when the poster is in the library already.
      const keys = new Set(planned.map((p) => p.key))
      const missed: string[] = []
      let n = 0
      for (const ids of [tables.labels.keys(), tables.unknown.values()])
        for (const id of ids)
          if (!keys.has(id) && n++ < 5) missed.push(id)
      if (n > 0) {
        const rows = tables.labels.size + tables.unknown.size
        warnings.push(
          `${basename(request.labels)}: ${n} of its ${rows} poster rows name no poster of this import, so they were not applied (a labels file labels the posters imported with it): ${missed.map(cell).join(', ')}${n > 5 ? ` and ${n - 5} more` : ''}`,
        )
      }
    }
    const near = nearGenres(db.prepare('SELECT name FROM genres').pluck().all() as string[], tables.genreOrder)
    if (near.length)
      warnings.push(
        `${basename(request.labels ?? 'the labels file')}: ${near.length === 1 ? 'a genre new to the library is' : `${near.length} genres new to the library are`} close to one it has (a misspelling? merge them in the Genres view): ${near.map(([g, e]) => `${cell(g)} beside ${cell(e)}`).join(', ')}`,
      )
    store.prepareGenres(tables.genreOrder)
    // Existing posters this import already updates (a second file with the same bytes is a new poster).
    const claimed = new Set(planned.map((p) => p.id).filter((id) => existing.has(id)))
    /**
     * A file not known by id or path whose bytes match a poster made from a file name (a moved
     * or renamed file): that poster. Two posters with explicit ids and the same artwork stay
     * two (the shared dataset has such pairs, labelled differently).
     */
    const sameBytes = (p: Planned, hash: string): Existing | undefined => {
      // Moved means its old file is gone: a copy beside it (films sharing artwork) is a poster of its own.
      const match = (byHash.get(hash) ?? []).find((e) => !claimed.has(e.id) && (isDerived(p.id) || isDerived(e.id)) && !existsSync(e.path))
      if (match) claimed.add(match.id)
      return match
    }

    const pending: PosterRecord[] = []
    const updates: PosterRecord[] = []
    const seen: string[] = []
    let added = 0
    let updated = 0
    let unchanged = 0
    let done = 0
    const total = planned.length
    const flush = () => {
      store.addBatch(pending.splice(0))
      hooks.committed?.()
    }

    // Problems with a source file skip that file; anything else (a full disk) fails the import.
    const source = <T>(io: Promise<T>): Promise<T> =>
      io.catch((err: unknown) => {
        throw err instanceof BadImage ? err : new BadImage(errnoReason(err))
      })
    /** A poster's record, new or an update (a new one may be a moved file's poster, found by its bytes). */
    const record = (p: Planned, file: Pick<PosterRecord, 'hash' | 'size' | 'width' | 'height'>, old: Existing | undefined, mtime: number): void => {
      if (!old) {
        old = sameBytes(p, file.hash)
        if (old) p = { ...p, id: old.id }
      }
      const label = tables.labels.get(p.key)
      const rec: PosterRecord = {
        id: p.id,
        path: p.path,
        mtime,
        ...file,
        title: p.title,
        year: p.year,
        genres: label ? label.genres : null,
        sources: label?.sources,
        unknown: !label && tables.unknown.has(p.key),
      }
      seen.push(p.id)
      if (!old) {
        pending.push(rec)
        added++
        if (pending.length >= batchSize) flush()
        return
      }
      const d = diff(db, old, rec)
      if (d.update) updates.push(d.update)
      if (d.counts) updated++
      else unchanged++
    }

    /**
     * Reads one file and records its poster; or hands its bytes to the model worker, whose decode
     * is then the only one (deferred: the poster is recorded once the verdict is back).
     */
    const handle = async (p: Planned): Promise<{ later: Promise<void> } | null> => {
      const old = existing.get(p.id)
      const st = await source(stat(p.path))
      if (!st.isFile()) throw new BadImage('unreadable: not a regular file')
      if (st.size === 0) throw new BadImage('empty file (0 bytes)')
      const mtime = Math.floor(st.mtimeMs)
      // Same path, size and mtime as last time, thumbnail present: the bytes are not read again.
      if (old && old.path === p.path && old.size === st.size && old.mtime === mtime && (await findThumb(libraryDir, old.hash)) !== null) {
        record(p, old, old, mtime)
        return null
      }
      const buf = await source(readImageFile(p.path, st.size))
      const hash = createHash('sha256').update(buf).digest('hex')
      const { asIs: small, ...dims } = await probe(buf)
      const asIs = small && { path: p.path, size: st.size, mtime }
      // A thumbnail of this artwork in either format (WebP from older libraries) is kept, not re-encoded.
      const thumbFile = (await findThumb(libraryDir, hash)) === null ? thumbPath(libraryDir, hash) : null
      const file = { hash, size: buf.length, ...dims }
      const sink = hooks.decoded
      if (sink?.wants(hash) && (asIs || thumbFile === null) && buf.length <= MAX_HANDED_BYTES) {
        // No thumbnail to encode: the worker decodes the file for its features, and that decode
        // is the check that every pixel decodes (one decode a poster, on the worker's core).
        const { verdict } = await sink.pushEncoded(hash, buf)
        // Wrapped: an async function's returned promise would be awaited with it.
        const later = verdict.then(async (reason) => {
          // Cancelled meanwhile: the import is rolled back, nothing more to check or write.
          if (hooks.signal.aborted) return
          if (reason === undefined) await checkDecodes(buf)
          else if (reason !== null) throw refusedImage(buf, reason)
          if (await writeCheckedThumbnail(buf, thumbFile, asIs)) newThumbs.add(hash)
          record(p, file, old, mtime)
        })
        return { later }
      }
      if (sink?.wants(hash)) {
        const { wrote, views } = await thumbnailAndViews(buf, thumbFile, sink.spec, asIs)
        if (wrote) newThumbs.add(hash)
        await sink.push(hash, views)
      } else if (await ensureThumbnail(buf, thumbFile, asIs)) newThumbs.add(hash)
      record(p, file, old, mtime)
      return null
    }

    let next = 0
    let lastEmit = 0
    let halted = false // a fatal error in one worker stops the others too
    let fatal: { reason: unknown } | null = null
    const deferred = new Set<Promise<void>>()
    /** A file's outcome: skipped with its reason, or fatal (the import stops). */
    const settle = (p: Planned, err: unknown): void => {
      if (err !== null) {
        if (!(err instanceof BadImage)) {
          halted = true
          fatal ??= { reason: err }
          return
        }
        skipped.push({ path: p.path, reason: err.message })
      }
      done++
      const now = performance.now()
      if (now - lastEmit > 150 || done === total) {
        lastEmit = now
        hooks.progress({ done, total, current: p.path, skipped: skipped.length })
      }
    }
    const worker = async () => {
      while (next < planned.length && !halted) {
        throwIfCancelled(hooks.signal)
        const p = planned[next++]
        let deferredTo: { later: Promise<void> } | null
        try {
          deferredTo = await handle(p)
        } catch (err) {
          settle(p, err)
          if (fatal) throw fatal.reason
          continue
        }
        if (!deferredTo) settle(p, null)
        else {
          const d: Promise<void> = deferredTo.later.then(
            () => settle(p, null),
            (err: unknown) => settle(p, err),
          ).finally(() => deferred.delete(d))
          deferred.add(d)
        }
      }
    }
    // Settle every worker, and every poster waiting for its verdict, before leaving, so none
    // writes a thumbnail after a rollback.
    const ends = await Promise.allSettled(Array.from({ length: Math.max(1, concurrency) }, worker))
    hooks.decoded?.flush()
    while (deferred.size) await Promise.allSettled([...deferred])
    const failed = ends.find((e) => e.status === 'rejected')
    if (failed) throw failed.reason
    if (fatal) throw (fatal as { reason: unknown }).reason
    throwIfCancelled(hooks.signal)
    flush()
    const result: ImportResult = {
      added,
      updated,
      unchanged,
      duplicates: 0,
      skipped,
      warnings,
      seconds: 0,
    }
    store.finish(updates, result)
    result.duplicates = store.duplicatesAmong(seen)
    result.seconds = Math.round((performance.now() - t0) / 10) / 100
    db.prepare('UPDATE imports SET result = ? WHERE id = ?').run(JSON.stringify(result), store.importId)
    return result
  } catch (err) {
    store.rollback(hooks.signal.aborted ? 'cancelled' : 'failed', hooks.signal.aborted ? null : (err as Error).message)
    const used = db.prepare('SELECT 1 FROM posters WHERE hash = ? LIMIT 1').pluck()
    removeThumbs(libraryDir, [...newThumbs].filter((h) => used.get(h) === undefined))
    throw err
  }
}

function personLabelled(db: Db, id: string): boolean {
  return db.prepare(`SELECT 1 FROM labels WHERE poster_id = ? AND source = 'user' LIMIT 1`).pluck().get(id) !== undefined
}

/**
 * The update a re-import brings to a poster already in the library. `counts` is false when
 * only the file's mtime moved (a touched file is not an updated poster, but the row keeps the
 * new mtime so the next re-import stays fast).
 */
function diff(db: Db, old: Existing, rec: PosterRecord): { update: PosterRecord | null; counts: boolean } {
  const next: PosterRecord = {
    ...rec,
    // Keep what this import does not know.
    title: rec.title ?? old.title,
    year: rec.year ?? old.year,
    // The user's own labels are never overwritten by an import: those edited here, and those a
    // person gave that came back in through an export of ours (source "user"), unless the file
    // brings a person's labels too (a newer export).
    genres: old.user_edited || (rec.genres && !Object.values(rec.sources ?? {}).includes('user') && personLabelled(db, old.id)) ? null : rec.genres,
  }
  let changed =
    old.hash !== next.hash ||
    old.path !== next.path ||
    old.size !== next.size ||
    old.width !== next.width ||
    old.height !== next.height ||
    old.title !== next.title ||
    old.year !== next.year
  if (next.genres) {
    const current = db
      .prepare('SELECT g.name, l.source FROM labels l JOIN genres g ON g.id = l.genre_id WHERE l.poster_id = ?')
      .all(old.id) as { name: string; source: string }[]
    const a = current.map((c) => `${c.name.toLowerCase()}:${c.source}`).sort().join('|')
    const b = next.genres.map((g) => `${g.toLowerCase()}:${rec.sources?.[g.toLowerCase()] ?? 'imported'}`).sort().join('|')
    if (old.labelled !== 1 || a !== b) changed = true
    else next.genres = null
  }
  // N/A now means unknown: a poster an older import marked "labelled, no genre" goes back.
  if (rec.unknown && old.labelled === 1 && !old.user_edited) {
    const n = db.prepare('SELECT COUNT(*) FROM labels WHERE poster_id = ?').pluck().get(old.id) as number
    if (n === 0) changed = true
  }
  if (changed) return { update: next, counts: true }
  return { update: old.mtime !== next.mtime ? next : null, counts: false }
}
