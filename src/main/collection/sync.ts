// Opening and re-scanning a collection: films found on disk are matched to the rows of the
// last scan by their key (the video's path under the root). New films are added, films whose
// NFO or poster changed (size, mtime) are read again, the rest is left alone, and films that
// are gone are reported and dropped. Posters go through the importer, so thumbnails, hashes,
// duplicate detection and re-import shortcuts are the library's own; NFO genres become the
// poster's labels with source "nfo" unless the user labelled it or other labels exist.
import { stat } from 'node:fs/promises'
import { parseNfoFile, readNfoBytes } from '../importer/nfo'
import { basename, resolve } from 'node:path'
import { ApiError, GenreName, type ScanSummary } from '../../shared/api'
import type { CoreContext } from '../context'
import { runImport } from '../importer/run'
import { noTables } from '../importer/tables'
import type { Db } from '../library/db'
import { removePosters } from '../library/remove'
import { ensureGenre } from '../library/vocabulary'
import { NfoError, URL_ONLY_NFO, type NfoInfo } from '../formats/nfo'
import { inParallel } from './parallel'
import { progressReporter } from './progress'
import { scanCollection, scanFolder, type ScannedFilm } from './scan'
import { collectionId, filmRows, genreMapping, writtenFilms, type FilmRow } from './store'

interface NfoState {
  size: number | null
  mtime: number | null
  info: NfoInfo | null
  error: string | null
}

async function fileState(path: string): Promise<{ size: number; mtime: number } | null> {
  try {
    const st = await stat(path)
    return st.isFile() ? { size: st.size, mtime: Math.floor(st.mtimeMs) } : null
  } catch {
    return null
  }
}

/** Reads and parses one NFO; a broken one is an error string, never an exception. */
export async function readNfoState(path: string): Promise<NfoState> {
  const st = await fileState(path)
  if (!st) return { size: null, mtime: null, info: null, error: null }
  try {
    const info = parseNfoFile(await readNfoBytes(path))
    return { ...st, info, error: null }
  } catch (err) {
    // An empty file is a placeholder: as good as none (a write-back replaces it, keeping a backup).
    if (err instanceof NfoError && err.kind === 'empty') return { ...st, info: null, error: null }
    const reason = err instanceof NfoError ? err.message : `cannot be read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`
    return { ...st, info: null, error: reason }
  }
}

export interface FilmNfoState extends NfoState {
  /** The file `error` is about (the film's NFO, or another NFO of the film) and that file's reason. */
  problem: { path: string; reason: string } | null
  /** Set when the film's NFOs list different genres: what the scan reports (both are kept). */
  note: string | null
}

const genreKey = (g: string[]) => [...new Set(g.map((x) => x.toLowerCase()))].sort().join('|')

/** The lists' genres in order, each once (case aside: the first spelling wins). */
export function unionGenres(lists: string[][]): string[] {
  const seen = new Set<string>()
  const out: string[] = []
  for (const g of lists.flat()) {
    if (seen.has(g.toLowerCase())) continue
    seen.add(g.toLowerCase())
    out.push(g)
  }
  return out
}

/**
 * Reads every NFO of a film (`nfo` first, then `others`: movie.nfo beside `<video>.nfo` and the
 * like) as one: size and mtime are the first file's; title, year and ids the first file's that
 * has them; locked when any file is; the genres are all the files' genres, so a genre a person
 * put in either file is never lost. When the files disagree, `note` says so. A broken file
 * (other than a URL-only one, which is left alone) makes the film's error; empty ones add nothing.
 */
export async function readFilmNfos(nfo: string, others: string[]): Promise<FilmNfoState> {
  const first = await readNfoState(nfo)
  if (!others.length) return { ...first, problem: first.error ? { path: nfo, reason: first.error } : null, note: null }
  const all = [{ path: nfo, s: first }, ...(await Promise.all(others.map(async (path) => ({ path, s: await readNfoState(path) }))))]
  const out: FilmNfoState = { ...first, info: null, error: null, problem: null, note: null }
  const bad = all.find((x) => x.s.error && x.s.error !== URL_ONLY_NFO)
  const usable = all.filter((x) => x.s.info)
  if (bad) {
    out.error = bad.path === nfo ? bad.s.error : `${basename(bad.path)}: ${bad.s.error}`
    out.problem = { path: bad.path, reason: bad.s.error! }
    return out
  }
  if (!usable.length) {
    const url = all.find((x) => x.s.error === URL_ONLY_NFO)
    if (url) {
      out.error = URL_ONLY_NFO
      out.problem = { path: url.path, reason: URL_ONLY_NFO }
    }
    return out
  }
  const pick = <K extends 'title' | 'originalTitle' | 'year' | 'imdb' | 'tmdb'>(k: K) => usable.map((x) => x.s.info![k]).find((v) => v !== null) ?? null
  out.info = {
    root: usable[0].s.info!.root,
    title: pick('title'),
    originalTitle: pick('originalTitle'),
    year: pick('year'),
    imdb: pick('imdb'),
    tmdb: pick('tmdb'),
    genres: unionGenres(usable.map((x) => x.s.info!.genres)),
    locked: usable.some((x) => x.s.info!.locked),
  }
  if (new Set(usable.map((x) => genreKey(x.s.info!.genres))).size > 1) {
    const says = usable.map((x) => `${basename(x.path)}: ${x.s.info!.genres.join(', ') || 'none'}`).join('; ')
    out.note = `the film's NFOs list different genres (${says}): all are kept (${out.info.genres.join(', ')}), and a write-back writes the same genres into each`
  }
  return out
}

