// collection.* handlers: the same core behind IPC, the WebSocket and the CLI.
import { resolve } from 'node:path'
import { ApiError, type ApiHandlers } from '../../shared/api'
import type { CoreContext } from '../context'
import { exportFilms } from './export'
import { planFilms } from './plan'
import { collectionId, filmRows, readGenreMap, toFilm, writeGenreMap, writtenFilms } from './store'
import { genreByName, genreNames } from '../library/vocabulary'
import { syncCollection } from './sync'
import { listWrites, undoWrite, writeBack } from './write'

function requireCollection(ctx: CoreContext, root: string): number {
  const id = collectionId(ctx.db, resolve(root))
  if (id === null) throw new ApiError('not-found', `${resolve(root)} is not an open collection: scan it first`)
  return id
}

export function collectionHandlers(ctx: CoreContext): ApiHandlers['collection'] {
  // One scan or write-back at a time: both change files and rows the other reads.
  let busy: string | null = null
  const exclusive = async <T>(what: string, fn: () => Promise<T>): Promise<T> => {
    if (busy) throw new ApiError('conflict', `a collection ${busy} is running; wait for it to finish`)
    busy = what
    try {
      return await fn()
    } finally {
      busy = null
    }
  }
  return {
    roots: () => ({
      roots: (
        ctx.db
          .prepare('SELECT c.root, c.scanned_at AS scannedAt, (SELECT COUNT(*) FROM collection_films f WHERE f.collection_id = c.id) AS films FROM collections c ORDER BY c.root')
          .all() as { root: string; scannedAt: number | null; films: number }[]
      ),
    }),
    scan: ({ root }) => exclusive('scan', () => syncCollection(ctx, root)),
    films: ({ root }) => {
      const cid = requireCollection(ctx, root)
      const written = writtenFilms(ctx.db, cid, ctx.dir)
      return { root: resolve(root), films: filmRows(ctx.db, cid).map((r) => toFilm(r, written.get(r.id))) }
    },
    plan: async ({ root, rule, ids, diff }) => {
      const films = filmRows(ctx.db, requireCollection(ctx, root), ids)
      const { runId, plans } = await planFilms(ctx, films, rule, { contents: false, diff })
      return { runId, films: plans.map(({ files: _f, others: _o, ...p }) => p) }
    },
    decide: ({ ids, decision }) => {
      const changed = ctx.db.transaction(() => {
        const upd = ctx.db.prepare('UPDATE collection_films SET decision = ? WHERE id = ? AND decision <> ?')
        return ids.reduce((n, id) => n + upd.run(decision, id, decision).changes, 0)
      })()
      return { changed }
    },
    write: (req) => exclusive('write-back', () => writeBack(ctx, req)),
    writes: async ({ root, limit }) => ({ entries: await listWrites(ctx.db, ctx.dir, root, limit) }),
    undo: ({ writeId }) => exclusive('undo', () => undoWrite(ctx, writeId)),
    genreMap: () => ({ entries: readGenreMap(ctx.db) }),
    setGenreMap: ({ entries }) => {
      const seen = new Set<string>()
      // Entries kept from before (the default Sci-Fi → Science Fiction) may name a genre this library lacks; a new one may not (a typo).
      const stored = new Set(readGenreMap(ctx.db).map((e) => e.library.toLowerCase()))
      for (const e of entries) {
        if (seen.has(e.library.toLowerCase())) throw new ApiError('invalid-args', `"${e.library}" is mapped twice`)
        seen.add(e.library.toLowerCase())
        if (!stored.has(e.library.toLowerCase()) && !genreByName(ctx.db, e.library)) throw new ApiError('invalid-args', `the library has no genre "${e.library}" (a map entry names a library genre)`)
      }
      // Each server name stands for one library genre: two sharing one would write a genre the
      // model never proposed, and reading the NFOs back could not tell them apart.
      const mapped = new Map(entries.map((e) => [e.library.toLowerCase(), e.server]))
      const owner = new Map<string, string>()
      for (const name of genreNames(ctx.db)) {
        const server = mapped.get(name.toLowerCase()) ?? name
        if (!server) continue
        const other = owner.get(server.toLowerCase())
        if (other) throw new ApiError('invalid-args', `"${server}" would stand for both ${other} and ${name}: give one of them another server name`)
        owner.set(server.toLowerCase(), name)
      }
      writeGenreMap(ctx.db, entries)
      return { entries: readGenreMap(ctx.db) }
    },
    export: async ({ root, format, rule }) => {
      const films = filmRows(ctx.db, requireCollection(ctx, root))
      const plans = rule ? new Map((await planFilms(ctx, films, rule, { contents: false, diff: false })).plans.map((p) => [p.id, p])) : null
      return { format, text: exportFilms(films.map((r) => toFilm(r)), plans, format), films: films.length }
    },
  }
}
