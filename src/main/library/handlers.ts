// library.*, genres.* and labels.* handlers over the SQLite library. Every change emits
// `library.changed` so views refresh.
import { ApiError, type ApiHandlers, type ImportRecord, type JobStatus } from '../../shared/api'
import type { CoreContext } from '../context'
import { addGenre, genreInfo, labelMovePlan, listGenres, readMerge, readRemove, renameGenre, reorderGenres } from './genres'
import { editLabels } from './edit'
import { exportLabels } from './export'
import { historyState, listHistory, nextEntry } from './history'
import { setPosterMeta } from './meta'
import { getPoster, libraryStats, queryIds, queryPosters } from './query'
import { purgeOrphanThumbs } from './remove'
import { step } from './undo'
import { applyChange, BULK_MIN, editLabelsBulk, recoverPendingEdits, removePostersBulk, serialized, stepBulk } from './bulk'

const MAX_EXPORT_CHARS = 24 * 2 ** 20

/** Events name the posters when few; beyond that "possibly all". */
const MAX_EVENT_IDS = 1000

type Reason = 'labels' | 'genres' | 'posters'

function changed(ctx: CoreContext, reason: Reason, ids?: string[]): void {
  if (ids && ids.length === 0 && reason === 'labels') return
  ctx.events.emit('library.changed', { reason, ids: ids && ids.length > 0 && ids.length <= MAX_EVENT_IDS ? ids : undefined })
}

/** Deleting posters or genres under a running import would pull rows from under its writes. */
function noImportRunning(ctx: CoreContext, what: string): void {
  if (ctx.jobs.list().some((j) => j.kind === 'import' && j.status === 'running')) {
    throw new ApiError('conflict', `an import is running; ${what} when it has finished (or cancel it)`)
  }
}

/** A bulk change a dead process left half applied is rolled back (bulk.ts); at open, by the writer. */
export function recoverEdits(ctx: CoreContext): void {
  const n = recoverPendingEdits(ctx.db)
  if (n > 0) process.stderr.write(`posterity: rolled back ${n} bulk change(s) (edits, merges or deletions) that an interrupted process left half applied\n`)
}

function listImports(ctx: CoreContext): ImportRecord[] {
  const rows = ctx.db
    .prepare(
      `SELECT i.id, i.started_at, i.finished_at, i.status, i.request,
         (SELECT COUNT(*) FROM posters p WHERE p.import_id = i.id) AS posters
       FROM imports i ORDER BY i.id DESC LIMIT 200`,
    )
    .all() as { id: number; started_at: number; finished_at: number | null; status: JobStatus; request: string; posters: number }[]
  return rows.map((r) => {
    let paths: string[] = []
    try {
      paths = (JSON.parse(r.request) as { paths?: string[] }).paths ?? []
    } catch {
      /* an unreadable request row: no paths to show */
    }
    return { id: r.id, startedAt: r.started_at, finishedAt: r.finished_at, status: r.status, paths, posters: r.posters }
  })
}

export function libraryHandlers(ctx: CoreContext): ApiHandlers['library'] {
  return {
    stats: () => libraryStats(ctx.db, ctx.dir),
    query: (args) => queryPosters(ctx.db, args),
    ids: (args) => ({ ids: queryIds(ctx.db, args) }),
    get: ({ id }) => getPoster(ctx.db, id),
    // Library writes wait for a bulk edit being applied (bulk.ts); many posters go in slices.
    remove: (args) =>
      serialized(ctx.db, async () => {
        noImportRunning(ctx, 'delete posters')
        const removed = await removePostersBulk(ctx.db, args)
        purgeOrphanThumbs(ctx.db, ctx.dir)
        changed(ctx, 'posters', removed)
        return { removed: removed.length, history: historyState(ctx.db) }
      }),
    setMeta: ({ id, title, year }) =>
      serialized(ctx.db, () => {
        const did = setPosterMeta(ctx.db, id, { title, year })
        if (did) changed(ctx, 'posters', [id])
        return { changed: did, history: historyState(ctx.db) }
      }),
    imports: () => ({ imports: listImports(ctx) }),
    export: ({ format }) => {
      const { lines, count } = exportLabels(ctx.db, format)
      let text = ''
      for (const line of lines) {
        text += line
        // One reply must stay well under what a socket buffers (server/socket.ts).
        if (text.length > MAX_EXPORT_CHARS) {
          throw new ApiError('unsupported', `the export is over ${MAX_EXPORT_CHARS / 2 ** 20} MB; use the CLI: posterity export --format ${format} --out FILE --library "${ctx.dir}"`)
        }
      }
      const name = ctx.dir.split(/[\\/]/).filter(Boolean).pop() ?? 'library'
      return { format, filename: `${name}-labels.${format}`, text, posters: count() }
    },
    exportPart: ({ format, after, limit }) => {
      const { lines, count, next } = exportLabels(ctx.db, format, { after, limit })
      let text = ''
      for (const line of lines) text += line
      return { text, posters: count(), next: next() }
    },
  }
}

