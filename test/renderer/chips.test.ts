// Card chips: whole chips or "+N", never a chip cut mid-word; optimistic edits keep each
// genre's source beside it.
import { describe, expect, it } from 'vitest'
import { chipLine, chipsThatFit } from '../../src/renderer/src/lib/chip-fit'
import { applyLabelChange } from '../../src/renderer/src/lib/label-edit'

const measure = (s: string) => s.length * 6

describe('chipsThatFit', () => {
  it('keeps whole chips and room for the +N counter', () => {
    const labels = ['Drama', 'Science Fiction', 'War']
    // Drama 30+16 = 46; + "+2" counter 4+12+4 = 20 → 66 fits in 70; Science Fiction does not.
    expect(chipsThatFit(labels, 70, measure)).toBe(1)
    expect(chipsThatFit(labels, 40, measure)).toBe(0)
    // All three: 46 + 4+106 + 4+34 = 194.
    expect(chipsThatFit(labels, 194, measure)).toBe(3)
    expect(chipsThatFit(labels, 193, measure)).toBe(2)
    expect(chipsThatFit([], 10, measure)).toBe(0)
  })
})

describe('chipLine', () => {
  it('cuts the first chip with an ellipsis only when no whole chip fits, keeping a few characters', () => {
    const labels = ['Drama', 'Science Fiction', 'War']
    // A whole chip fits: nothing is cut.
    expect(chipLine(labels, 70, measure)).toEqual({ whole: 1, cut: null })
    // "Drama" (46) and the "+2" counter (20) need 66; 60 leaves the chip 40 px: cut.
    expect(chipLine(labels, 60, measure)).toEqual({ whole: 0, cut: 40 })
    // "Dra…" needs 4*6+16 = 40 px: below that, "+N" alone.
    expect(chipLine(labels, 59, measure)).toEqual({ whole: 0, cut: null })
    // One chip, no counter.
    expect(chipLine(['Documentary'], 50, measure)).toEqual({ whole: 0, cut: 50 })
    // A source mark ("✦ ") is not one of the characters kept.
    expect(chipLine(['✦ Comedy 98%'], 51, measure)).toEqual({ whole: 0, cut: null })
    expect(chipLine(['✦ Comedy 98%'], 52, measure)).toEqual({ whole: 0, cut: 52 })
    expect(chipLine([], 10, measure)).toEqual({ whole: 0, cut: null })
  })
})

describe('applyLabelChange and sources', () => {
  const poster = {
    id: 'a',
    title: null,
    year: null,
    labelled: true,
    genres: ['Drama', 'Comedy'],
    sources: ['imported', 'prediction'] as ('imported' | 'prediction' | 'user' | 'nfo')[],
    duplicate: false,
    width: 1,
    height: 1,
  }
  it('marks added genres as the user\'s, confirms predictions, keeps the rest aligned', () => {
    const order = ['Action', 'Drama', 'Comedy']
    const a = applyLabelChange(poster, { add: ['Action', 'Comedy'] }, order)
    expect(a.genres).toEqual(['Action', 'Drama', 'Comedy'])
    expect(a.sources).toEqual(['user', 'imported', 'user'])
    const b = applyLabelChange(a, { remove: ['Drama'] }, order)
    expect(b.sources).toEqual(['user', 'user'])
    expect(applyLabelChange(b, { labelled: false }).sources).toEqual([])
  })
})
