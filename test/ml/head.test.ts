import { tfEngines } from '../../src/main/ml/train/head-tf'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { loadTf } from '../../src/main/ml/train/tf-backend'
import { DEFAULT_HEAD, macroAp, predictHead, trainHead } from '../../src/main/ml/train/head'
import { mulberry32 } from '../../src/shared/random'
import { loadHeads, saveHeads } from '../../src/main/ml/store/weights'

/** Synthetic embeddings: each genre shifts its own direction; labels drawn at random. */
function synthetic(n: number, d: number, g: number, seed: number) {
  const rand = mulberry32(seed)
  const gauss = () => Math.sqrt(-2 * Math.log(rand() + 1e-12)) * Math.cos(2 * Math.PI * rand())
  const x = new Float32Array(n * d)
  const y = new Float32Array(n * g)
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < d; k++) x[i * d + k] = gauss()
    for (let c = 0; c < g; c++) {
      if (rand() < 0.3) {
        y[i * g + c] = 1
        x[i * d + c] += 4 // genre c lives along axis c
      }
    }
  }
  return { x, y }
}

const work = mkdtempSync(join(tmpdir(), 'posterity-head-'))
afterAll(() => rmSync(work, { recursive: true, force: true }))

describe('the multi-label head', () => {
  const n = 600
  const d = 32
  const g = 4
  const { x, y } = synthetic(n, d, g, 3)
  const idx = Array.from({ length: n }, (_, i) => i)
  const data = { x, y, dims: d, genres: g, train: idx.slice(0, 400), earlyStop: idx.slice(400, 480), val: idx.slice(480) }
  const valY = y.slice(480 * g)

  it('learns separable synthetic embeddings, for every loss and with a hidden layer', async () => {
    const { tf, backend } = await loadTf()
    expect(['wasm', 'cpu', 'tensorflow', 'tensorflow-gpu']).toContain(backend)
    for (const cfg of [{ loss: 'bce' as const, hidden: 0 }, { loss: 'balanced' as const, hidden: 0 }, { loss: 'asl' as const, hidden: 0 }, { loss: 'bce' as const, hidden: 16 }]) {
      const epochs: number[] = []
      const r = await trainHead(tfEngines(tf), data, { ...DEFAULT_HEAD, ...cfg, epochs: 40, batchSize: 32, lr: 0.01, weightDecay: 1e-3 }, { onEpoch: (e) => void epochs.push(e.valMacroAp) })
      const p = predictHead(tf, r.weights, x.slice(480 * d))
      const ap = macroAp(p, valY, g)
      expect(ap, `${cfg.loss}/${cfg.hidden}`).toBeGreaterThan(0.9)
      // It got better while training: the first epoch is worse than the best one.
      expect(Math.max(...epochs)).toBeGreaterThan(epochs[0])
    }
  })

  it('keeps the last epoch when there is no early-stopping set', async () => {
    const { tf } = await loadTf()
    const r = await trainHead(tfEngines(tf), { ...data, earlyStop: [] }, { ...DEFAULT_HEAD, epochs: 4, patience: 1 })
    expect(r.epochs).toHaveLength(4)
    expect(r.bestEpoch).toBe(4)
  })

  it('is reproducible with a seed and differs with another', async () => {
    const { tf } = await loadTf()
    const cfg = { ...DEFAULT_HEAD, hidden: 8, epochs: 5, patience: 100 }
    const a = await trainHead(tfEngines(tf), data, { ...cfg, seed: 5 })
    const b = await trainHead(tfEngines(tf), data, { ...cfg, seed: 5 })
    const c = await trainHead(tfEngines(tf), data, { ...cfg, seed: 6 })
    expect(Array.from(b.weights.w1)).toEqual(Array.from(a.weights.w1))
    expect(Array.from(c.weights.w1)).not.toEqual(Array.from(a.weights.w1))
  })

  it('stops when asked (cancel) and saves / loads weights that predict the same', async () => {
    const { tf } = await loadTf()
    let epochsRun = 0
    await expect(
      trainHead(tfEngines(tf), data, { ...DEFAULT_HEAD, epochs: 50 }, { onEpoch: () => void epochsRun++, shouldStop: () => epochsRun >= 2 }),
    ).rejects.toThrow(/cancelled/)
    expect(epochsRun).toBe(2)
    const r = await trainHead(tfEngines(tf), data, { ...DEFAULT_HEAD, hidden: 8, epochs: 3 })
    saveHeads(join(work, 'm'), [r.weights, r.weights])
    const loaded = loadHeads(join(work, 'm'))
    expect(loaded).toHaveLength(2)
    const xs = x.slice(0, 10 * d)
    expect(Array.from(predictHead(tf, loaded[1], xs))).toEqual(Array.from(predictHead(tf, r.weights, xs)))
  })
})
