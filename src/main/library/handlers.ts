// library.*, genres.* and labels.* handlers over the SQLite library. Every change emits
// `library.changed` so views refresh.
import type { ApiHandlers } from '../../shared/api'
import type { CoreContext } from '../context'
import { addGenre, listGenres, mergeGenre, removeGenre, renameGenre, reorderGenres } from './genres'
import { editLabels } from './edit'
import { historyState, listHistory, step } from './history'
import { getPoster, libraryStats, queryIds, queryPosters } from './query'

/** Events name the posters when few; beyond that "possibly all". */
const MAX_EVENT_IDS = 1000

function changed(ctx: CoreContext, reason: 'labels' | 'genres', ids?: string[]): void {
  if (ids && ids.length === 0) return
  ctx.events.emit('library.changed', { reason, ids: ids && ids.length <= MAX_EVENT_IDS ? ids : undefined })
}

export function libraryHandlers(ctx: CoreContext): ApiHandlers['library'] {
  return {
    stats: () => libraryStats(ctx.db, ctx.dir),
    query: (args) => queryPosters(ctx.db, args),
    ids: (args) => ({ ids: queryIds(ctx.db, args) }),
    get: ({ id }) => getPoster(ctx.db, id),
  }
}

export function genreHandlers(ctx: CoreContext): ApiHandlers['genres'] {
  const done = <T>(v: T): T => {
    changed(ctx, 'genres')
    return v
  }
  return {
    list: () => ({ genres: listGenres(ctx.db) }),
    add: ({ name }) => done(addGenre(ctx.db, name)),
    rename: ({ name, to }) => done(renameGenre(ctx.db, name, to)),
    merge: ({ from, into }) => done(mergeGenre(ctx.db, from, into)),
    remove: ({ name }) => {
      removeGenre(ctx.db, name)
      return done({ ok: true as const })
    },
    reorder: ({ names }) => {
      reorderGenres(ctx.db, names)
      return done({ ok: true as const })
    },
  }
}

export function labelHandlers(ctx: CoreContext): ApiHandlers['labels'] {
  const result = (ids: string[]) => {
    changed(ctx, 'labels', ids)
    return { changed: ids, history: historyState(ctx.db) }
  }
  return {
    edit: (args) => result(editLabels(ctx.db, args)),
    undo: () => result(step(ctx.db, 'undo')),
    redo: () => result(step(ctx.db, 'redo')),
    history: ({ limit }) => ({ ...historyState(ctx.db), entries: listHistory(ctx.db, limit) }),
  }
}
