// The library domain: posters, their query, and library-wide figures.
import { z } from 'zod'
import { command, noArgs } from './define'
import { GenreName, LabelSource, PosterId } from './common'

export const PosterSort = z.enum(['title', 'year', 'added', 'id'])

export const PosterFilter = z.strictObject({
  /** Case-insensitive substring of the title (or the id). */
  search: z.string().max(200).optional(),
  genres: z.array(GenreName).max(100).optional(),
  /** any: at least one of `genres`; all: every one of them; none: posters with none of them. */
  match: z.enum(['any', 'all', 'none']).default('any'),
  labelled: z.enum(['all', 'labelled', 'unlabelled']).default('all'),
  duplicatesOnly: z.boolean().default(false),
  /** Posters the active model predicts at least one of these genres for (at or above its threshold). */
  predicted: z.array(GenreName).max(100).optional(),
})
export type PosterFilter = z.input<typeof PosterFilter>

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

export const LibraryStats = z.object({
  path: z.string(),
  posters: z.number().int(),
  labelled: z.number().int(),
  duplicates: z.number().int(),
  genres: z.record(z.string(), z.number().int()),
})
export type LibraryStats = z.infer<typeof LibraryStats>

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
    z.object({ total: z.number().int(), offset: z.number().int(), items: z.array(PosterSummary) }),
  ),
  /** Every id the filter matches, in sort order: for select-all and keyboard navigation. */
  ids: command(
    PosterFilter.extend({ sort: PosterSort.default('title'), desc: z.boolean().default(false), predictionSort: PredictionSort.optional() }),
    z.object({ ids: z.array(PosterId) }),
  ),
  get: command(z.strictObject({ id: PosterId }), PosterDetail),
}
