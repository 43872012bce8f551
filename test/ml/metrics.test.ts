import { describe, expect, it } from 'vitest'
import { averagePrecision, bestF1Threshold, column, evaluate, hitAtK } from '../../src/main/ml/eval/metrics'
import { mulberry32 } from '../../src/shared/random'

describe('average precision', () => {
  it('is 1 when every positive ranks first', () => {
    expect(averagePrecision([0.9, 0.8, 0.1, 0.05], [1, 1, 0, 0])).toBe(1)
  })
  it('matches a hand computation', () => {
    // ranks: 1 pos (P=1), 2 neg, 3 pos (P=2/3) → AP = (1 + 2/3) / 2
    expect(averagePrecision([0.9, 0.8, 0.7, 0.1], [1, 0, 1, 0])).toBeCloseTo(5 / 6, 10)
  })
  it('treats tied scores as one threshold (sklearn semantics)', () => {
    // all tied: precision at the only threshold = prevalence
    expect(averagePrecision([0.5, 0.5, 0.5, 0.5], [1, 0, 0, 0])).toBeCloseTo(0.25, 10)
    // a tie between a positive and a negative at the top: P = 1/2 there
    expect(averagePrecision([0.9, 0.9, 0.1], [1, 0, 1])).toBeCloseTo(0.5 * 0.5 + 0.5 * (2 / 3), 10)
  })
  it('is null without positives', () => {
    expect(averagePrecision([0.3, 0.2], [0, 0])).toBeNull()
  })
})

describe('thresholds, F1 and hit@k', () => {
  it('picks the F1-best threshold', () => {
    const t = bestF1Threshold([0.9, 0.8, 0.3, 0.2], [1, 1, 0, 1])
    // t=0.8: tp 2, fp 0, fn 1 → F1 0.8; t=0.2: tp 3, fp 1 → 6/7 ≈ 0.857
    expect(t.threshold).toBeCloseTo(0.2)
    expect(t.f1).toBeCloseTo(6 / 7, 10)
  })
  it('counts hit@1 and hit@3 over posters with a genre', () => {
    // 2 posters, 4 genres
    const scores = [0.9, 0.1, 0.2, 0.3, /**/ 0.1, 0.2, 0.3, 0.9]
    const labels = [0, 0, 1, 0, /**/ 0, 0, 0, 1]
    expect(hitAtK(scores, labels, 4, 1)).toBe(0.5)
    expect(hitAtK(scores, labels, 4, 3)).toBe(1)
  })
})

describe('evaluate', () => {
  it('reports model and prior, and lists rare genres apart', () => {
    const genres = ['A', 'B', 'Rare']
    const n = 20
    const scores: number[] = []
    const labels: number[] = []
    for (let i = 0; i < n; i++) {
      const a = i % 2
      const b = i % 4 === 0 ? 1 : 0
      const r = i === 3 ? 1 : 0
      labels.push(a, b, r)
      scores.push(a ? 0.9 : 0.1, b ? 0.8 : 0.2, 0.5)
    }
    const ev = evaluate(scores, labels, genres, [0.5, 0.25, 0.05])
    expect(ev.genres.map((g) => g.genre)).toEqual(['A', 'B'])
    expect(ev.rare.map((g) => g.genre)).toEqual(['Rare'])
    expect(ev.model.macroAp).toBe(1)
    // The prior ranks all posters alike: AP = prevalence.
    expect(ev.prior.macroAp).toBeCloseTo((0.5 + 0.25) / 2, 10)
    expect(ev.genres[0].priorAp).toBeCloseTo(0.5)
    expect(ev.model.macroF1).toBe(1)
    // The prior's best F1 calls every poster positive: 2p / (1 + p) at prevalence p, even
    // when its frequency is not exact in float32 (0.7 rounds down there).
    const odd = evaluate(scores, labels, genres, [0.7, 0.2, 0.05])
    expect(odd.prior.macroF1).toBeCloseTo(((2 * 0.5) / 1.5 + (2 * 0.25) / 1.25) / 2, 10)
    expect(odd.prior.microF1).toBeGreaterThan(0)
  })
})

/** The metrics as they were computed before the native-sort walk: row indices sorted with a comparator. */
const reference = {
  order: (s: ArrayLike<number>) => Array.from({ length: s.length }, (_, i) => i).sort((a, b) => s[b] - s[a]),
  ap(s: ArrayLike<number>, l: ArrayLike<number>): number | null {
    const o = reference.order(s)
    const pos = o.filter((i) => l[i] > 0).length
    if (pos === 0) return null
    let [tp, ap, prev] = [0, 0, 0]
    for (let i = 0; i < o.length; ) {
      let j = i
      while (j < o.length && s[o[j]] === s[o[i]]) if (l[o[j++]] > 0) tp++
      ap += (tp / pos - prev) * (tp / j)
      prev = tp / pos
      i = j
    }
    return ap
  },
  f1(s: ArrayLike<number>, l: ArrayLike<number>) {
    const o = reference.order(s)
    const pos = o.filter((i) => l[i] > 0).length
    let best = { threshold: 1, f1: 0 }
    if (pos === 0) return best
    let tp = 0
    for (let i = 0; i < o.length; ) {
      let j = i
      while (j < o.length && s[o[j]] === s[o[i]]) if (l[o[j++]] > 0) tp++
      if ((2 * tp) / (j + pos) > best.f1) best = { threshold: s[o[i]], f1: (2 * tp) / (j + pos) }
      i = j
    }
    return best
  },
  hit(s: ArrayLike<number>, l: ArrayLike<number>, g: number, k: number) {
    let [hits, counted] = [0, 0]
    for (let i = 0; i < s.length / g; i++) {
      if (!Array.from({ length: g }, (_, c) => l[i * g + c]).some((v) => v > 0)) continue
      counted++
      const idx = Array.from({ length: g }, (_, c) => c).sort((a, b) => s[i * g + b] - s[i * g + a])
      if (idx.slice(0, k).some((c) => l[i * g + c] > 0)) hits++
    }
    return counted ? hits / counted : 0
  },
}

describe('the ranking walk', () => {
  it('gives the comparator sort figures exactly, ties and repeated values included', () => {
    const rand = mulberry32(21)
    for (let t = 0; t < 300; t++) {
      const n = 1 + Math.floor(rand() * 120)
      const g = 1 + Math.floor(rand() * 7)
      // Few distinct levels make long runs of ties; some cases have none.
      const levels = t % 3 === 0 ? 0 : 2 + Math.floor(rand() * 8)
      const s = new Float32Array(n * g).map(() => (levels ? Math.floor(rand() * levels) / levels : rand()))
      const l = new Float32Array(n * g).map(() => (rand() < 0.3 ? 1 : 0))
      for (let c = 0; c < g; c++) {
        const sc = column(s, g, c)
        const lc = column(l, g, c)
        expect(averagePrecision(sc, lc)).toBe(reference.ap(sc, lc))
        expect(bestF1Threshold(sc, lc)).toEqual(reference.f1(sc, lc))
      }
      for (const k of [1, 2, 3, 5]) expect(hitAtK(s, l, g, k)).toBe(reference.hit(s, l, g, k))
    }
  })
})
