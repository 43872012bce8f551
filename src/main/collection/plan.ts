// What a write-back would write: the active model's probabilities for each film's poster
// (cached predictions, the rest predicted as the model code does), the shared acceptance
// rule, the genre map to the media server's names, and replace or merge.
import { readNfoBytes } from '../importer/nfo'
import { acceptedGenres, type AcceptanceRule } from '../../shared/acceptance'
import { ApiError, type FilmChange, type FilmPlan, type WriteMode } from '../../shared/api'
import type { CoreContext } from '../context'
import { modelService } from '../ml/service/model-service'
import { activeRun } from '../ml/store/runs'
import { lineDiff, minimalNfo, NfoError, nfoText, parseNfo, URL_ONLY_NFO, withGenres } from '../formats/nfo'
import { inParallel } from './parallel'
import { genreMapping, type FilmRow } from './store'

export interface PlanRule extends AcceptanceRule {
  mode: WriteMode
}

/** The genres a film's NFO should end with: replace by, or merge in, the mapped proposals. */
export function targetGenres(nfoGenres: string[], proposed: string[], mode: WriteMode): string[] {
  const out: string[] = []
  const seen = new Set<string>()
  for (const g of mode === 'merge' ? [...nfoGenres, ...proposed] : proposed) {
    if (seen.has(g.toLowerCase())) continue
    seen.add(g.toLowerCase())
    out.push(g)
  }
  return out
}

/** Probabilities of the active model for the films' posters, by poster id (stored ones, the rest predicted and stored). */
export async function filmProbabilities(ctx: CoreContext, films: FilmRow[], signal: AbortSignal): Promise<{ runId: number; genres: string[]; thresholds: number[]; probs: Map<string, Float32Array> }> {
  const run = activeRun(ctx.db)
  if (!run) throw new ApiError('conflict', 'no model is active: train one first (posterity train, or the Train view), then tag the collection')
  const ids = [...new Set(films.map((f) => f.poster_id).filter((x): x is string => !!x))]
  const probs = await modelService(ctx).storedPredictions(run, ids, signal)
  return { runId: run.id, genres: run.genres, thresholds: run.thresholds, probs }
}

export interface PlannedFilm extends FilmPlan {
  /** The bytes to write (update / create), when the plan was made with contents. */
  bytes?: Buffer
  original?: Buffer
}

/**
 * The plan of each film. With `contents`, the NFO is read again now (so a file edited since
 * the scan is judged by what it says now, its lock included) and the new bytes are made.
 */
export async function planFilms(
  ctx: CoreContext,
  films: FilmRow[],
  rule: PlanRule,
  options: { contents: boolean; diff: boolean; signal?: AbortSignal; progress?: (done: number, total: number) => void },
): Promise<{ runId: number; plans: PlannedFilm[] }> {
  const model = await filmProbabilities(ctx, films, options.signal ?? new AbortController().signal)
  const map = genreMapping(ctx.db)
  const plans: PlannedFilm[] = []
  // The NFOs as they are now, read a few at a time.
  const files = new Map<number, Buffer | NodeJS.ErrnoException>()
  if (options.contents || options.diff) {
    await inParallel(films, async (f) => {
      files.set(f.id, await readNfoBytes(f.nfo_path).catch((e: NodeJS.ErrnoException) => e))
    })
  }
  for (const [i, f] of films.entries()) {
    options.progress?.(i, films.length)
    const p = f.poster_id ? model.probs.get(f.poster_id) : undefined
    const proposed = p
      ? acceptedGenres(
          model.genres.map((genre, c) => ({ genre, probability: p[c], threshold: model.thresholds[c] })),
          rule,
        ).map((genre) => ({ genre, probability: Math.round(p[model.genres.indexOf(genre)] * 1e4) / 1e4 }))
      : []
    const mapped = proposed.map((x) => map.toServer(x.genre)).filter((g): g is string => !!g)
    let nfoGenres = JSON.parse(f.nfo_genres) as string[]
    let locked = f.locked === 1
    let error = f.nfo_error
    let exists = f.nfo_exists === 1
    let original: Buffer | undefined
    let doc: ReturnType<typeof parseNfo> | undefined
    if (options.contents || options.diff) {
      try {
        const read = files.get(f.id)!
        if (!(read instanceof Buffer)) throw read
        original = read
        exists = true
        doc = parseNfo(original)
        nfoGenres = doc.genres
        locked = doc.locked
        error = null
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
          exists = false
          error = null
        } else if (err instanceof NfoError && err.kind === 'empty') {
          // An empty placeholder: written as a new NFO, the empty original kept as its backup.
          exists = false
          error = null
          nfoGenres = []
        } else error = (err as Error).message
      }
    }
    const genres = targetGenres(nfoGenres, mapped, rule.mode)
    let change: FilmChange
    let reason: string | null = null
    if (f.decision === 'skip') change = 'skipped'
    else if (error === URL_ONLY_NFO) {
      change = 'skipped'
      reason = error
    } else if (error) {
      change = 'error'
      reason = error
    } else if (locked) change = 'locked'
    else if (!f.poster_id) change = 'no-poster'
    else if (mapped.length === 0) change = 'no-proposal'
    else if (!exists) change = 'create'
    else if (genres.length === nfoGenres.length && genres.every((g, i) => g === nfoGenres[i])) change = 'unchanged'
    else change = 'update'
    const plan: PlannedFilm = { id: f.id, key: f.key, proposed, genres, change, diff: [], reason }
    if (change === 'create') {
      const bytes = minimalNfo({ title: f.title, year: f.year, imdb: f.imdb, tmdb: f.tmdb, genres })
      plan.bytes = bytes
      plan.original = original
      if (options.diff) plan.diff = bytes.toString('utf8').replace(/\n$/, '').split('\n').map((l) => `+ ${l}`)
    } else if (change === 'update' && doc && original) {
      const bytes = withGenres(doc, genres, original)
      plan.bytes = bytes
      plan.original = original
      if (options.diff) plan.diff = lineDiff(doc.text, nfoText(bytes))
    }
    plans.push(plan)
  }
  return { runId: model.runId, plans }
}
