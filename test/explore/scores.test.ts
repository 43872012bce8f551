// The map's colouring by a genre's probability: unlabelled posters by the active model's stored
// prediction, the posters it trained on by their out-of-fold probability (a fold model that
// never saw them), so a labelled library is not all grey.
import { describe, expect, it } from 'vitest'
import { call } from '../library/helpers'
import { withStubModel } from '../ml/stub-model'

const lib = withStubModel({
  predicted: { tt03: [0.9, 0.1] },
  outOfFold: { tt01: { genre: 'Comedy', probs: [0.75, 0.25] }, tt02: { genre: 'Drama', probs: [0.5, 0.625] } },
  bare: ['tt04'],
})

describe('explore.scores', () => {
  it('gives stored predictions, then the trained-on posters out of fold; a poster with neither stays out', async () => {
    const r = await call<{ ids: string[]; scores: number[] }>(lib.core(), 'explore.scores', { genre: 'Drama' })
    expect(Object.fromEntries(r.ids.map((id, i) => [id, r.scores[i]]))).toEqual({ tt03: expect.closeTo(0.1, 6), tt01: 0.25, tt02: 0.625 })
  })
})
