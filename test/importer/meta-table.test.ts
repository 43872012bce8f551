// The compact title/year table a metadata file is read into: it answers exactly as a Map of
// the same rows would (the last row of a repeated id wins), through its growth and rehashing.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { MetaTable } from '../../src/main/importer/meta-table'
import type { MetaRow } from '../../src/main/importer/metadata'

const id = fc.stringMatching(/^[A-Za-z0-9._:-]{1,20}$/)
const row = fc.record({
  title: fc.option(fc.string({ unit: 'grapheme', minLength: 1, maxLength: 30 }), { nil: null }),
  year: fc.option(fc.integer({ min: 0, max: 9999 }), { nil: null }),
})

describe('MetaTable', () => {
  it('answers like a Map of the same rows, repeated ids included', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(id, row), { maxLength: 300 }), fc.array(id, { maxLength: 20 }), (rows, others) => {
        const table = new MetaTable()
        const map = new Map<string, MetaRow>()
        for (const [k, v] of rows) {
          table.set(k, v)
          map.set(k, v)
        }
        expect(table.size).toBe(map.size)
        for (const k of [...map.keys(), ...others]) {
          expect(table.has(k)).toBe(map.has(k))
          expect(table.get(k)).toEqual(map.get(k))
        }
      }),
      { numRuns: 200 },
    )
  })

  it('keeps 200,000 rows through its growth, and misses ids it never held', () => {
    const table = new MetaTable()
    const n = 200_000
    for (let i = 0; i < n; i++) table.set(`tt${String(i).padStart(7, '0')}`, { title: i % 7 ? `Film ${i} — ${'é'.repeat(i % 4)}` : null, year: i % 5 ? 1900 + (i % 120) : null })
    // A second row for every tenth id wins.
    for (let i = 0; i < n; i += 10) table.set(`tt${String(i).padStart(7, '0')}`, { title: `Again ${i}`, year: 2001 })
    expect(table.size).toBe(n)
    for (let i = 0; i < n; i += 997) {
      const want = i % 10 === 0 ? { title: `Again ${i}`, year: 2001 } : { title: i % 7 ? `Film ${i} — ${'é'.repeat(i % 4)}` : null, year: i % 5 ? 1900 + (i % 120) : null }
      expect(table.get(`tt${String(i).padStart(7, '0')}`)).toEqual(want)
    }
    expect(table.get(`tt${n}`)).toBeUndefined()
    expect(table.get('tt000000')).toBeUndefined() // a prefix of held ids
    expect(table.get('tt0000001x')).toBeUndefined()
  })

  it('keeps titles longer than a length field holds, and forgets one a later row replaces', () => {
    const table = new MetaTable()
    const long = 'é'.repeat(40_000) // 80,000 bytes
    table.set('tt1', { title: long, year: 1999 })
    table.set('tt2', { title: 'Short', year: null })
    expect(table.get('tt1')).toEqual({ title: long, year: 1999 })
    table.set('tt1', { title: 'Replaced', year: null })
    expect(table.get('tt1')).toEqual({ title: 'Replaced', year: null })
    expect(table.get('tt2')).toEqual({ title: 'Short', year: null })
    expect(table.size).toBe(2)
  })

  it('refuses an id the schema would not allow instead of storing it mangled', () => {
    const table = new MetaTable()
    expect(() => table.set('tt1 é', { title: null, year: null })).toThrow(RangeError)
    expect(() => table.set('', { title: null, year: null })).toThrow(RangeError)
    expect(table.size).toBe(0)
  })
})
