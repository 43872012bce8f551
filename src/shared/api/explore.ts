// Exploring the library by its embeddings: similar posters, near-duplicate clusters and their
// resolution, the 2-D map, occlusion heat maps ("why"), and the dashboard's figures.
import { z } from 'zod'
import { command, noArgs } from './define'
import { GenreName, JobId, JobStatus, LabelSource, PosterId } from './common'
import { PosterFilter, PosterSummary } from './library'

/** The cached embeddings an Explore view read: the default feature set, or the one-pass set standing in. */
export const ExploreFeatures = z.object({
  /** The catalog's name of the feature set (multiscale-tall-rich, multiscale-tall, ...). */
  name: z.string(),
  version: z.string(),
  /** Backbone passes a poster. */
  passes: z.number().int(),
  /** The one-pass set stands in: the default set is not embedded yet (a quick first model's library). */
  fallback: z.boolean(),
  /** One sentence when `fallback`: why, and what ends it. */
  note: z.string().nullable(),
})
export type ExploreFeatures = z.infer<typeof ExploreFeatures>

/** How much of the library the embedding-based views cover. */
export const EmbeddingCoverage = z.object({
  posters: z.number().int(),
  /** Posters with a cached embedding (the rest are not searched, clustered or mapped). */
  embedded: z.number().int(),
  features: ExploreFeatures,
})

export const Neighbour = z.object({
  id: PosterId,
  title: z.string().nullable(),
  /** Cosine similarity of the mean-centred embeddings, -1..1 (1: the same artwork). */
  similarity: z.number(),
})
export type Neighbour = z.infer<typeof Neighbour>

export const DuplicateMember = z.object({
  id: PosterId,
  title: z.string().nullable(),
  year: z.number().int().nullable(),
  width: z.number().int(),
  height: z.number().int(),
  size: z.number().int(),
  labelled: z.boolean(),
  labels: z.array(z.object({ genre: z.string(), source: LabelSource })),
})

export const DuplicateCluster = z.object({
  /** The smallest member id: stable while the cluster keeps its members. */
  key: PosterId,
  members: z.array(DuplicateMember),
  /** The lowest similarity of a linked pair (1 for byte-identical copies only). */
  minSimilarity: z.number(),
})
export type DuplicateCluster = z.infer<typeof DuplicateCluster>

export const DuplicateDecision = z.object({
  id: z.number().int(),
  at: z.number().int(),
  kind: z.enum(['merge', 'distinct']),
  /** The poster kept (merge) or null (distinct). */
  keep: PosterId.nullable(),
  members: z.array(PosterId),
  undone: z.boolean(),
})
export type DuplicateDecision = z.infer<typeof DuplicateDecision>

export const MapPoint = z.object({ id: PosterId, x: z.number(), y: z.number() })

export const MapState = z.object({
  /** Null until a map was computed. */
  computedAt: z.number().int().nullable(),
  /** Posters embedded but not placed yet (added since): a recompute places them. */
  stale: z.number().int(),
  jobId: JobId.nullable(),
  points: z.array(MapPoint),
  /** The feature set a computation would use now. */
  features: ExploreFeatures,
  /** The feature set version the stored points were laid out with (null: no map, or one computed before this was recorded). */
  computedWith: z.string().nullable(),
})
export type MapState = z.infer<typeof MapState>

export const GenreCount = z.object({ genre: z.string(), labelled: z.number().int(), predicted: z.number().int() })

export const Dashboard = z.object({
  posters: z.number().int(),
  labelled: z.number().int(),
  genres: z.array(GenreCount),
  /** Posters with a stored prediction of the active run (the predicted counts are theirs). */
  predictedPosters: z.number().int().default(0),
  /** co[i][j]: labelled posters carrying both genres i and j (genres in `genres` order). */
  cooccurrence: z.array(z.array(z.number().int())),
  /** The active run's per-genre AP with its interval when the evaluation carries one. */
  ap: z
    .object({
      runId: z.number().int(),
      /** What the figures come from, in words (out-of-fold, or a quick first model's held-out tenth). */
      basis: z.string(),
      /** A quick first model's figures: the cross-validated run's replace them. */
      provisional: z.boolean(),
      /** Macro-AP with its bootstrap 95% interval when the evaluation has one. */
      macro: z.object({ ap: z.number(), low: z.number().nullable(), high: z.number().nullable() }),
      genres: z.array(z.object({ genre: z.string(), ap: z.number().nullable(), low: z.number().nullable(), high: z.number().nullable(), support: z.number().int() })),
    })
    .nullable(),
  /** Labelled posters after each day that had label edits (from the history). */
  progress: z.array(z.object({ day: z.string(), edits: z.number().int(), posters: z.number().int(), labelled: z.number().int() })),
})
export type Dashboard = z.infer<typeof Dashboard>

