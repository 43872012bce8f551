// A library with an active stub run (no weights): Comedy/Drama posters labelled by a person,
// the run's out-of-fold probabilities for them and stored predictions for unlabelled ones.
// For tests of what reads a run's outputs (renames, the map's colouring), not of training.
import { join } from 'node:path'
import { afterAll, beforeAll } from 'vitest'
import type { Core } from '../../src/main/core'
import { activateRun, putPredictions } from '../../src/main/ml/store/runs'
import { insertStubRun } from '../../src/main/ml/store/stub-run'
import { putRunPosters } from '../../src/main/ml/store/out-of-fold'
import { open, seed, tempDir } from '../library/helpers'

export interface StubModel {
  /** Stored predictions [Comedy, Drama] of unlabelled posters, by id. */
  predicted: Record<string, [number, number]>
  /** Out-of-fold [Comedy, Drama] of labelled posters, by id, with the genre each is labelled. */
  outOfFold: Record<string, { genre: 'Comedy' | 'Drama'; probs: [number, number] }>
  /** Unlabelled posters with no prediction at all. */
  bare?: string[]
}

/** Registers the block's beforeAll / afterAll; `core()` is the library's core once beforeAll ran. */
export function withStubModel(m: StubModel): { core: () => Core } {
  const t = tempDir()
  let core: Core
  beforeAll(() => {
    core = open(join(t.dir, 'lib'))
    seed(core, [...Object.entries(m.outOfFold).map(([id, o]) => ({ id, genres: [o.genre] })), ...[...Object.keys(m.predicted), ...(m.bare ?? [])].map((id) => ({ id, genres: null }))])
    const runId = insertStubRun(core.db, { backbone: 'test', features: 'test', backend: 'cpu', genres: ['Comedy', 'Drama'], thresholds: [0.5, 0.5], weightsPath: join(t.dir, 'none') }, false)
    activateRun(core.db, runId)
    putPredictions(core.db, runId, Object.entries(m.predicted).map(([id, p]) => ({ id, probs: Float32Array.from(p) })))
    putRunPosters(core.db, runId, Object.entries(m.outOfFold).map(([id, o], i) => ({ id, fold: i % 5, probs: Float32Array.from(o.probs) })))
  })
  afterAll(async () => {
    await core.close()
    t.cleanup()
  })
  return { core: () => core }
}
