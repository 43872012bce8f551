// Cross-validation on the head pool: the folds and the refit trained in worker threads (the
// built out/main/head-thread.js) give exactly what the same schedule gives in this thread; the
// refit returns the weights of the epoch the folds chose even when it started before that was
// known; a cancel ends the threads; a thread that cannot start is an error the caller can
// fall back from.
import { tfEngines } from '../../src/main/ml/train/head-tf'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { crossValidate } from '../../src/main/ml/train/folds'
import { duplicateGroups } from '../../src/main/ml/train/groups'
import { DEFAULT_HEAD, macroAp, trainHead } from '../../src/main/ml/train/head'
import { inThreadRunner, threadRunner } from '../../src/main/ml/train/head-pool'
import { loadTf } from '../../src/main/ml/train/tf-backend'
import { outDir } from '../../src/main/app-root'
import { mulberry32 } from '../../src/shared/random'

const entry = join(outDir(), 'main', 'head-thread.js')
const built = existsSync(entry)

/** Rows whose first values decide three genres, with noise, in near-copy-free groups. */
function dataset(n = 600, d = 24, G = 3) {
  const rand = mulberry32(3)
  const x = new Float32Array(n * d).map(() => rand() * 2 - 1)
  const y = new Float32Array(n * G)
  for (let i = 0; i < n; i++) for (let c = 0; c < G; c++) y[i * G + c] = x[i * d + c] + 0.6 * (rand() - 0.5) > 0.2 ? 1 : 0
  const groups = duplicateGroups(Array.from({ length: n }, (_, i) => ({ id: `p${String(i).padStart(4, '0')}`, hash: `h${i}` })))
  return { x, y, dims: d, genres: G, groups }
}

const cfg = { ...DEFAULT_HEAD, hidden: 16, epochs: 12, patience: 3, batchSize: 64, lr: 0.01 }

describe('cross-validation on the head pool', () => {
  it('picks one epoch for every fold and refits for exactly that many epochs', async () => {
    const { tf } = await loadTf()
    const data = dataset()
    const cv = await crossValidate(inThreadRunner(tfEngines(tf), data), data, cfg, 4, 1, 1)
    expect(cv.epoch).toBeGreaterThanOrEqual(1)
    expect(cv.epoch).toBeLessThanOrEqual(cfg.epochs)
    expect(cv.curves).toHaveLength(4)
    expect(macroAp(cv.oof, data.y, data.genres)).toBeGreaterThan(0.7) // learnable; chance is ~0.4
    // The refit is the head trained on every row for cv.epoch epochs.
    const all = Array.from({ length: data.x.length / data.dims }, (_, i) => i)
    const alone = await trainHead(tfEngines(tf), { ...data, train: all, earlyStop: [], val: [] }, { ...cfg, epochs: cv.epoch, patience: cfg.epochs + 1 })
    expect(Array.from((await cv.refits)[0].w1)).toEqual(Array.from(alone.weights.w1))
  }, 60_000)

  it.skipIf(!built)('gives the same out-of-fold probabilities and refit in two threads as in this one', async () => {
    const { tf } = await loadTf()
    const data = dataset()
    const here = await crossValidate(inThreadRunner(tfEngines(tf), data), data, cfg, 5, 2, 1)
    const runner = await threadRunner(entry, data, 2)
    try {
      const seen = new Set<number>()
      const there = await crossValidate(runner, data, cfg, 5, 2, 1, { onEpoch: (m) => void seen.add(m) })
      expect(there.epoch).toBe(here.epoch)
      expect(Array.from(there.oof)).toEqual(Array.from(here.oof))
      // The refit started beside the last fold, before the epoch was chosen, and still returns that epoch's weights.
      expect(Array.from((await there.refits)[0].w1)).toEqual(Array.from((await here.refits)[0].w1))
      expect([...seen].sort()).toEqual([0, 1, 2, 3, 4, 5]) // progress from every fold and the refit
    } finally {
      runner.close()
    }
  }, 120_000)

  it.skipIf(!built)('repeated on a second deal of folds: the same probabilities, fold models and refit in two threads as in this one', async () => {
    const { tf } = await loadTf()
    const data = dataset()
    const here = await crossValidate(inThreadRunner(tfEngines(tf), data), data, cfg, 5, 2, 1, {}, 2)
    const runner = await threadRunner(entry, data, 2)
    try {
      const seen = new Set<number>()
      const there = await crossValidate(runner, data, cfg, 5, 2, 1, { onEpoch: (m) => void seen.add(m) }, 2)
      expect(there.epoch).toBe(here.epoch)
      expect(Array.from(there.oof)).toEqual(Array.from(here.oof))
      // The second deal's folds train to the chosen epoch, as the refit does, wherever they run.
      expect(there.bestEpochs.slice(5)).toEqual(Array(5).fill(there.epoch))
      expect(there.foldWeights).toHaveLength(10)
      there.foldWeights.forEach((w, i) => expect(Array.from(w.w1)).toEqual(Array.from(here.foldWeights[i].w1)))
      expect(Array.from((await there.refits)[0].w1)).toEqual(Array.from((await here.refits)[0].w1))
      expect([...seen].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10])
      // The averaged probabilities are not the first deal's alone.
      const once = await crossValidate(inThreadRunner(tfEngines(tf), data), data, cfg, 5, 2, 0)
      expect(Array.from(here.oof)).not.toEqual(Array.from(once.oof))
    } finally {
      runner.close()
    }
  }, 120_000)

  it.skipIf(!built)('a cancel ends the threads and fails the run as cancelled', async () => {
    const data = dataset(3000, 64)
    const abort = new AbortController()
    const runner = await threadRunner(entry, data, 2, abort.signal)
    try {
      const run = crossValidate(runner, data, { ...cfg, epochs: 500, patience: 500 }, 5, 1, 1, { onEpoch: () => abort.abort() })
      await expect(run).rejects.toThrow('cancelled')
    } finally {
      runner.close()
    }
  }, 60_000)

  it('a thread entry that does not exist is refused before any training', async () => {
    const data = dataset(50)
    await expect(threadRunner(join(outDir(), 'main', 'no-such-thread.js'), data, 2)).rejects.toThrow()
  })
})