export const WhyResult = z.object({
  id: PosterId,
  genre: z.string(),
  /** Probability of the genre for the whole poster. */
  probability: z.number(),
  cols: z.number().int(),
  rows: z.number().int(),
  /** Row-major drop in probability when each cell is masked (negative: masking raised it). */
  drops: z.array(z.number()),
  seconds: z.number(),
})
export type WhyResult = z.infer<typeof WhyResult>

export const explore = {
  /** The nearest posters to one poster by embedding (its own embedding is computed if missing). */
  similar: command(
    z.strictObject({
      id: PosterId,
      k: z.number().int().min(1).max(500).default(12),
      /** Embed the poster first when it has no cached embedding (starts the model worker). */
      embed: z.boolean().default(false),
    }),
    EmbeddingCoverage.extend({
      id: PosterId,
      /** False when the poster has no embedding (and `embed` was not asked for): no neighbours. */
      anchorEmbedded: z.boolean(),
      neighbours: z.array(Neighbour),
    }),
  ),
  /** The grid's "similar to this poster" sort: the nearest posters matching a filter, nearest first. */
  similarQuery: command(
    PosterFilter.extend({
      id: PosterId,
      offset: z.number().int().min(0).default(0),
      limit: z.number().int().min(1).max(1000).default(200),
    }),
    z.object({ total: z.number().int(), offset: z.number().int(), items: z.array(PosterSummary) }),
  ),
  /** Every id of the "similar to" list in order (select-all, arrows). */
  similarIds: command(PosterFilter.extend({ id: PosterId }), z.object({ ids: z.array(PosterId) })),
  /** Clusters of the same artwork (byte-identical or near-identical), biggest first. */
  duplicates: command(noArgs, EmbeddingCoverage.extend({ clusters: z.array(DuplicateCluster) })),
  /**
   * Resolves a cluster as one undoable decision: `merge` keeps `keep` with the labels given
   * (default: the union of the members' labels) and removes the other members from the
   * library; `distinct` records that the members are different posters (never clustered again).
   */
  resolveDuplicates: command(
    z.discriminatedUnion('kind', [
      z.strictObject({
        kind: z.literal('merge'),
        members: z.array(PosterId).min(2).max(1000),
        keep: PosterId,
        genres: z.array(GenreName).max(100).optional(),
      }),
      z.strictObject({ kind: z.literal('distinct'), members: z.array(PosterId).min(2).max(1000) }),
    ]),
    z.object({ decision: DuplicateDecision }),
  ),
  /** Undoes a duplicate decision: removed posters come back with their labels. */
  undoDuplicates: command(z.strictObject({ id: z.number().int() }), z.object({ decision: DuplicateDecision })),
  decisions: command(z.strictObject({ limit: z.number().int().min(1).max(200).default(20) }), z.object({ decisions: z.array(DuplicateDecision) })),
  /** The cached 2-D map (every placed poster). */
  map: command(noArgs, MapState),
  /** Computes (or updates) the map in the background; progress as `map.progress`. */
  computeMap: command(z.strictObject({ full: z.boolean().default(false) }), z.object({ jobId: JobId })),
  /** The probability of each poster for one genre (the active model's stored prediction; for a poster it trained on, its out-of-fold probability), for colouring the map. */
  scores: command(z.strictObject({ genre: GenreName }), z.object({ runId: z.number().int().nullable(), ids: z.array(PosterId), scores: z.array(z.number()) })),
  /** Occlusion sensitivity of one poster for one genre, in the model worker (`why.progress`). */
  why: command(
    z.strictObject({ id: PosterId, genre: GenreName, grid: z.number().int().min(2).max(16).default(8) }),
    z.object({ jobId: JobId }),
  ),
  dashboard: command(noArgs, Dashboard),
}

export const exploreEvents = {
  'map.progress': z.object({
    jobId: JobId,
    stage: z.enum(['reading', 'embedding', 'projecting', 'done']),
    done: z.number().int(),
    total: z.number().int(),
    status: JobStatus,
    error: z.string().nullable(),
  }),
  'why.progress': z.object({
    jobId: JobId,
    done: z.number().int(),
    total: z.number().int(),
    status: JobStatus,
    error: z.string().nullable(),
    result: WhyResult.nullable(),
  }),
}
