// The paired bootstrap of a macro-AP difference (eval/paired.ts): its point figures agree with
// the plain average precision of eval/metrics.ts, ties included; a real improvement gets an
// interval above zero, an identical model exactly zero, a worse one an interval below zero.
import { describe, expect, it } from 'vitest'
import { pairedMacroApDifference } from '../../src/main/ml/eval/paired'
import { evaluate } from '../../src/main/ml/eval/metrics'
import { mulberry32 } from '../../src/shared/random'

function data(n: number, g: number, seed: number) {
  const rand = mulberry32(seed)
  const y = new Float32Array(n * g)
  const weak = new Float32Array(n * g)
  const strong = new Float32Array(n * g)
  for (let i = 0; i < n * g; i++) {
    y[i] = rand() < 0.2 ? 1 : 0
    // Scores rounded to two decimals: plenty of ties.
    weak[i] = Math.round((0.3 * y[i] + rand()) * 100) / 100
    strong[i] = Math.round((0.9 * y[i] + rand()) * 100) / 100
  }
  return { y, weak, strong }
}

describe('paired bootstrap of macro-AP', () => {
  const n = 400
  const g = 6
  const { y, weak, strong } = data(n, g, 3)
  const names = Array.from({ length: g }, (_, c) => `g${c}`)
  const prior = new Array<number>(g).fill(0.2)

  it('reports the same macro-AP as evaluate, tied scores included', () => {
    const d = pairedMacroApDifference(weak, strong, y, g, { replicates: 0 })
    expect(d.a).toBeCloseTo(evaluate(weak, y, names, prior).model.macroAp, 10)
    expect(d.b).toBeCloseTo(evaluate(strong, y, names, prior).model.macroAp, 10)
    expect(d.diff).toBeCloseTo(d.b - d.a, 12)
  })

  it('puts a clear improvement above zero and its reverse below', () => {
    const up = pairedMacroApDifference(weak, strong, y, g, { replicates: 300 })
    expect(up.diff).toBeGreaterThan(0.1)
    expect(up.interval[0]).toBeGreaterThan(0)
    expect(up.interval[0]).toBeLessThan(up.diff)
    expect(up.interval[1]).toBeGreaterThan(up.diff)
    expect(up.pWorse).toBe(0)
    const down = pairedMacroApDifference(strong, weak, y, g, { replicates: 300 })
    expect(down.interval[1]).toBeLessThan(0)
  })

  it('gives exactly zero for the same scores, and a zero-straddling interval for noise', () => {
    const same = pairedMacroApDifference(weak, weak, y, g, { replicates: 100 })
    expect(same.diff).toBe(0)
    expect(same.interval).toEqual([0, 0])
    // Two equally informative scorers (different noise): the interval covers zero.
    const other = data(n, g, 3)
    const rand = mulberry32(99)
    const weak2 = Float32Array.from(other.y, (v) => Math.round((0.3 * v + rand()) * 100) / 100)
    const noise = pairedMacroApDifference(weak, weak2, y, g, { replicates: 300 })
    expect(noise.interval[0]).toBeLessThan(0.02)
    expect(noise.interval[1]).toBeGreaterThan(-0.02)
  })

  it('refuses matrices of different sizes', () => {
    expect(() => pairedMacroApDifference(weak, strong.subarray(g), y, g)).toThrow(/differ in size/)
  })
})
