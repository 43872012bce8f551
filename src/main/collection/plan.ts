// What a write-back would write: the active model's probabilities for each film's poster
// (cached predictions, the rest predicted as the model code does), the shared acceptance
// rule, the genre map to the media server's names, and replace or merge.
import { basename } from 'node:path'
import { parseNfoFile, readNfoBytes } from '../importer/nfo'
import { acceptedGenres, type AcceptanceRule } from '../../shared/acceptance'
import { ApiError, type FilmChange, type FilmPlan, type WriteMode } from '../../shared/api'
import type { CoreContext } from '../context'
import { modelService } from '../ml/service/model-service'
import { activeRun } from '../ml/store/runs'
import { lineDiff, minimalNfo, NfoError, nfoText, URL_ONLY_NFO, withGenres, type NfoDoc } from '../formats/nfo'
import { inParallel } from './parallel'
import { genreMapping, type FilmRow } from './store'
import { otherNfosNow, unionGenres } from './sync'

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

/** One file a write-back writes for a film. */
export interface PlannedFile {
  path: string
  bytes: Buffer
  /** What the file holds now (kept as the backup), or undefined when it is created. */
  original?: Buffer
  diff: string[]
}

export interface PlannedFilm extends FilmPlan {
  /**
   * With contents: the files to write (update / create). A film with several NFOs (movie.nfo
   * beside `<video>.nfo`) gets each of them that must change; its own NFO, when it is one of
   * them, comes first.
   */
  files?: PlannedFile[]
  /** The other NFOs written with the film's own, with their diffs. */
  others?: { path: string; diff: string[] }[]
}

/** One NFO of a film as it is on disk now. */
type NfoRead =
  | { path: string; kind: 'nfo'; bytes: Buffer; doc: NfoDoc }
  | { path: string; kind: 'empty'; bytes: Buffer }
  | { path: string; kind: 'missing' | 'url' }
  | { path: string; kind: 'error'; reason: string }

async function readForPlan(path: string): Promise<NfoRead> {
  let bytes: Buffer
  try {
    bytes = await readNfoBytes(path)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { path, kind: 'missing' }
    return { path, kind: 'error', reason: (err as Error).message }
  }
  try {
    return { path, kind: 'nfo', bytes, doc: parseNfoFile(bytes) }
  } catch (err) {
    // An empty placeholder: written as a new NFO, the empty original kept as its backup.
    if (err instanceof NfoError && err.kind === 'empty') return { path, kind: 'empty', bytes }
    if (err instanceof NfoError && err.kind === 'url') return { path, kind: 'url' }
    return { path, kind: 'error', reason: (err as Error).message }
  }
}

/**
 * The plan of each film. With `contents`, the film's NFOs are read again now (so a file edited
 * since the scan is judged by what it says now, its lock included) and the new bytes are made.
 * A film with several NFOs is judged by all of them: locked when any is, broken when any is
 * (a URL-only one beside them is left alone), its genres all of theirs, and unchanged only
 * when every one already lists the genres to write.
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
  // The NFOs as they are now (each film's own first), read a few at a time.
  const files = new Map<number, NfoRead[]>()
  // Where a film with no NFO gets more than its own (its further versions'), as they are now.
  const companions = new Map<number, NfoRead[]>()
  if (options.contents || options.diff) {
    const now = await otherNfosNow(ctx.db, films)
    await inParallel(films, async (f) => {
      const n = now.get(f.id)
      files.set(f.id, await Promise.all([f.nfo_path, ...(n?.others ?? [])].map(readForPlan)))
      if (n?.companions.length) companions.set(f.id, await Promise.all(n.companions.map(readForPlan)))
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
    const reads = files.get(f.id)
    const docs = (reads ?? []).filter((r): r is Extract<NfoRead, { kind: 'nfo' }> => r.kind === 'nfo')
    if (reads) {
      const bad = reads.find((r): r is Extract<NfoRead, { kind: 'error' }> => r.kind === 'error')
      if (bad) error = bad.path === f.nfo_path ? bad.reason : `${basename(bad.path)}: ${bad.reason}`
      else if (docs.length) {
        error = null
        exists = true
        nfoGenres = unionGenres(docs.map((d) => d.doc.genres))
        locked = docs.some((d) => d.doc.locked)
      } else if (reads.some((r) => r.kind === 'url')) error = URL_ONLY_NFO
      else {
        // No NFO, or an empty placeholder: a new one is written.
        error = null
        exists = false
        nfoGenres = []
      }
    }
    const genres = targetGenres(nfoGenres, mapped, rule.mode)
    const same = (g: string[]) => genres.length === g.length && genres.every((x, i) => x === g[i])
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
    // Without the files read now, the scan's union of the film's NFOs stands for them: NFOs that
    // disagree each lack a genre of the union, so a write would change them.
    else if (reads ? docs.every((d) => same(d.doc.genres)) : same(nfoGenres) && !f.nfos_disagree) change = 'unchanged'
    else change = 'update'
    const plan: PlannedFilm = { id: f.id, key: f.key, proposed, genres, change, diff: [], reason }
    if (change === 'create' && reads) {
      const bytes = minimalNfo({ title: f.title, year: f.year, imdb: f.imdb, tmdb: f.tmdb, genres })
      const diff = bytes.toString('utf8').replace(/\n$/, '').split('\n').map((l) => `+ ${l}`)
      const made = (r: NfoRead) => ({ path: r.path, bytes, original: r.kind === 'empty' ? r.bytes : undefined, diff })
      // A companion that holds an NFO by now is no longer one to create (a rescan reads it as the film's).
      plan.files = [made(reads[0]), ...(companions.get(f.id) ?? []).filter((r) => r.kind === 'missing' || r.kind === 'empty').map(made)]
    } else if (change === 'update') {
      plan.files = []
      for (const d of docs) {
        const bytes = withGenres(d.doc, genres, d.bytes)
        if (!bytes.equals(d.bytes)) plan.files.push({ path: d.path, bytes, original: d.bytes, diff: options.diff ? lineDiff(d.doc.text, nfoText(bytes)) : [] })
      }
    }
    if (plan.files && options.diff) {
      plan.diff = plan.files.find((x) => x.path === f.nfo_path)?.diff ?? []
      const others = plan.files.filter((x) => x.path !== f.nfo_path).map((x) => ({ path: x.path, diff: x.diff }))
      if (others.length) plan.others = others
    }
    plans.push(plan)
  }
  return { runId: model.runId, plans }
}
