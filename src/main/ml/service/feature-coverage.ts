// The Train view's "N of M posters embedded", per feature set in use: the default set (the
// cross-validated runs') and, when it differs, the active run's (a quick first model learns
// from the one-pass set, so right after a first import the default set may be at 0 of M
// while the model is active and predicting).
import type { ModelStatus } from '../../../shared/api'
import { featureSetByVersion, passesOf, type FeatureSet } from '../backbone/catalog'
import { postersEmbedded } from '../store/embeddings'
import type { StoredRun } from '../store/runs'
import { featureSetName, type ModelService } from './model-service'

export function featureSetsInUse(svc: ModelService, active: StoredRun | null): ModelStatus['featureSets'] {
  const entry = (set: FeatureSet, use: string) => ({
    name: featureSetName(set),
    version: set.version,
    passes: passesOf(set),
    embedded: postersEmbedded(svc.db, svc.keyOf(set)),
    use,
  })
  const quick = active?.config.quick === true
  const out = [entry(svc.features, quick ? 'the cross-validated run that replaces the quick first model' : 'training (cross-validated runs) and Explore')]
  const own = active?.kind === 'head' && active.features !== null && active.features !== svc.features.version ? featureSetByVersion(active.features) : undefined
  if (own) out.unshift(entry(own, quick ? 'the active quick first model (and Explore until the default set is embedded)' : `the active run #${active!.id}`))
  return out
}
