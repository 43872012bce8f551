// A genre renamed after training keeps the model's output for it: the run's genres, its
// figures, its out-of-fold probabilities and the library's prediction filter all use the new
// name, and undoing the rename (or a migration of an older library) brings the old one back.
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Core } from '../../src/main/core'
import { activateRun, activeRun, putPredictions } from '../../src/main/ml/store/runs'
import { insertStubRun } from '../../src/main/ml/store/stub-run'
import { putRunPosters, readOutOfFold } from '../../src/main/ml/store/out-of-fold'
import { call, open, seed, tempDir } from '../library/helpers'

const t = tempDir()
let core: Core

beforeAll(() => {
  core = open(join(t.dir, 'lib'))
  seed(core, [
    { id: 'tt01', genres: ['Comedy'] },
    { id: 'tt02', genres: ['Drama'] },
    { id: 'tt03', genres: null },
  ])
  const runId = insertStubRun(core.db, { backbone: 'test', features: 'test', backend: 'cpu', genres: ['Comedy', 'Drama'], thresholds: [0.5, 0.5], weightsPath: join(t.dir, 'none') }, false)
  activateRun(core.db, runId)
  putPredictions(core.db, runId, [{ id: 'tt03', probs: Float32Array.from([0.9, 0.1]) }])
  putRunPosters(core.db, runId, [
    { id: 'tt01', fold: 0, probs: Float32Array.from([0.8, 0.2]) },
    { id: 'tt02', fold: 1, probs: Float32Array.from([0.3, 0.7]) },
  ])
})
afterAll(async () => {
  await core.close()
  t.cleanup()
})

describe('renaming a genre the active model predicts', () => {
  it('carries the output over to the new name, and back on undo', async () => {
    // The fold ensemble's measured per-genre AP (Compare runs' "measured" basis) is named too.
    const id = activeRun(core.db)!.id
    const m = JSON.parse(core.db.prepare('SELECT metrics FROM model_runs WHERE id = ?').pluck().get(id) as string) as Record<string, unknown>
    const summary = { macroAp: 0.5, microAp: 0.5, macroF1: 0.5, microF1: 0.5, hit1: 0.5, hit3: 0.5 }
    m.ensemble = { members: 5, deals: 1, outOfFold: summary, genreAp: [{ genre: 'Comedy', ap: 0.6 }, { genre: 'Drama', ap: 0.4 }] }
    core.db.prepare('UPDATE model_runs SET metrics = ? WHERE id = ?').run(JSON.stringify(m), id)
    await call(core, 'genres.rename', { name: 'Comedy', to: 'Komedie' })
    const run = activeRun(core.db)!
    expect(run.genres).toEqual(['Komedie', 'Drama'])
    expect(readOutOfFold(core.db, run.id)!.genres).toEqual(['Komedie', 'Drama'])
    // The library's prediction filter and order find it under the new name.
    const page = await call<{ items: { id: string }[] }>(core, 'library.query', { predicted: ['Komedie'] })
    expect(page.items.map((p) => p.id)).toEqual(['tt03'])
    const ordered = await call<{ items: { id: string }[] }>(core, 'library.query', { predictionSort: { by: 'probability', genre: 'Komedie' }, desc: true })
    expect(ordered.items[0].id).toBe('tt03')
    expect(run.evaluation.genres.every((g) => g.genre !== 'Comedy')).toBe(true)
    expect(run.evaluation.ensemble?.genreAp).toEqual([{ genre: 'Komedie', ap: 0.6 }, { genre: 'Drama', ap: 0.4 }])
    await call(core, 'labels.undo', {})
    expect(activeRun(core.db)!.genres).toEqual(['Comedy', 'Drama'])
  })
})