/**
 * The other NFOs of each film (movie.nfo beside `<video>.nfo` and the like) as its folder holds
 * them now, by film id: one folder read a folder. A film whose NFO the scan would choose
 * differently now keeps its stored one first and gets the rest. With them, the NFOs a film
 * without any would be given beside its own (its further versions').
 */
export async function otherNfosNow(db: Db, films: Pick<FilmRow, 'id' | 'collection_id' | 'key' | 'folder' | 'nfo_path'>[]): Promise<Map<number, { others: string[]; companions: string[] }>> {
  const rootOf = db.prepare('SELECT root FROM collections WHERE id = ?').pluck()
  const folders = new Map<string, { root: string; films: typeof films }>()
  for (const f of films) {
    const k = `${f.collection_id}\0${f.folder}`
    const entry = folders.get(k) ?? { root: rootOf.get(f.collection_id) as string, films: [] }
    entry.films.push(f)
    folders.set(k, entry)
  }
  const out = new Map<number, { others: string[]; companions: string[] }>()
  await inParallel([...folders.values()], async ({ root, films: here }) => {
    const found = new Map((await scanFolder(root, here[0].folder).catch(() => [])).map((s) => [s.key, s]))
    for (const f of here) {
      const s = found.get(f.key)
      const all = s ? [...(s.nfoExists ? [s.nfo] : []), ...s.otherNfos] : []
      out.set(f.id, { others: all.filter((p) => p !== f.nfo_path), companions: s && !s.nfoExists ? s.companions.filter((p) => p !== f.nfo_path) : [] })
    }
  })
  return out
}

/** The columns a film row takes from its scan entry and NFO. */
function filmColumns(f: ScannedFilm, nfo: FilmNfoState) {
  const i = nfo.info
  return {
    folder: f.folder,
    video: f.video,
    nfo_path: f.nfo,
    nfo_exists: nfo.size !== null ? 1 : 0,
    nfo_size: nfo.size,
    nfo_mtime: nfo.mtime,
    nfo_error: nfo.error,
    poster_path: f.poster,
    title: i?.title ?? f.title,
    year: i?.year ?? f.year,
    imdb: i?.imdb ?? null,
    tmdb: i?.tmdb ?? null,
    locked: i?.locked ? 1 : 0,
    nfo_genres: JSON.stringify(i?.genres ?? []),
    nfos_disagree: nfo.note ? 1 : 0,
  }
}

/** Posters' labels from their NFOs (source "nfo"), where no other source speaks for the poster. */
export function applyNfoLabels(db: Db, films: { posterId: string; genres: string[] }[]): void {
  const map = genreMapping(db)
  const poster = db.prepare('SELECT user_edited FROM posters WHERE id = ?').pluck()
  const others = db.prepare(`SELECT COUNT(*) FROM labels WHERE poster_id = ? AND source <> 'nfo'`).pluck()
  const clear = db.prepare(`DELETE FROM labels WHERE poster_id = ? AND source = 'nfo'`)
  const ins = db.prepare(`INSERT OR IGNORE INTO labels (poster_id, genre_id, source) VALUES (?, ?, 'nfo')`)
  const flag = db.prepare('UPDATE posters SET labelled = ? WHERE id = ?')
  db.transaction(() => {
    for (const f of films) {
      const edited = poster.get(f.posterId) as number | undefined
      if (edited === undefined || edited === 1 || (others.get(f.posterId) as number) > 0) continue
      clear.run(f.posterId)
      // Old Kodi NFOs hold several genres in one element: "Action / Adventure".
      const names = [...new Set(f.genres.flatMap((g) => g.split(/\s+\/\s+/)).map((g) => map.toLibrary(g)))].filter((g) => GenreName.safeParse(g).success)
      for (const g of names) ins.run(f.posterId, ensureGenre(db, g).id)
      flag.run(names.length > 0 ? 1 : 0, f.posterId)
    }
  })()
}

