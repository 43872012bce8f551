// The library domain: posters, their query, and library-wide figures.
import { z } from 'zod'
import { command, noArgs } from './define'
import { GenreName, JobStatus, LabelSource, PosterId } from './common'
import { HistoryState } from './labels'

export const PosterSort = z.enum(['title', 'year', 'added', 'id'])
export type PosterSort = z.infer<typeof PosterSort>
/** any: at least one of the filter's genres; all: every one of them; none: posters with none of them. */
export const GenreMatch = z.enum(['any', 'all', 'none'])
export type GenreMatch = z.infer<typeof GenreMatch>
export const LabelledFilter = z.enum(['all', 'labelled', 'unlabelled'])
export type LabelledFilter = z.infer<typeof LabelledFilter>

export const PosterFilter = z.strictObject({
  /** Substring of the title (or the id); case, accents and extra spaces are ignored. */
  search: z
    .string()
    .max(200)
    // Control characters mean nothing in a title search (a NUL broke the index query).
    .transform((s) => s.replace(/[\u0000-\u001f\u007f]/g, ' '))
    .optional(),
  genres: z.array(GenreName).max(100).optional(),
  match: GenreMatch.default('any'),
  labelled: LabelledFilter.default('all'),
  duplicatesOnly: z.boolean().default(false),
  /** Posters with at least one label from one of these sources ("has accepted predictions"). */
  sources: z.array(LabelSource).max(4).optional(),
  /** Posters the active model predicts at least one of these genres for (at or above its threshold). */
  predicted: z.array(GenreName).max(100).optional(),
})
export type PosterFilter = z.input<typeof PosterFilter>
/** The filter as handlers get it: defaults filled in. */
export type ParsedPosterFilter = z.output<typeof PosterFilter>

/**
 * Orders by the active model's stored predictions instead of `sort` (posters without one come
 * last): a genre's probability, or uncertainty (how close the probabilities sit to the genre
 * thresholds, the uncertain review queue's measure). `desc` applies as for `sort`.
 */
export const PredictionSort = z.union([
  z.strictObject({ by: z.literal('probability'), genre: GenreName }),
  z.strictObject({ by: z.literal('uncertainty') }),
])
export type PredictionSort = z.infer<typeof PredictionSort>

export const PosterSummary = z.object({
  id: PosterId,
  title: z.string().nullable(),
  year: z.number().int().nullable(),
  labelled: z.boolean(),
  genres: z.array(z.string()),
  /** The source of each of `genres`, same order (absent from older servers). */
  sources: z.array(LabelSource).optional(),
  duplicate: z.boolean(),
  width: z.number().int(),
  height: z.number().int(),
})
export type PosterSummary = z.infer<typeof PosterSummary>

export const PosterDetail = PosterSummary.extend({
  path: z.string(),
  size: z.number().int(),
  hash: z.string(),
  addedAt: z.number().int(),
  labels: z.array(z.object({ genre: z.string(), source: LabelSource })),
  /** Other posters with byte-identical artwork. */
  duplicates: z.array(PosterId),
})
export type PosterDetail = z.infer<typeof PosterDetail>

/**
 * Counts by genre name. Not z.record: zod builds its result with plain assignments, which drop
 * a key named "__proto__" (a genre may be named so); this checks the values and keeps the object.
 */
const CountsByName = z.custom<Record<string, number>>(
  (v) => typeof v === 'object' && v !== null && !Array.isArray(v) && Object.values(v).every((n) => Number.isInteger(n)),
  'expected counts by name',
)

export const LibraryStats = z.object({
  path: z.string(),
  posters: z.number().int(),
  labelled: z.number().int(),
  duplicates: z.number().int(),
  genres: CountsByName,
  /** Labels by source (imported, user, prediction, nfo). */
  sources: z.record(z.string(), z.number().int()).optional(),
})
export type LibraryStats = z.infer<typeof LibraryStats>

export const ImportRecord = z.object({
  id: z.number().int(),
  startedAt: z.number().int(),
  finishedAt: z.number().int().nullable(),
  status: JobStatus,
  paths: z.array(z.string()),
  /** Posters this import added that are still in the library. */
  posters: z.number().int(),
})
export type ImportRecord = z.infer<typeof ImportRecord>

export const ExportFormat = z.enum(['csv', 'json'])
export type ExportFormat = z.infer<typeof ExportFormat>

export const library = {
  stats: command(noArgs, LibraryStats),
  query: command(
    PosterFilter.extend({
      sort: PosterSort.default('title'),
      desc: z.boolean().default(false),
      predictionSort: PredictionSort.optional(),
      offset: z.number().int().min(0).default(0),
      limit: z.number().int().min(1).max(1000).default(200),
    }),
    z.object({
      total: z.number().int(),
      offset: z.number().int(),
      items: z.array(PosterSummary),
      /**
       * With a prediction filter or order: of the `of` posters the library filter alone matches,
       * how many have no stored prediction of the active run (left out, or listed last).
       */
      unpredicted: z.object({ without: z.number().int(), of: z.number().int() }).optional(),
    }),
  ),
  /** Every id the filter matches, in sort order: for select-all and keyboard navigation. */
  ids: command(
    PosterFilter.extend({ sort: PosterSort.default('title'), desc: z.boolean().default(false), predictionSort: PredictionSort.optional() }),
    z.object({ ids: z.array(PosterId) }),
  ),
  get: command(z.strictObject({ id: PosterId }), PosterDetail),
  /** Deletes posters (these ids, or every poster one import added): one undoable entry. */
  remove: command(
    z
      .strictObject({ ids: z.array(PosterId).min(1).max(200_000).optional(), importId: z.number().int().min(1).optional() })
      .refine((a) => (a.ids === undefined) !== (a.importId === undefined), 'give either ids or importId'),
    z.object({ removed: z.number().int(), history: HistoryState }),
  ),
  /** Edits a poster's title and/or year (null clears it): one undoable entry. */
  setMeta: command(
    z.strictObject({
      id: PosterId,
      title: z.string().max(300, 'titles are at most 300 characters').nullable().optional(),
      year: z.number().int().min(1850, 'a year from 1850 on').max(2100, 'a year up to 2100').nullable().optional(),
    }),
    z.object({ changed: z.boolean(), history: HistoryState }),
  ),
  /** Past imports with how many of their posters are still in the library (newest first). */
  imports: command(noArgs, z.object({ imports: z.array(ImportRecord) })),
  /** The labels with their sources, as the CLI's `posterity export` writes them. */
  export: command(
    z.strictObject({ format: ExportFormat }),
    z.object({ format: ExportFormat, filename: z.string(), text: z.string(), posters: z.number().int() }),
  ),
  /**
   * The same export in parts of at most `limit` posters (by id), for exports larger than one
   * reply (`posterity export` writes them part by part): the parts' texts joined in order are
   * the whole export. Start without `after`; continue with `after: next` until `next` is null.
   */
  exportPart: command(
    z.strictObject({ format: ExportFormat, after: PosterId.optional(), limit: z.number().int().min(1).max(100_000).default(10_000) }),
    z.object({ text: z.string(), posters: z.number().int(), next: PosterId.nullable() }),
  ),
}
