// STUB — to be implemented: library.*, genres.*, labels.* handlers over the SQLite library.
import { ApiError, type ApiHandlers } from '../../shared/api'
import type { CoreContext } from '../context'

const todo = (): never => {
  throw new ApiError('unsupported', 'not implemented yet')
}

export function libraryHandlers(_ctx: CoreContext): ApiHandlers['library'] {
  return { stats: todo, query: todo, ids: todo, get: todo }
}
export function genreHandlers(_ctx: CoreContext): ApiHandlers['genres'] {
  return { list: todo, add: todo, rename: todo, merge: todo, remove: todo, reorder: todo }
}
export function labelHandlers(_ctx: CoreContext): ApiHandlers['labels'] {
  return { edit: todo, undo: todo, redo: todo, history: todo }
}
