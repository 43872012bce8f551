// The review queues' ranking on constructed cases whose right answer is known.
import { describe, expect, it } from 'vitest'
import { classThresholds, flipSurprise, genreUncertainty, labelSurprise, rankAccepted, rankSuspects, rankUncertain, suspectScore } from '../../../src/main/ml/review/rank'

const genres = ['Action', 'Comedy', 'Drama']
const matrix = (rows: number[][]) => ({ n: rows.length, g: rows[0].length, values: Float32Array.from(rows.flat()) })

/** 30 clean posters: each genre's posters get 0.8 for it and 0.1 for the others. */
function clean(): { p: number[][]; y: number[][] } {
  const p: number[][] = []
  const y: number[][] = []
  for (let i = 0; i < 30; i++) {
    const c = i % 3
    p.push(genres.map((_, k) => (k === c ? 0.8 : 0.1)))
    y.push(genres.map((_, k) => (k === c ? 1 : 0)))
  }
  return { p, y }
}

describe('classThresholds', () => {
  it('is the mean probability over posters with the genre and over those without it', () => {
    const t = classThresholds(matrix([[0.9], [0.7], [0.2], [0.0]]), matrix([[1], [1], [0], [0]]))
    expect(t.pos[0]).toBeCloseTo(0.8)
    expect(t.neg[0]).toBeCloseTo(0.1)
  })
  it('is undefined (NaN) for a genre no poster has', () => {
    const t = classThresholds(matrix([[0.2], [0.1]]), matrix([[0], [0]]))
    expect(t.pos[0]).toBeNaN()
    expect(t.neg[0]).toBeCloseTo(0.15)
  })
})

describe('rankSuspects', () => {
  it('leaves clean labels alone', () => {
    const { p, y } = clean()
    expect(rankSuspects(matrix(p), matrix(y), genres)).toEqual([])
  })

  it('puts a swapped label first, with the swap as its fix', () => {
    const { p, y } = clean()
    // Row 30: labelled Action, the model is sure it is Comedy.
    p.push([0.02, 0.95, 0.1])
    y.push([1, 0, 0])
    // Row 31: labelled Drama, the model mildly doubts it and mildly suggests Action.
    p.push([0.75, 0.1, 0.09])
    y.push([0, 0, 1])
    const r = rankSuspects(matrix(p), matrix(y), genres)
    expect(r.map((x) => x.row)).toEqual([30, 31])
    expect(r[0].suggest).toEqual({ add: ['Comedy'], remove: ['Action'] })
    expect(r[0].why).toBe('set')
    expect(r[0].score).toBeGreaterThan(r[1].score)
    expect(r[0].score).toBeGreaterThan(0.9)
  })

  it('flags a missing genre the model is confident about, without removing the listed one it believes', () => {
    const { p, y } = clean()
    p.push([0.85, 0.1, 0.9])
    y.push([1, 0, 0])
    const r = rankSuspects(matrix(p), matrix(y), genres)
    expect(r).toHaveLength(1)
    expect(r[0].suggest).toEqual({ add: ['Drama'], remove: [] })
  })

  it('never suggests leaving a poster with no genre', () => {
    const { p, y } = clean()
    // Both listed genres are doubted and nothing is confidently missing: the likeliest other one replaces them.
    p.push([0.05, 0.09, 0.3])
    y.push([1, 1, 0])
    const r = rankSuspects(matrix(p), matrix(y), genres)
    expect(r).toHaveLength(1)
    expect(r[0].suggest).toEqual({ add: ['Drama'], remove: ['Action', 'Comedy'] })
    // With every genre listed there is no other one: the likeliest listed genre stays.
    const all = rankSuspects(matrix([...p.slice(0, 30), [0.05, 0.01, 0.3]]), matrix([...y.slice(0, 30), [1, 1, 1]]), genres)
    expect(all[0].suggest).toEqual({ add: [], remove: ['Action', 'Comedy'] })
  })

  it('ranks by label quality: the lower the probability of a listed genre, the more suspect', () => {
    const { p, y } = clean()
    const lows = [0.09, 0.01, 0.05]
    for (const v of lows) {
      p.push([v, 0.1, 0.1])
      y.push([1, 0, 0])
    }
    const r = rankSuspects(matrix(p), matrix(y), genres)
    expect(r.map((x) => x.row)).toEqual([31, 32, 30])
  })

  it('caps the genres it suggests adding, highest first', () => {
    const g = ['A', 'B', 'C', 'D', 'E']
    const p: number[][] = []
    const y: number[][] = []
    for (let i = 0; i < 50; i++) {
      p.push(g.map((_, k) => (k === i % 5 ? 0.7 : 0.1)))
      y.push(g.map((_, k) => (k === i % 5 ? 1 : 0)))
    }
    p.push([0.8, 0.95, 0.9, 0.85, 0.99])
    y.push([1, 0, 0, 0, 0])
    const r = rankSuspects(matrix(p), matrix(y), g, undefined, { maxAdd: 2 })
    expect(r[0].suggest.add).toEqual(['E', 'B'])
  })
})

