// A model run with no weights behind it, for tests and benchmarks that need an active run's
// genres, thresholds and stored probabilities but no trained model. The app never makes one.
import type { ModelEvaluation } from '../../../shared/api'
import type { Db } from '../../library/db'
import { insertRun, type NewRun } from './runs'

const zero = { macroAp: 0, microAp: 0, macroF1: 0, microF1: 0, hit1: 0, hit3: 0 }
const emptyEvaluation: ModelEvaluation = { posters: 0, model: zero, prior: zero, genres: [], rare: [], minSupport: 5 }

/** Inserts a head run over `genres` with `thresholds` (anything else may be overridden); returns its id. */
export function insertStubRun(
  db: Db,
  run: Pick<NewRun, 'genres' | 'thresholds' | 'weightsPath'> & Partial<NewRun>,
  activate: boolean,
): number {
  return insertRun(
    db,
    {
      kind: 'head',
      config: {},
      backbone: null,
      features: null,
      backend: 'wasm',
      provider: null,
      trainSize: 0,
      valSize: 0,
      seconds: 0,
      evaluation: emptyEvaluation,
      epochs: [],
      ...run,
    },
    activate,
  )
}
