// A genre renamed after training keeps the model's output for it: the run's genres, its
// figures, its out-of-fold probabilities and the library's prediction filter all use the new
// name, and undoing the rename (or a migration of an older library) brings the old one back.
import { describe, expect, it } from 'vitest'
import { activeRun } from '../../src/main/ml/store/runs'
import { readOutOfFold } from '../../src/main/ml/store/out-of-fold'
import { call } from '../library/helpers'
import { withStubModel } from './stub-model'

const lib = withStubModel({
  predicted: { tt03: [0.9, 0.1] },
  outOfFold: { tt01: { genre: 'Comedy', probs: [0.8, 0.2] }, tt02: { genre: 'Drama', probs: [0.3, 0.7] } },
})

describe('renaming a genre the active model predicts', () => {
  it('carries the output over to the new name, and back on undo', async () => {
    // The fold ensemble's measured per-genre AP (Compare runs' "measured" basis) is named too.
    const id = activeRun(lib.core().db)!.id
    const m = JSON.parse(lib.core().db.prepare('SELECT metrics FROM model_runs WHERE id = ?').pluck().get(id) as string) as Record<string, unknown>
    const summary = { macroAp: 0.5, microAp: 0.5, macroF1: 0.5, microF1: 0.5, hit1: 0.5, hit3: 0.5 }
    m.ensemble = { members: 5, deals: 1, outOfFold: summary, genreAp: [{ genre: 'Comedy', ap: 0.6 }, { genre: 'Drama', ap: 0.4 }] }
    lib.core().db.prepare('UPDATE model_runs SET metrics = ? WHERE id = ?').run(JSON.stringify(m), id)
    await call(lib.core(), 'genres.rename', { name: 'Comedy', to: 'Komedie' })
    const run = activeRun(lib.core().db)!
    expect(run.genres).toEqual(['Komedie', 'Drama'])
    expect(readOutOfFold(lib.core().db, run.id)!.genres).toEqual(['Komedie', 'Drama'])
    // The library's prediction filter and order find it under the new name.
    const page = await call<{ items: { id: string }[] }>(lib.core(), 'library.query', { predicted: ['Komedie'] })
    expect(page.items.map((p) => p.id)).toEqual(['tt03'])
    const ordered = await call<{ items: { id: string }[] }>(lib.core(), 'library.query', { predictionSort: { by: 'probability', genre: 'Komedie' }, desc: true })
    expect(ordered.items[0].id).toBe('tt03')
    expect(run.evaluation.genres.every((g) => g.genre !== 'Comedy')).toBe(true)
    expect(run.evaluation.ensemble?.genreAp).toEqual([{ genre: 'Komedie', ap: 0.6 }, { genre: 'Drama', ap: 0.4 }])
    await call(lib.core(), 'labels.undo', {})
    expect(activeRun(lib.core().db)!.genres).toEqual(['Comedy', 'Drama'])
  })
})
