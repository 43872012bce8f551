// Strings a client can send that the library could not keep faithfully: control characters and
// lone surrogates in genre names (refused with a plain reason), a NUL in a search (harmless).
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Core } from '../../src/main/core'
import { call, open, seed, tempDir } from '../library/helpers'

const t = tempDir()
let core: Core
beforeAll(() => {
  core = open(join(t.dir, 'lib'))
  seed(core, [{ id: 'tt01', genres: ['Drama'] }])
})
afterAll(async () => {
  await core.close()
  t.cleanup()
})

describe('hostile strings', () => {
  it('refuses genre names with control characters or a broken Unicode character, in every place a name goes', async () => {
    for (const name of ['Noir\u0000', 'Es\u001b[31mc', 'Bad\uD800']) {
      await expect(call(core, 'genres.add', { name })).rejects.toThrow(/control characters|broken Unicode/)
      await expect(call(core, 'labels.edit', { ids: ['tt01'], add: [name] })).rejects.toThrow(/control characters|broken Unicode/)
    }
    // A whole surrogate pair is fine.
    await call(core, 'genres.add', { name: 'Space 🚀' })
  })

  it('a NUL in a search is only a space', async () => {
    const r = await call<{ total: number }>(core, 'library.query', { search: 'tt\u000001' })
    expect(r.total).toBe(0)
    expect((await call<{ total: number }>(core, 'library.query', { search: 'tt01\u0000' })).total).toBe(1)
  })
})
