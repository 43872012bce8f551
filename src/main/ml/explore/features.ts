// Which cached embeddings Explore reads (similar posters, near-duplicates, the map): the
// default feature set, except while a library has only the one-pass set a quick first model
// learns from (an import with embed computes it; the cross-validated run embeds the default
// set minutes later). Then the one-pass set stands in, and the views say so.
import type { ExploreFeatures } from '../../../shared/api'
import { FEATURE_SETS, FIRST_FEATURES, passesOf, type FeatureSet } from '../backbone/catalog'
import { postersEmbedded, type FeatureKey } from '../store/embeddings'
import { featureSetName, type ModelService } from '../service/model-service'

export interface ExploreChoice {
  set: FeatureSet
  key: FeatureKey
  dims: number
  /** What the views report. */
  info: ExploreFeatures
}

/**
 * Share of the one-pass set's posters the default set must cover before Explore reads it: a
 * few posters no run needed (labelled by accepted predictions, say) may still lack it, and a
 * view embeds what it needs.
 */
export const DEFAULT_SET_COVERAGE = 0.95

/** The default set once it covers DEFAULT_SET_COVERAGE of the one-pass set's posters (or nothing is embedded at all), else the one-pass set. */
export function exploreFeatures(svc: ModelService): ExploreChoice {
  // Counting embedded posters scans the library: once per change of the library file (the
  // similarity index's cheap stamp: this connection's writes, and other connections').
  const stamp = `${svc.db.pragma('data_version', { simple: true })}:${svc.db.prepare('SELECT total_changes()').pluck().get()}`
  const hit = chosen.get(svc.db)
  if (hit && hit.stamp === stamp && hit.features === svc.features.version) return hit.choice
  const choice = choose(svc)
  chosen.set(svc.db, { stamp, features: svc.features.version, choice })
  return choice
}

const chosen = new WeakMap<ModelService['db'], { stamp: string; features: string; choice: ExploreChoice }>()

function choose(svc: ModelService): ExploreChoice {
  const def = svc.features
  const first = FEATURE_SETS[FIRST_FEATURES]
  const pick = (set: FeatureSet, note: string | null): ExploreChoice => ({
    set,
    key: svc.keyOf(set),
    dims: svc.dimsOf(set),
    info: { name: featureSetName(set), version: set.version, passes: passesOf(set), fallback: set !== def, note },
  })
  if (first.version === def.version) return pick(def, null)
  const defCount = postersEmbedded(svc.db, svc.keyOf(def))
  const firstCount = postersEmbedded(svc.db, svc.keyOf(first))
  if (defCount >= DEFAULT_SET_COVERAGE * firstCount) return pick(def, null)
  const posters = svc.db.prepare('SELECT COUNT(*) FROM posters').pluck().get() as number
  return pick(
    first,
    `The one-pass features (${FIRST_FEATURES}) stand in: the default set ${featureSetName(def)} is embedded for ${defCount.toLocaleString('en-US')} of ${posters.toLocaleString('en-US')} posters (the cross-validated run embeds it; Train view).`,
  )
}