describe('labelSurprise', () => {
  it('is 0 for a model that only knows the frequencies, and grows as the labels get less likely', () => {
    expect(labelSurprise([0.5, 0.2], [1, 0], [0.5, 0.2])).toBeCloseTo(0)
    const sure = labelSurprise([0.9, 0.1], [1, 0], [0.5, 0.2])
    const doubt = labelSurprise([0.1, 0.9], [1, 0], [0.5, 0.2])
    expect(sure).toBeLessThan(0)
    expect(doubt).toBeGreaterThan(2)
  })
  it('reads a probability against the genre frequency', () => {
    // 0.1 for a listed genre that 60% of posters carry is a strong doubt; for one that 5% carry, a raised belief.
    expect(labelSurprise([0.1], [1], [0.6])).toBeGreaterThan(labelSurprise([0.1], [1], [0.05]))
  })
})

describe('flipSurprise and suspectScore', () => {
  it('make one added genre the model is sure of stand out, which the set surprise hides among many genres', () => {
    // 20 genres, 10% each; the model is right and fairly sure about all of them...
    const prior = Array(20).fill(0.1)
    const cleanP = Array.from({ length: 20 }, (_, c) => (c < 2 ? 0.7 : 0.03))
    const cleanY = Array.from({ length: 20 }, (_, c) => (c < 2 ? 1 : 0))
    // ...a poster with one genre wrongly added (the model puts it at 0.2%)...
    const addedY = cleanY.map((v, c) => (c === 5 ? 1 : v))
    const addedP = cleanP.map((v, c) => (c === 5 ? 0.002 : v))
    // ...and a clean poster the model is only vaguely right about (every genre a little off).
    const vagueP = Array.from({ length: 20 }, (_, c) => (c < 2 ? 0.3 : 0.2))
    expect(labelSurprise(vagueP, cleanY, prior)).toBeGreaterThan(labelSurprise(addedP, addedY, prior))
    expect(flipSurprise(addedP, addedY)).toBeGreaterThan(flipSurprise(vagueP, cleanY) + 1)
    expect(suspectScore(addedP, addedY, prior)).toBeGreaterThan(suspectScore(vagueP, cleanY, prior))
    // Clean and believed: nothing explains the labels better than the model, so not suspect.
    expect(suspectScore(cleanP, cleanY, prior)).toBeLessThan(0)
  })
  it('is the log of the mean of the two likelihood ratios', () => {
    const p = [0.9, 0.2, 0.05]
    const y = [0, 1, 1]
    const prior = [0.5, 0.3, 0.1]
    const mean = (Math.exp(labelSurprise(p, y, prior)) + Math.exp(flipSurprise(p, y))) / 2
    expect(suspectScore(p, y, prior)).toBeCloseTo(Math.log(mean), 10)
    // flipSurprise: the mean odds that each value as labelled is wrong.
    expect(flipSurprise(p, y)).toBeCloseTo(Math.log((0.9 / 0.1 + 0.8 / 0.2 + 0.95 / 0.05) / 3), 10)
  })
})

