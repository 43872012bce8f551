import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { printable } from '../../src/shared/printable'

describe('printable', () => {
  it('escapes ANSI sequences, newlines and bidi overrides, keeps the rest', () => {
    expect(printable('\x1b[31mred\x1b[0m.jpg')).toBe('\\x1b[31mred\\x1b[0m.jpg')
    expect(printable('two\nlines\r.jpg')).toBe('two\\nlines\\r.jpg')
    expect(printable('evil\u202egpj.exe')).toBe('evil\\u202egpj.exe')
    expect(printable('Amélie (2001) — 東京.jpg')).toBe('Amélie (2001) — 東京.jpg')
  })

  it('never lets a control character through, whatever the name (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (s) => {
         
        expect(printable(s)).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/)
      }),
    )
  })
})