export function genreHandlers(ctx: CoreContext): ApiHandlers['genres'] {
  // Each waits for a bulk edit being applied (bulk.ts), then runs in one transaction.
  const done = <T>(write: () => T): Promise<T> =>
    serialized(ctx.db, () => {
      const v = write()
      changed(ctx, 'genres')
      return v
    })
  return {
    list: () => ({ genres: listGenres(ctx.db) }),
    add: ({ name }) => done(() => addGenre(ctx.db, name)),
    rename: ({ name, to }) => done(() => renameGenre(ctx.db, name, to)),
    // A merge or deletion of many labels is applied in slices (bulk.ts), other calls answered meanwhile.
    merge: ({ from, into }) =>
      serialized(ctx.db, async () => {
        noImportRunning(ctx, 'merge genres')
        const { change, description } = ctx.db.transaction(() => readMerge(ctx.db, from, into))()
        await applyChange(ctx.db, 'genre', description, change, change.labels.length, labelMovePlan(ctx.db, change, 'redo'))
        changed(ctx, 'genres')
        return genreInfo(ctx.db, change.into)
      }),
    remove: ({ name }) =>
      serialized(ctx.db, async () => {
        noImportRunning(ctx, 'delete genres')
        const { change, description } = ctx.db.transaction(() => readRemove(ctx.db, name))()
        await applyChange(ctx.db, 'genre', description, change, change.labels.length, labelMovePlan(ctx.db, change, 'redo'))
        changed(ctx, 'genres')
        return { ok: true as const }
      }),
    reorder: ({ names }) =>
      done(() => {
        reorderGenres(ctx.db, names)
        return { ok: true as const }
      }),
  }
}

export function labelHandlers(ctx: CoreContext): ApiHandlers['labels'] {
  const result = (ids: string[], reason: Reason = 'labels') => {
    changed(ctx, reason, ids)
    return { changed: ids, history: historyState(ctx.db) }
  }
  const move = (direction: 'undo' | 'redo') => serialized(ctx.db, async () => {
    const kind = nextEntry(ctx.db, direction)?.kind
    if (kind === 'delete' || kind === 'genre') noImportRunning(ctx, `${direction} this`)
    const before = historyState(ctx.db)
    const r = (await stepBulk(ctx.db, direction)) ?? step(ctx.db, direction)
    const moved = direction === 'undo' ? before.canUndo : before.canRedo
    if (!moved) return result([])
    // A genre or poster step always refreshes (it may change no poster yet still the vocabulary or the grid).
    if (r.reason !== 'labels' || r.ids.length) changed(ctx, r.reason, r.ids)
    return { changed: r.ids, history: historyState(ctx.db) }
  })
  return {
    // Many posters: applied in slices (bulk.ts), other calls answered meanwhile.
    edit: (args) =>
      serialized(ctx.db, async () => result(new Set(args.ids).size >= BULK_MIN ? await editLabelsBulk(ctx.db, args) : editLabels(ctx.db, args))),
    undo: () => move('undo'),
    redo: () => move('redo'),
    history: ({ limit }) => ({ ...historyState(ctx.db), entries: listHistory(ctx.db, limit) }),
  }
}
