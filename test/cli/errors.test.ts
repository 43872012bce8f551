// Refused calls read as one line: the dispatcher turns zod issues into "path: message" (every
// host), and the CLI drops the channel's name, as it names the command itself.
import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { issuePath, issuesLine } from '../../src/main/api/issues'
import { cliMessage } from '../../src/main/cli/errors'
import { useLibrary } from '../library/helpers'

const t = useLibrary()

describe('refused arguments', () => {
  it('are one line per call, each issue with its field path', async () => {
    const env = await t.core.dispatch('model.evaluate', { ids: ['ok', 'bad id!'] })
    expect(env).toEqual({ ok: false, error: { code: 'invalid-args', message: 'model.evaluate: ids[1]: poster ids use letters, digits and . _ : -' } })
    const many = await t.core.dispatch('model.evaluate', { ids: ['a b', 'c d', 'e f', 'g h', 'i j'], bogus: 1 })
    expect(many.ok).toBe(false)
    if (!many.ok) expect(many.error.message).toMatch(/^model\.evaluate: [^\n]*ids\[0\]: poster ids use[^\n]* \(and 3 more\)$/)
  })

  it('name nested, numeric and odd keys', () => {
    expect(issuePath(['filter', 'genres', 2])).toBe('filter.genres[2]')
    expect(issuePath(['a b', 0])).toBe('["a b"][0]')
    expect(issuePath([])).toBe('')
    const r = z.strictObject({ n: z.number().min(1) }).safeParse({ n: 0, x: 1 })
    expect(r.success).toBe(false)
    if (!r.success) expect(issuesLine(r.error)).toMatch(/^(n: Too small: expected number to be >=1; Unrecognized key: "x"|Unrecognized key: "x"; n: Too small: expected number to be >=1)$/)
  })

  it('lose the channel name in the CLI, and nothing else', () => {
    expect(cliMessage('model.accept: ids[0]: poster ids use letters')).toBe('ids[0]: poster ids use letters')
    expect(cliMessage('labels.csv: not valid')).toBe('labels.csv: not valid')
    expect(cliMessage('movies.json: x')).toBe('movies.json: x')
    expect(cliMessage('no library here')).toBe('no library here')
  })
})
