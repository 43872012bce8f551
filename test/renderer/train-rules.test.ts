// The Train view's acceptance-rule check and the duplicates panel's default "keep".
import { describe, expect, it } from 'vitest'
import type { DuplicateCluster } from '../../src/shared/api'
import { acceptRuleProblem, defaultKeep } from '../../src/renderer/src/lib/train-rules'

type Member = DuplicateCluster['members'][number]
const member = (m: Partial<Member> & { id: string }): Member => ({ title: null, year: null, width: 300, height: 450, size: 40_000, labelled: false, labels: [], ...m })

describe('acceptance rule', () => {
  it('takes a percentage and a whole number of genres', () => {
    expect(acceptRuleProblem(50, 3)).toBeNull()
    expect(acceptRuleProblem(0, 1)).toBeNull()
    expect(acceptRuleProblem(100, 50)).toBeNull()
  })
  it('refuses a cleared field instead of reading it as 0', () => {
    expect(acceptRuleProblem('', 3)).toMatch(/minimum probability/)
    expect(acceptRuleProblem(50, '')).toMatch(/genres/)
    expect(acceptRuleProblem(null, 3)).not.toBeNull()
  })
  it('refuses values out of range or not numbers', () => {
    for (const [p, g] of [[-1, 3], [101, 3], [NaN, 3], ['5x', 3], [50, 0], [50, 51], [50, 2.5]] as const) expect(acceptRuleProblem(p, g)).not.toBeNull()
  })
})

describe('duplicates: the poster kept by default', () => {
  it('keeps the labelled, named original over a byte-identical copy imported later', () => {
    const original = member({ id: 'tt0083041', title: 'Second-Hand Hearts', year: 1981, labelled: true, labels: [{ genre: 'Comedy', source: 'imported' }] })
    const copy = member({ id: 'f-b5c0a13113e2', title: 'second hand copy' })
    expect(defaultKeep([copy, original])).toBe('tt0083041')
    expect(defaultKeep([original, copy])).toBe('tt0083041')
  })
  it('ranks human labels over a title and year, and those over the larger image', () => {
    const predicted = member({ id: 'b', title: 'B', year: 2000, labelled: true, labels: [{ genre: 'Drama', source: 'prediction' }], width: 1000, height: 1500 })
    const human = member({ id: 'c', labelled: true, labels: [{ genre: 'Drama', source: 'user' }] })
    expect(defaultKeep([predicted, human])).toBe('c')
    const named = member({ id: 'd', title: 'D', year: 1999 })
    const big = member({ id: 'e', width: 2000, height: 3000 })
    expect(defaultKeep([big, named])).toBe('d')
    expect(defaultKeep([member({ id: 'x' }), big])).toBe('e')
  })
  it('breaks a full tie by the smaller id, whatever the order', () => {
    expect(defaultKeep([member({ id: 'tt2' }), member({ id: 'tt1' })])).toBe('tt1')
    expect(defaultKeep([member({ id: 'tt1' }), member({ id: 'tt2' })])).toBe('tt1')
  })
})
