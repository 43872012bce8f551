// The collection domain: a folder of films with Kodi / Jellyfin NFO files, the genres the
// model proposes for them, and the write-back of those genres into the NFOs (undoable).
import { z } from 'zod'
import { command } from './define'
import { FsPath, PosterId } from './common'
import { ExportFormat } from './library'

export const FilmId = z.number().int().positive()

export const Film = z.object({
  id: FilmId,
  /** The video's (or NFO's) path under the collection root, '/'-separated. */
  key: z.string(),
  folder: z.string(),
  video: z.string().nullable(),
  nfoPath: z.string(),
  nfoExists: z.boolean(),
  /** Why the NFO cannot be used (the parser's reason); such a film is never written. */
  nfoError: z.string().nullable(),
  posterPath: z.string().nullable(),
  posterId: PosterId.nullable(),
  title: z.string().nullable(),
  year: z.number().int().nullable(),
  imdb: z.string().nullable(),
  tmdb: z.string().nullable(),
  locked: z.boolean(),
  /** The NFO's <genre> values as they are in the file. */
  nfoGenres: z.array(z.string()),
  /** The review: accepted for the next write-back, skipped, or neither (a write-back spends an acceptance; its undo gives it back). */
  decision: z.enum(['pending', 'accept', 'skip']),
  /** The write-back in effect on this film's NFOs (absent: none, or it was undone): when, and the genres it wrote. */
  written: z.object({ writeId: z.number().int(), at: z.number().int(), genres: z.array(z.string()) }).optional(),
})
export type Film = z.infer<typeof Film>

export const WriteMode = z.enum(['replace', 'merge'])
export type WriteMode = z.infer<typeof WriteMode>

/** What a write-back would do to one film. */
export const FilmChange = z.enum(['update', 'create', 'unchanged', 'locked', 'no-poster', 'no-proposal', 'error', 'skipped'])
export type FilmChange = z.infer<typeof FilmChange>

export const Rule = z.strictObject({
  /** Each written genre is at least this probable (as well as above its tuned threshold). */
  minProbability: z.number().min(0).max(1).default(0.5),
  /** At most this many genres a film. */
  maxGenres: z.number().int().min(1).max(20).default(3),
  mode: WriteMode.default('replace'),
})

export const FilmPlan = z.object({
  id: FilmId,
  key: z.string(),
  /** Library genres the model proposes (accepted by the rule), with their probabilities. */
  proposed: z.array(z.object({ genre: z.string(), probability: z.number() })),
  /** The <genre> values the NFO would have after the write (media-server names). */
  genres: z.array(z.string()),
  change: FilmChange,
  /** `- old line` / `+ new line`, when asked for. */
  diff: z.array(z.string()),
  reason: z.string().nullable(),
})
export type FilmPlan = z.infer<typeof FilmPlan>

export const ScanSummary = z.object({
  root: z.string(),
  films: z.number().int(),
  withPoster: z.number().int(),
  added: z.number().int(),
  changed: z.number().int(),
  unchanged: z.number().int(),
  /** Keys of films that were in the collection last time and are gone now. */
  removed: z.array(z.string()),
  /** Posters of removed films whose files are gone too: deleted from the library as one undoable entry. */
  postersRemoved: z.number().int(),
  /**
   * Broken NFOs (with the parser's reason), unreadable folders, posters that could not be
   * imported, and films whose NFOs (movie.nfo beside `<video>.nfo`) list different genres.
   */
  problems: z.array(z.object({ path: z.string(), reason: z.string() })),
  seconds: z.number(),
})
export type ScanSummary = z.infer<typeof ScanSummary>

export const WriteResult = z.object({
  id: FilmId,
  key: z.string(),
  path: z.string(),
  status: z.enum(['written', 'created', 'unchanged', 'locked', 'skipped', 'failed']),
  genres: z.array(z.string()),
  diff: z.array(z.string()),
  reason: z.string().nullable(),
  /** The film's other NFOs written with `path` (movie.nfo beside `<video>.nfo`), each with its diff. */
  others: z.array(z.object({ path: z.string(), diff: z.array(z.string()) })).optional(),
})
export type WriteResult = z.infer<typeof WriteResult>

