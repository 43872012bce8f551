// The map's colouring by a genre's probability: unlabelled posters by the active model's stored
// prediction, the posters it trained on by their out-of-fold probability (a fold model that
// never saw them), so a labelled library is not all grey.
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Core } from '../../src/main/core'
import { activateRun, putPredictions } from '../../src/main/ml/store/runs'
import { insertStubRun } from '../../src/main/ml/store/stub-run'
import { putRunPosters } from '../../src/main/ml/store/out-of-fold'
import { call, open, seed, tempDir } from '../library/helpers'

const t = tempDir()
let core: Core

beforeAll(() => {
  core = open(join(t.dir, 'lib'))
  seed(core, [
    { id: 'tt01', genres: ['Comedy'] },
    { id: 'tt02', genres: ['Drama'] },
    { id: 'tt03', genres: null },
    { id: 'tt04', genres: null },
  ])
  const runId = insertStubRun(core.db, { backbone: 'test', features: 'test', backend: 'cpu', genres: ['Comedy', 'Drama'], thresholds: [0.5, 0.5], weightsPath: join(t.dir, 'none') }, false)
  activateRun(core.db, runId)
  putPredictions(core.db, runId, [{ id: 'tt03', probs: Float32Array.from([0.9, 0.1]) }])
  putRunPosters(core.db, runId, [
    { id: 'tt01', fold: 0, probs: Float32Array.from([0.75, 0.25]) },
    { id: 'tt02', fold: 1, probs: Float32Array.from([0.5, 0.625]) },
  ])
})
afterAll(async () => {
  await core.close()
  t.cleanup()
})

describe('explore.scores', () => {
  it('gives stored predictions, then the trained-on posters out of fold; a poster with neither stays out', async () => {
    const r = await call<{ ids: string[]; scores: number[] }>(core, 'explore.scores', { genre: 'Drama' })
    expect(Object.fromEntries(r.ids.map((id, i) => [id, r.scores[i]]))).toEqual({ tt03: expect.closeTo(0.1, 6), tt01: 0.25, tt02: 0.625 })
  })
})
