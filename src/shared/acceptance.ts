// The one rule that decides which predicted genres may become labels: the library's
// Accept, the CLI's `posterity accept` and collection tagging all call it, so a poster
// never gains a genre by one path that another path would refuse.

/** How many genres IMDb lists at most for a film. */
export const DEFAULT_MAX_GENRES = 3
/** A genre is proposed only when the model gives it at least this probability. */
export const DEFAULT_MIN_PROBABILITY = 0.5

export interface AcceptanceRule {
  /** At most this many genres a poster, highest probability first. */
  maxGenres: number
  /** Each accepted genre is at or above this probability as well as its genre's threshold. */
  minProbability: number
}

export const defaultAcceptanceRule: AcceptanceRule = {
  maxGenres: DEFAULT_MAX_GENRES,
  minProbability: DEFAULT_MIN_PROBABILITY,
}

export interface GenreScore {
  genre: string
  probability: number
  /** The genre's tuned decision threshold. */
  threshold: number
}

/**
 * The genres to accept for one poster, highest probability first. Empty when nothing
 * clears both bars: the caller then leaves the poster unlabelled (a prediction never
 * makes a poster "no genre").
 */
export function acceptedGenres(scores: readonly GenreScore[], rule: AcceptanceRule = defaultAcceptanceRule): string[] {
  return scores
    .filter((s) => Number.isFinite(s.probability) && s.probability >= s.threshold && s.probability >= rule.minProbability)
    .sort((a, b) => b.probability - a.probability || a.genre.localeCompare(b.genre))
    .slice(0, Math.max(0, rule.maxGenres))
    .map((s) => s.genre)
}