const sameGenres = (a: string[] | undefined, b: string[]) => !!a && genreKey(a) === genreKey(b)

export async function syncCollection(ctx: CoreContext, rootArg: string, signal: AbortSignal = new AbortController().signal): Promise<ScanSummary> {
  const t0 = performance.now()
  const root = resolve(rootArg)
  const rootState = await stat(root).catch(() => null)
  if (!rootState) throw new ApiError('invalid-args', `no such folder: ${root}`)
  if (!rootState.isDirectory()) throw new ApiError('invalid-args', `${root} is not a folder`)
  const db = ctx.db
  const progress = progressReporter(ctx, root)
  progress('scanning', 0, 0)
  const found = await scanCollection(root, signal)
  const cid = collectionId(db, root, true)!
  const old = new Map(filmRows(db, cid).map((r) => [r.key, r]))
  const problems = [...found.problems]
  /** A film's NFO problem (a URL-only NFO is none) and its NFOs' disagreement, as the scan reports them. */
  const report = (nfo: FilmNfoState, path: string) => {
    if (nfo.problem && nfo.error !== URL_ONLY_NFO) problems.push(nfo.problem)
    if (nfo.note) problems.push({ path, reason: nfo.note })
  }
  let added = 0
  let changed = 0
  let unchanged = 0
  const touched: { film: ScannedFilm; nfo: FilmNfoState; row: FilmRow | undefined; poster: { size: number; mtime: number } | null }[] = []
  // Stats and reads overlap (a NAS answers each with a round trip); results keep scan order.
  type Checked =
    | { same: true; row: FilmRow; nfo: FilmNfoState | null }
    | { same: false; film: ScannedFilm; nfo: FilmNfoState; row: FilmRow | undefined; poster: { size: number; mtime: number } | null }
  const none: FilmNfoState = { size: null, mtime: null, info: null, error: null, problem: null, note: null }
  const check = async (f: ScannedFilm): Promise<Checked> => {
    const row = old.get(f.key)
    const [st, pst] = await Promise.all([fileState(f.nfo), f.poster ? fileState(f.poster) : null])
    const same =
      row &&
      row.nfo_path === f.nfo &&
      row.poster_path === f.poster &&
      row.nfo_size === (st?.size ?? null) &&
      row.nfo_mtime === (st?.mtime ?? null) &&
      row.poster_size === (pst?.size ?? null) &&
      row.poster_mtime === (pst?.mtime ?? null)
    // A film with several NFOs is read every time (the others' changes count too; it is rare).
    if (same && !f.otherNfos.length) return { same: true, row, nfo: null }
    const nfo = st || f.otherNfos.length ? await readFilmNfos(f.nfo, f.otherNfos) : none
    if (same) {
      const cols = filmColumns(f, nfo)
      if ((Object.keys(cols) as (keyof typeof cols)[]).every((k) => cols[k] === row[k])) return { same: true, row, nfo }
    }
    return { same: false, film: f, nfo, row, poster: pst }
  }
  const checked: Checked[] = new Array(found.films.length)
  let done = 0
  await inParallel(found.films, async (f, i) => {
    checked[i] = await check(f)
    progress('reading', ++done, found.films.length)
  })
  for (const c of checked) {
    if (c.same) {
      unchanged++
      if (c.nfo) report(c.nfo, c.row.nfo_path)
      else if (c.row.nfo_error && c.row.nfo_error !== URL_ONLY_NFO) problems.push({ path: c.row.nfo_path, reason: c.row.nfo_error })
      continue
    }
    report(c.nfo, c.film.nfo)
    touched.push(c)
    if (c.row) changed++
    else added++
  }
  const seen = new Set(found.films.map((f) => f.key))
  const removed = [...old.values()].filter((r) => !seen.has(r.key))

  // Posters of new and changed films (and films whose poster never made it in) through the importer.
  const needPoster = new Set(touched.filter((t) => t.film.poster).map((t) => t.film.poster!))
  for (const f of found.films) {
    const row = old.get(f.key)
    if (f.poster && row && !row.poster_id) needPoster.add(f.poster)
  }
  if (needPoster.size) {
    // A replaced poster's stored predictions are stale: they are made again when next needed.
    const stale = db.prepare('DELETE FROM predictions WHERE poster_id IN (SELECT id FROM posters WHERE path = ?)')
    db.transaction(() => {
      for (const t of touched) if (t.row && t.film.poster && (t.row.poster_size !== (t.poster?.size ?? null) || t.row.poster_mtime !== (t.poster?.mtime ?? null))) stale.run(t.film.poster)
    })()
    const result = await runImport(db, ctx.dir, { paths: [...needPoster] }, noTables(), { signal, progress: (p) => progress('posters', p.done, p.total) })
    for (const s of result.skipped) problems.push({ path: s.path, reason: `poster not imported: ${s.reason}` })
  }

  const posterByPath = db.prepare('SELECT id FROM posters WHERE path = ?').pluck()
  const insert = db.prepare(
    `INSERT INTO collection_films (collection_id, key, folder, video, nfo_path, nfo_exists, nfo_size, nfo_mtime, nfo_error, poster_path,
       poster_size, poster_mtime, poster_id, title, year, imdb, tmdb, locked, nfo_genres, nfos_disagree)
     VALUES (@cid, @key, @folder, @video, @nfo_path, @nfo_exists, @nfo_size, @nfo_mtime, @nfo_error, @poster_path,
       @poster_size, @poster_mtime, @poster_id, @title, @year, @imdb, @tmdb, @locked, @nfo_genres, @nfos_disagree)`,
  )
  const update = db.prepare(
    `UPDATE collection_films SET folder = @folder, video = @video, nfo_path = @nfo_path, nfo_exists = @nfo_exists, nfo_size = @nfo_size,
       nfo_mtime = @nfo_mtime, nfo_error = @nfo_error, poster_path = @poster_path,
       poster_size = @poster_size, poster_mtime = @poster_mtime, poster_id = @poster_id, title = @title, year = @year,
       imdb = @imdb, tmdb = @tmdb, locked = @locked, nfo_genres = @nfo_genres, nfos_disagree = @nfos_disagree WHERE id = @id`,
  )
  const setPoster = db.prepare('UPDATE collection_films SET poster_id = ? WHERE id = ?')
  const labelled: { posterId: string; genres: string[] }[] = []
  const ours = new Map([...writtenFilms(db, cid, ctx.dir)].map(([film, w]) => [film, w.genres]))
  db.transaction(() => {
    for (const t of touched) {
      const posterId = t.film.poster ? ((posterByPath.get(t.film.poster) as string | undefined) ?? null) : null
      const cols = { ...filmColumns(t.film, t.nfo), poster_id: posterId, poster_size: t.poster?.size ?? null, poster_mtime: t.poster?.mtime ?? null }
      if (t.row) update.run({ ...cols, id: t.row.id })
      else insert.run({ ...cols, cid, key: t.film.key })
      // Genres a write-back put there are the model's: a person's labels come only from NFOs they wrote.
      if (posterId && t.nfo.info && !(t.row && sameGenres(ours.get(t.row.id), t.nfo.info.genres))) labelled.push({ posterId, genres: t.nfo.info.genres })
    }
    for (const f of found.films) {
      const row = old.get(f.key)
      if (f.poster && row && !row.poster_id) {
        const id = posterByPath.get(f.poster) as string | undefined
        if (id) setPoster.run(id, row.id)
      }
    }
    const del = db.prepare('DELETE FROM collection_films WHERE id = ?')
    for (const r of removed) del.run(r.id)
    db.prepare('UPDATE collections SET scanned_at = ? WHERE id = ?').run(Date.now(), cid)
  })()
  applyNfoLabels(db, labelled)
  // Posters of films gone from disk, whose files are gone too, leave the library as one
  // undoable deletion (Undo in the toolbar brings them back); a poster another film still
  // shows, or whose file is still there, stays.
  const gone: string[] = []
  const inUse = db.prepare('SELECT 1 FROM collection_films WHERE poster_id = ? LIMIT 1').pluck()
  for (const r of removed) {
    if (!r.poster_id || !r.poster_path || inUse.get(r.poster_id)) continue
    if (await fileState(r.poster_path)) continue
    const path = db.prepare('SELECT path FROM posters WHERE id = ?').pluck().get(r.poster_id) as string | undefined
    if (path === r.poster_path) gone.push(r.poster_id)
  }
  if (gone.length) {
    removePosters(db, { ids: gone })
    ctx.events.emit('library.changed', { reason: 'posters', ids: gone.length <= 500 ? gone : undefined })
  }
  const withPoster = db.prepare('SELECT COUNT(*) FROM collection_films WHERE collection_id = ? AND poster_id IS NOT NULL').pluck().get(cid) as number
  ctx.events.emit('library.changed', { reason: 'collection' })
  return {
    root,
    films: found.films.length,
    withPoster,
    added,
    changed,
    unchanged,
    removed: removed.map((r) => r.key),
    postersRemoved: gone.length,
    problems,
    seconds: Math.round((performance.now() - t0) / 10) / 100,
  }
}