describe('rankUncertain', () => {
  it('measures from each genre threshold, not from 0.5', () => {
    expect(genreUncertainty(0.05, 0.05)).toBe(1)
    expect(genreUncertainty(0.5, 0.05)).toBeLessThan(0.6)
    expect(genreUncertainty(0, 0.5)).toBe(0)
    expect(genreUncertainty(1, 0.5)).toBe(0)
  })

  it('puts the poster on the thresholds first and the confident one last', () => {
    const t = [0.5, 0.2, 0.3]
    const p = matrix([
      [0.99, 0.01, 0.02], // confident: Action only
      [0.5, 0.2, 0.3], // every genre on its threshold
      [0.7, 0.25, 0.1], // in between
    ])
    const r = rankUncertain(p, t, genres)
    expect(r.map((x) => x.row)).toEqual([1, 2, 0])
    expect(r[0].score).toBeCloseTo(1)
    // On their thresholds, but only Action reaches Accept's minimum probability (0.5).
    expect(r[0].suggest.add).toEqual(['Action'])
    expect(r[1].suggest.add).toEqual(['Action'])
    expect(r[2].suggest.add).toEqual(['Action'])
    const loose = rankUncertain(p, t, genres, 3, 0.2)
    expect(loose.find((x) => x.row === 1)!.suggest.add).toEqual(['Action', 'Drama', 'Comedy'])
  })

  it('never suggests a genre for clearing a threshold near 0 (a rare genre) at a probability near 0', () => {
    const r = rankUncertain(matrix([[0.45, 0.001, 0.3]]), [0.5, 0.0005, 0.5], genres)
    expect(r[0].suggest.add).toEqual(['Action'])
  })

  it('suggests the likeliest genre when none clears its threshold', () => {
    const r = rankUncertain(matrix([[0.3, 0.1, 0.2]]), [0.5, 0.5, 0.5], genres)
    expect(r[0].suggest.add).toEqual(['Action'])
  })
})

describe('rankAccepted', () => {
  it('lists the least certain accepted prediction first and proposes dropping those now below threshold', () => {
    const probs = (a: number, c: number) =>
      new Map([
        ['action', { p: a, threshold: 0.4 }],
        ['comedy', { p: c, threshold: 0.4 }],
      ])
    const r = rankAccepted([
      { predicted: ['Action'], probs: probs(0.9, 0.1) },
      { predicted: ['Action', 'Comedy'], probs: probs(0.8, 0.3) },
      { predicted: ['Comedy'], probs: probs(0.1, 0.6) },
    ])
    expect(r.map((x) => x.row)).toEqual([1, 2, 0])
    expect(r[0].suggest).toEqual({ add: [], remove: ['Comedy'] })
    expect(r[2].suggest).toEqual({ add: [], remove: [] })
  })

  it('puts posters without probabilities first (nothing vouches for them)', () => {
    const r = rankAccepted([
      { predicted: ['Action'], probs: new Map([['action', { p: 0.9, threshold: 0.5 }]]) },
      { predicted: ['Action'], probs: null },
    ])
    expect(r.map((x) => x.row)).toEqual([1, 0])
  })
})

describe('rankSuspects suggestions', () => {
  it('drops a listed genre that sits nearer its negatives than its positives once the poster is suspect', () => {
    const { p, y } = clean()
    // Drama at 0.3: above tNeg (0.1), so not a confident issue alone, but below the midpoint (0.45);
    // Action at 0.9 is confidently missing.
    p.push([0.9, 0.1, 0.3])
    y.push([0, 0, 1])
    const r = rankSuspects(matrix(p), matrix(y), genres)
    expect(r[r.length - 1].suggest).toEqual({ add: ['Action'], remove: ['Drama'] })
    // At 0.6 it is kept.
    p[30] = [0.9, 0.1, 0.6]
    expect(rankSuspects(matrix(p), matrix(y), genres).find((x) => x.row === 30)?.suggest).toEqual({ add: ['Action'], remove: [] })
  })

  it('flips one genre alone when one wrong genre explains the labels better than a replaced set', () => {
    const { p, y } = clean()
    // Action believed only mildly (0.4, under the midpoint 0.45) and Drama, which the model is sure is wrong.
    p.push([0.4, 0.1, 0.01])
    y.push([1, 0, 1])
    const r = rankSuspects(matrix(p), matrix(y), genres)
    expect(r.map((x) => x.row)).toEqual([30])
    expect(r[0].suggest).toEqual({ add: [], remove: ['Drama'] })
    expect(r[0].why).toBe('genre')
    // Its only listed genre is never flipped away: the set's fix (another genre instead) stands.
    p[30] = [0.4, 0.1, 0.01]
    y[30] = [0, 0, 1]
    expect(rankSuspects(matrix(p), matrix(y), genres)[0].suggest).toEqual({ add: ['Action'], remove: ['Drama'] })
  })
})
