// Review queues: posters ranked for a person to look at next (suspect labels, uncertain
// unlabelled posters, accepted predictions not yet confirmed). Corrections go through
// labels.edit, so they are undoable like every other edit.
import { z } from 'zod'
import { command, noArgs } from './define'
import { LabelSource, PosterId } from './common'

export const ReviewQueueName = z.enum(['suspect', 'uncertain', 'accepted'])
export type ReviewQueueName = z.infer<typeof ReviewQueueName>

export const ReviewSuggestion = z.object({ add: z.array(z.string()), remove: z.array(z.string()) })
export type ReviewSuggestion = z.infer<typeof ReviewSuggestion>

export const ReviewItem = z.object({
  id: PosterId,
  /** Higher is more suspect (or more uncertain); the queue is sorted by it. */
  score: z.number(),
  title: z.string().nullable(),
  year: z.number().int().nullable(),
  labels: z.array(z.object({ genre: z.string(), source: LabelSource })),
  suggest: ReviewSuggestion,
  /**
   * Suspect queue: what explains the labels better, the whole set being another poster's
   * ('set') or one genre being wrong ('genre', the one the suggestion flips).
   */
  why: z.enum(['set', 'genre']).optional(),
  /**
   * The probabilities the ranking used, highest first: out-of-fold ones (from heads that never
   * saw the poster) for the suspect queue, the active model's stored ones otherwise.
   */
  probabilities: z.array(z.object({ genre: z.string(), probability: z.number(), threshold: z.number() })),
})
export type ReviewItem = z.infer<typeof ReviewItem>

/**
 * Why a queue is empty or not ready: the view explains it. 'pending': the suspect queue while
 * a quick first model is active (its out-of-fold predictions come with the cross-validated run).
 */
export const ReviewState = z.enum(['ready', 'no-model', 'not-predicted', 'unsupported', 'pending'])

export const ReviewPage = z.object({
  queue: ReviewQueueName,
  state: ReviewState,
  /** One sentence for the user when state is not 'ready' (or a caveat when it is). */
  note: z.string().nullable(),
  runId: z.number().int().nullable(),
  total: z.number().int(),
  offset: z.number().int(),
  items: z.array(ReviewItem),
})
export type ReviewPage = z.infer<typeof ReviewPage>

export const ReviewCounts = z.object({
  runId: z.number().int().nullable(),
  /** null: the active run has no out-of-fold predictions (not cross-validated). */
  suspect: z.number().int().nullable(),
  /** Why the suspect queue has no count (no model, not cross-validated, or waiting for the cross-validated run). */
  suspectNote: z.string().nullable(),
  uncertain: z.number().int(),
  accepted: z.number().int(),
  /** Unlabelled posters the active model has not predicted yet (not in the uncertain queue). */
  unpredicted: z.number().int(),
})
export type ReviewCounts = z.infer<typeof ReviewCounts>

export const review = {
  /** One page of a queue, most suspect / uncertain first. */
  queue: command(
    z.strictObject({
      queue: ReviewQueueName,
      offset: z.number().int().min(0).default(0),
      limit: z.number().int().min(1).max(1000).default(50),
    }),
    ReviewPage,
  ),
  /** How many posters each queue holds now. */
  counts: command(noArgs, ReviewCounts),
}
