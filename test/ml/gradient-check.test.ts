// The head's hand-written backward pass (train/head-tf.ts headGradients) against central finite
// differences of each loss, computed here in float64 from the losses' definitions, on a small
// random problem: with and without the hidden ReLU layer, weight decay included.
import { describe, expect, it } from 'vitest'
import { loadTf } from '../../src/main/ml/train/tf-backend'
import { DEFAULT_HEAD, type HeadConfig, type HeadLoss } from '../../src/main/ml/train/head'
import { headGradients } from '../../src/main/ml/train/head-tf'
import { mulberry32 } from '../../src/shared/random'

const [n, d, g] = [7, 5, 3]

interface Problem {
  x: number[]
  y: number[]
  posWeight: number[]
  /** [W1, b1] or [W1, b1, W2, b2], row-major. */
  params: number[][]
  shapes: number[][]
}

function problem(hidden: number, seed: number): Problem {
  const rand = mulberry32(seed)
  // float32-exact values, so the tf side sees exactly the numbers differentiated here.
  const r = (scale: number) => Math.fround((rand() * 2 - 1) * scale)
  const shapes = hidden ? [[d, hidden], [hidden], [hidden, g], [g]] : [[d, g], [g]]
  return {
    x: Array.from({ length: n * d }, () => r(1.5)),
    y: Array.from({ length: n * g }, () => (rand() < 0.4 ? 1 : 0)),
    posWeight: Array.from({ length: g }, () => Math.fround(1 + rand() * 4)),
    params: shapes.map((s) => Array.from({ length: s.reduce((a, b) => a * b, 1) }, () => r(0.8))),
    shapes,
  }
}

/** Per-element loss of probability p for label y (genre weight w), as each loss defines it. */
function elementLoss(loss: HeadLoss, p: number, y: number, w: number, cfg: HeadConfig): number {
  if (loss === 'bce') return -(y * Math.log(p) + (1 - y) * Math.log(1 - p))
  if (loss === 'balanced') return -(w * y * Math.log(p) + (1 - y) * Math.log(1 - p))
  // Asymmetric loss with γ+ = 0: −log p for a positive; pm^γ− · −log(1 − pm) for a negative, pm = max(p − m, 0).
  if (y > 0) return -Math.log(p)
  const pm = Math.max(p - cfg.aslClip, 0)
  return pm ** cfg.aslGammaNeg * -Math.log(1 + 1e-6 - pm)
}

/** (1/n) Σ rows Σ genres loss + (weightDecay/2)·‖W‖², in float64. */
function objective(pr: Problem, params: number[][], cfg: HeadConfig): number {
  const hidden = params.length === 4
  const out1 = pr.shapes[0][1]
  let total = 0
  for (let i = 0; i < n; i++) {
    const z1 = Array.from({ length: out1 }, (_, j) => params[1][j] + pr.x.slice(i * d, (i + 1) * d).reduce((s, v, k) => s + v * params[0][k * out1 + j], 0))
    const z = hidden ? Array.from({ length: g }, (_, c) => params[3][c] + z1.reduce((s, v, j) => s + Math.max(v, 0) * params[2][j * g + c], 0)) : z1
    for (let c = 0; c < g; c++) total += elementLoss(cfg.loss, 1 / (1 + Math.exp(-z[c])), pr.y[i * g + c], pr.posWeight[c], cfg)
  }
  const decay = params.filter((_, i) => i % 2 === 0).reduce((s, w) => s + w.reduce((a, v) => a + v * v, 0), 0)
  return total / n + (cfg.weightDecay / 2) * decay
}

function numericGradients(pr: Problem, cfg: HeadConfig, h = 1e-6): number[][] {
  return pr.params.map((w, pi) =>
    w.map((_, k) => {
      const at = (delta: number) => objective(pr, pr.params.map((q, qi) => (qi === pi ? q.map((v, j) => (j === k ? v + delta : v)) : q)), cfg)
      return (at(h) - at(-h)) / (2 * h)
    }),
  )
}

async function analyticGradients(pr: Problem, cfg: HeadConfig): Promise<number[][]> {
  const { tf } = await loadTf()
  return tf.tidy(() => {
    const x = tf.tensor2d(pr.x, [n, d])
    const batch = { x, xt: tf.transpose(x) as typeof x, y: tf.tensor2d(pr.y, [n, g]), n }
    const params = pr.params.map((w, i) => tf.tensor(w, pr.shapes[i]))
    const { grads } = headGradients(tf, params, batch, cfg, tf.tensor1d(pr.posWeight))
    return grads.map((t) => Array.from(t.dataSync()))
  })
}

/** Largest |analytic − numeric| relative to the numeric gradient's size (plus a float32 floor). */
function worstError(a: number[][], num: number[][]): number {
  let worst = 0
  a.forEach((w, i) => w.forEach((v, k) => (worst = Math.max(worst, Math.abs(v - num[i][k]) / (Math.abs(num[i][k]) + 1e-2)))))
  return worst
}

describe('the head training step: analytic gradients against finite differences', () => {
  for (const loss of ['bce', 'balanced', 'asl'] as const) {
    for (const hidden of [0, 4]) {
      it(`${loss}, ${hidden ? `a hidden layer of ${hidden}` : 'no hidden layer'}`, async () => {
        const cfg: HeadConfig = { ...DEFAULT_HEAD, loss, hidden, weightDecay: 0.1 }
        const pr = problem(hidden, 11 + hidden + loss.length)
        const a = await analyticGradients(pr, cfg)
        const num = numericGradients(pr, cfg)
        expect(a.map((w) => w.length)).toEqual(num.map((w) => w.length))
        // Not a vacuous check: the gradients are far from zero.
        expect(Math.max(...num.flat().map(Math.abs))).toBeGreaterThan(0.05)
        expect(worstError(a, num)).toBeLessThan(1e-4)
      })
    }
  }

  it('tells the losses apart: one loss\'s gradients fail against another\'s finite differences', async () => {
    const pr = problem(4, 5)
    const numBce = numericGradients(pr, { ...DEFAULT_HEAD, loss: 'bce', hidden: 4 })
    for (const other of ['balanced', 'asl'] as const) {
      const a = await analyticGradients(pr, { ...DEFAULT_HEAD, loss: other, hidden: 4 })
      expect(worstError(a, numBce)).toBeGreaterThan(0.05)
    }
    // And without the weight decay term the check fails too.
    const noDecay = await analyticGradients(pr, { ...DEFAULT_HEAD, loss: 'bce', hidden: 4, weightDecay: 0 })
    expect(worstError(noDecay, numericGradients(pr, { ...DEFAULT_HEAD, loss: 'bce', hidden: 4, weightDecay: 0.5 }))).toBeGreaterThan(0.05)
  })
})