export const WriteEntry = z.object({
  id: z.number().int(),
  root: z.string(),
  at: z.number().int(),
  description: z.string(),
  files: z.number().int(),
  undone: z.boolean(),
})
export type WriteEntry = z.infer<typeof WriteEntry>

export const GenreMapEntry = z.object({
  /** The genre as the library (and the model) names it. */
  library: z.string().trim().min(1).max(40),
  /** The name written into NFOs; empty: this genre is never written. */
  server: z.string().trim().max(60),
})
export type GenreMapEntry = z.infer<typeof GenreMapEntry>

const Root = z.strictObject({ root: FsPath })
const Scope = z.enum(['accepted', 'all'])

export const collection = {
  /** Collections opened in this library. */
  roots: command(z.strictObject({}), z.object({ roots: z.array(z.object({ root: z.string(), films: z.number().int(), scannedAt: z.number().int().nullable() })) })),
  /** Opens (first time) or re-scans a collection: new films added, changed NFOs re-read, removed ones reported. */
  scan: command(Root, ScanSummary),
  films: command(Root, z.object({ root: z.string(), films: z.array(Film) })),
  /** What a write-back would write, per film (`diff`: with the line diff of each NFO). */
  plan: command(
    Root.extend({ rule: Rule.default({ minProbability: 0.5, maxGenres: 3, mode: 'replace' }), ids: z.array(FilmId).max(200_000).optional(), diff: z.boolean().default(false) }),
    z.object({ runId: z.number().int(), films: z.array(FilmPlan) }),
  ),
  /** Accept or skip films for the write-back (the review). */
  decide: command(
    z.strictObject({ ids: z.array(FilmId).min(1).max(200_000), decision: z.enum(['pending', 'accept', 'skip']) }),
    z.object({ changed: z.number().int() }),
  ),
  /**
   * Writes the planned genres into the NFOs: `accepted` films (the review) or `all` films not
   * skipped. Locked films are never touched; each file is backed up and replaced atomically;
   * the whole write-back is one undoable entry. `dryRun` writes nothing and returns the diffs.
   */
  write: command(
    Root.extend({ rule: Rule.default({ minProbability: 0.5, maxGenres: 3, mode: 'replace' }), scope: Scope.default('accepted'), ids: z.array(FilmId).max(200_000).optional(), dryRun: z.boolean().default(false) }),
    z.object({ writeId: z.number().int().nullable(), results: z.array(WriteResult), written: z.number().int(), failed: z.number().int() }),
  ),
  writes: command(z.strictObject({ root: FsPath.optional(), limit: z.number().int().min(1).max(1000).default(50) }), z.object({ entries: z.array(WriteEntry) })),
  /** Puts the backups of a write-back back (the latest one not undone, or `writeId`); files changed since are left alone and reported. */
  undo: command(
    z.strictObject({ writeId: z.number().int().optional() }),
    z.object({ writeId: z.number().int(), restored: z.number().int(), removed: z.number().int(), conflicts: z.array(z.object({ path: z.string(), reason: z.string() })) }),
  ),
  genreMap: command(z.strictObject({}), z.object({ entries: z.array(GenreMapEntry) })),
  setGenreMap: command(z.strictObject({ entries: z.array(GenreMapEntry).max(500) }), z.object({ entries: z.array(GenreMapEntry) })),
  /** The collection's genres (the NFOs' and the proposed ones) as CSV or JSON text. */
  export: command(Root.extend({ format: ExportFormat, rule: Rule.optional() }), z.object({ format: ExportFormat, text: z.string(), films: z.number().int() })),
}


export const collectionEvents = {
  /** Progress of a scan or write-back, at most a few times a second. */
  'collection.progress': z.object({
    root: z.string(),
    phase: z.enum(['scanning', 'reading', 'posters', 'planning', 'writing', 'undoing']),
    done: z.number().int(),
    total: z.number().int(),
  }),
}
