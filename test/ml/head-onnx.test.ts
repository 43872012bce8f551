// The onnxruntime step graph (train/head-onnx.ts) against TensorFlow.js's step (head-tf.ts's
// headGradients and Adam), parameter by parameter over several steps, for each loss it
// builds and with and without the hidden layer; and a whole training on both engines.
import { describe, expect, it } from 'vitest'
import { loadTf } from '../../src/main/ml/train/tf-backend'
import { headEngines } from '../../src/main/ml/train/head-engine'
import { tfEngines, tfHeadEngine } from '../../src/main/ml/train/head-tf'
import type { HeadEngine, HeadEngineSpec } from '../../src/main/ml/train/engine'
import { onnxHeadEngine, onnxHeadPredictor } from '../../src/main/ml/train/head-onnx'
import { DEFAULT_HEAD, macroAp, predictHead, trainHead } from '../../src/main/ml/train/head'
import { mulberry32 } from '../../src/shared/random'

function values(n: number, rand: () => number, scale = 1): Float32Array {
  return Float32Array.from({ length: n }, () => (rand() * 2 - 1) * scale)
}

describe('the head step on onnxruntime', () => {
  for (const [loss, hidden] of [
    ['bce', 8],
    ['bce', 0],
    ['balanced', 8],
    ['balanced', 0],
  ] as const) {
    it(`takes the same Adam steps as TensorFlow.js (${loss}, hidden ${hidden})`, async () => {
      const { tf } = await loadTf()
      const rand = mulberry32(11)
      const [d, g, n] = [12, 3, 20]
      const out1 = hidden || g
      const init = [values(d * out1, rand, 0.3), values(out1, rand, 0.1)]
      if (hidden) init.push(values(hidden * g, rand, 0.3), values(g, rand, 0.1))
      const cfg = { ...DEFAULT_HEAD, loss, hidden, weightDecay: 0.05 }
      const spec: HeadEngineSpec = { dims: d, genres: g, hidden, loss, weightDecay: cfg.weightDecay, aslGammaNeg: cfg.aslGammaNeg, aslClip: cfg.aslClip, init, posWeight: Float32Array.of(1, 2.5, 4) }
      const onnx = await onnxHeadEngine(spec)
      expect(onnx).not.toBeNull()
      const engines: HeadEngine[] = [onnx!, tfHeadEngine(tf, spec)]
      // Two batches (the second smaller, as an epoch's last is) and a held-out set.
      const xs = [values(n * d, rand, 2), values(7 * d, rand, 2)]
      const ys = [values(n * g, rand).map((v) => (v > 0.2 ? 1 : 0)), values(7 * g, rand).map((v) => (v > 0.2 ? 1 : 0))]
      const held = values(5 * d, rand, 2)
      for (const e of engines) {
        e.addBatch(xs[0], ys[0], n)
        e.addBatch(xs[1], ys[1], 7)
        expect(e.addHeld(held, 5)).toBe(0)
      }
      for (const [step, batch] of [0, 1, 0, 0, 1].entries()) {
        const lr = 0.01 * (1 + step)
        const [a, b] = await Promise.all(engines.map((e) => e.step(batch, lr)))
        expect(a).toBeCloseTo(b, 4)
      }
      const [wa, wb] = engines.map((e) => e.weights())
      // The parameters moved (a step that did nothing would also agree).
      expect(Math.max(...wa[0].map((v, i) => Math.abs(v - init[0][i])))).toBeGreaterThan(0.01)
      wa.forEach((w, k) => w.forEach((v, i) => expect(Math.abs(v - wb[k][i]), `parameter ${k}[${i}]`).toBeLessThan(1e-4)))
      const [pa, pb] = await Promise.all(engines.map((e) => e.predictHeld(0)))
      expect(pa).toHaveLength(5 * g)
      pa.forEach((v, i) => expect(v).toBeCloseTo(pb[i], 4))
      for (const e of engines) e.dispose()
    })
  }

  it('has no graph for the asymmetric loss: TensorFlow.js takes its steps', async () => {
    const spec = { dims: 2, genres: 1, hidden: 0, loss: 'asl' as const, weightDecay: 0, aslGammaNeg: 2, aslClip: 0.05, init: [new Float32Array(2), new Float32Array(1)], posWeight: Float32Array.of(1) }
    expect(await onnxHeadEngine(spec)).toBeNull()
    const loaded = await loadTf()
    const engines = await headEngines(loaded)
    const e = await engines.factory(spec)
    expect(e.name).toBe(loaded.tf.getBackend())
    e.dispose()
  })

  it('is chosen under wasm once proved, and trains a head as well as TensorFlow.js does', async () => {
    const loaded = await loadTf()
    const engines = await headEngines(loaded)
    if (loaded.backend === 'wasm' || loaded.backend === 'cpu') expect(engines.backend, engines.reason).toBe('onnxruntime')
    else expect(engines.backend).toBe(loaded.backend)
    // Synthetic rows where genre c shifts axis c.
    const rand = mulberry32(5)
    const [n, d, g] = [500, 24, 4]
    const x = values(n * d, rand, 1.5)
    const y = new Float32Array(n * g)
    for (let i = 0; i < n; i++)
      for (let c = 0; c < g; c++)
        if (rand() < 0.3) {
          y[i * g + c] = 1
          x[i * d + c] += 3
        }
    const idx = Array.from({ length: n }, (_, i) => i)
    const data = { x, y, dims: d, genres: g, train: idx.slice(0, 350), earlyStop: idx.slice(350, 420), val: idx.slice(420) }
    const cfg = { ...DEFAULT_HEAD, hidden: 16, epochs: 15, batchSize: 64, lr: 0.01, weightDecay: 1e-3 }
    const a = await trainHead(engines.factory, data, cfg)
    const b = await trainHead(tfEngines(loaded.tf), data, cfg)
    expect(a.bestEpoch).toBe(b.bestEpoch)
    const apOf = (w: typeof a.weights) => macroAp(predictHead(loaded.tf, w, x.slice(420 * d)), y.slice(420 * g), g)
    expect(apOf(a.weights)).toBeGreaterThan(0.9)
    expect(Math.abs(apOf(a.weights) - apOf(b.weights))).toBeLessThan(0.01)
  })

  it("predicts saved heads as TensorFlow.js does, standardising raw rows in the graph (with and without the hidden layer, l2 rows)", async () => {
    const { tf } = await loadTf()
    const rand = mulberry32(9)
    const predictor = onnxHeadPredictor(2)
    for (const [hidden, l2] of [
      [6, false],
      [0, false],
      [6, true],
    ] as const) {
      const [d, g, n] = [10, 3, 37]
      const out1 = hidden || g
      const w = {
        dims: d,
        genres: g,
        hidden,
        l2,
        mean: values(d, rand),
        std: values(d, rand).map((v) => 0.5 + Math.abs(v)),
        w1: values(d * out1, rand, 0.5),
        b1: values(out1, rand, 0.1),
        w2: hidden ? values(hidden * g, rand, 0.5) : null,
        b2: hidden ? values(g, rand, 0.1) : null,
      }
      const x = values(n * d, rand, 3)
      const before = x.slice()
      const [a, b] = [await predictor.predict(w, x), predictHead(tf, w, x)]
      expect(a).toHaveLength(n * g)
      a.forEach((v, i) => expect(v, `hidden ${hidden}, l2 ${l2}, value ${i}`).toBeCloseTo(b[i], 5))
      // The caller's rows are left as they were (standardised inside the graph).
      expect(x).toEqual(before)
    }
  })

  it('an onnxruntime that does not load, or loads and computes wrong, leaves the steps to TensorFlow.js and says why', async () => {
    const loaded = await loadTf()
    if (loaded.backend !== 'wasm' && loaded.backend !== 'cpu') return
    const missing = await headEngines(loaded, 1, async () => {
      throw new Error('onnxruntime_binding.node: cannot open shared object file')
    })
    expect(missing.backend).toBe(loaded.backend)
    expect(missing.reason).toBe(`${loaded.backend}: onnxruntime did not take the head's steps here (onnxruntime_binding.node: cannot open shared object file)`)
    // An engine that loads but whose step is wrong (its learning rate doubled) is caught by the proof.
    const wrong = await headEngines(loaded, 1, async () => ({
      onnxHeadEngine: async (spec: HeadEngineSpec) => {
        const e = (await onnxHeadEngine(spec))!
        return { ...e, step: (i: number, lr: number) => e.step(i, 2 * lr) }
      },
    }))
    expect(wrong.backend).toBe(loaded.backend)
    expect(wrong.reason).toMatch(/onnxruntime did not take the head's steps here \(its step disagrees with TensorFlow\.js's/)
    // Either way the head still trains, on TensorFlow.js.
    const e = await wrong.factory({ dims: 2, genres: 1, hidden: 0, loss: 'bce', weightDecay: 0, aslGammaNeg: 2, aslClip: 0.05, init: [new Float32Array(2), new Float32Array(1)], posWeight: Float32Array.of(1) })
    expect(e.name).toBe(loaded.tf.getBackend())
    e.dispose()
  })
})
