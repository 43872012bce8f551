// The genre vocabulary and how its changes keep labels, filters and history consistent.
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { Core } from '../../src/main/core'
import { call, open, recordEvents, seed, tempDir } from './helpers'

let t: ReturnType<typeof tempDir>
let core: Core

beforeEach(() => {
  t = tempDir()
  core = open(t.dir)
  seed(core, [
    { id: 'a', title: 'A', genres: ['Drama', 'Sci-Fi'] },
    { id: 'b', title: 'B', genres: ['SciFi'] },
    { id: 'c', title: 'C', genres: ['Comedy'] },
  ])
})
afterEach(async () => {
  await core.close()
  t.cleanup()
})

const names = async () => (await call(core, 'genres.list')).genres.map((g: { name: string }) => g.name)
const filter = async (g: string) => (await call(core, 'library.ids', { genres: [g], sort: 'id' })).ids

describe('genres', () => {
  it('lists genres in order with counts', async () => {
    expect((await call(core, 'genres.list')).genres).toEqual([
      { name: 'Drama', position: 0, count: 1 },
      { name: 'Sci-Fi', position: 1, count: 1 },
      { name: 'SciFi', position: 2, count: 1 },
      { name: 'Comedy', position: 3, count: 1 },
    ])
  })

  it('adds unique names case-insensitively and never N/A', async () => {
    const ev = recordEvents(core)
    expect(await call(core, 'genres.add', { name: '  Western ' })).toEqual({ name: 'Western', position: 4, count: 0 })
    await expect(call(core, 'genres.add', { name: 'drama' })).rejects.toMatchObject({ code: 'conflict' })
    await expect(call(core, 'genres.add', { name: 'n/a' })).rejects.toMatchObject({ code: 'invalid-args' })
    await expect(call(core, 'genres.add', { name: '' })).rejects.toMatchObject({ code: 'invalid-args' })
    expect(ev.of('library.changed')).toEqual([{ reason: 'genres' }])
  })

  it('renames, including a change of case, refusing another genre\'s name; history follows', async () => {
    await call(core, 'labels.edit', { ids: ['c'], add: ['Drama'] })
    expect(await call(core, 'genres.rename', { name: 'Drama', to: 'Dramatic' })).toMatchObject({ name: 'Dramatic', count: 2 })
    expect(await call(core, 'genres.rename', { name: 'dramatic', to: 'DRAMATIC' })).toMatchObject({ name: 'DRAMATIC' })
    await expect(call(core, 'genres.rename', { name: 'Comedy', to: 'sci-fi' })).rejects.toMatchObject({ code: 'conflict' })
    await expect(call(core, 'genres.rename', { name: 'Nope', to: 'X' })).rejects.toMatchObject({ code: 'not-found' })
    expect(await filter('dramatic')).toEqual(['a', 'c'])
    // Undo uses the new name: the label goes, no old "Drama" genre comes back.
    await call(core, 'labels.undo')
    expect(await names()).not.toContain('Drama')
    expect((await call(core, 'library.get', { id: 'c' })).genres).toEqual(['Comedy'])
    await call(core, 'labels.redo')
    expect((await call(core, 'library.get', { id: 'c' })).genres).toEqual(['DRAMATIC', 'Comedy'])
  })

  it('merges labels into another genre, keeping filters and history consistent', async () => {
    await call(core, 'labels.edit', { ids: ['c'], add: ['SciFi'] })
    const merged = await call(core, 'genres.merge', { from: 'SciFi', into: 'Sci-Fi' })
    expect(merged).toEqual({ name: 'Sci-Fi', position: 1, count: 3 })
    expect(await names()).toEqual(['Drama', 'Sci-Fi', 'Comedy'])
    expect(await filter('Sci-Fi')).toEqual(['a', 'b', 'c'])
    expect(await filter('SciFi')).toEqual([])
    // The edit that added SciFi to c now means Sci-Fi: undo removes Sci-Fi from c.
    await call(core, 'labels.undo')
    expect((await call(core, 'library.get', { id: 'c' })).genres).toEqual(['Comedy'])
    expect(await filter('Sci-Fi')).toEqual(['a', 'b'])
    await expect(call(core, 'genres.merge', { from: 'Drama', into: 'drama' })).rejects.toMatchObject({ code: 'invalid-args' })
  })

  it('deletes a genre with its labels and drops history entries that no longer change anything', async () => {
    await call(core, 'labels.edit', { ids: ['b'], add: ['Comedy'] })
    await call(core, 'labels.edit', { ids: ['a', 'b'], add: ['Comedy', 'Drama'] })
    await call(core, 'genres.remove', { name: 'comedy' })
    expect(await names()).toEqual(['Drama', 'Sci-Fi', 'SciFi'])
    expect((await call(core, 'library.get', { id: 'c' })).genres).toEqual([])
    expect(await filter('Comedy')).toEqual([])
    const h = await call(core, 'labels.history', {})
    expect(h.entries.map((e: { description: string; posters: number }) => [e.description, e.posters])).toEqual([
      ['Add Comedy, Drama on 2 posters', 1], // only b's Drama is left of it
    ])
    await call(core, 'labels.undo')
    expect((await call(core, 'library.get', { id: 'b' })).genres).toEqual(['SciFi'])
    expect(await names()).not.toContain('Comedy')
    // A new genre reuses the freed mask bit without inheriting old labels.
    await call(core, 'genres.add', { name: 'Western' })
    expect(await filter('Western')).toEqual([])
  })

  it('reorders with the full list only', async () => {
    await call(core, 'genres.reorder', { names: ['comedy', 'SciFi', 'Sci-Fi', 'Drama'] })
    expect(await names()).toEqual(['Comedy', 'SciFi', 'Sci-Fi', 'Drama'])
    expect((await call(core, 'library.get', { id: 'a' })).genres).toEqual(['Sci-Fi', 'Drama'])
    await expect(call(core, 'genres.reorder', { names: ['Comedy', 'Drama'] })).rejects.toThrow(/missing: SciFi, Sci-Fi|missing/)
    await expect(call(core, 'genres.reorder', { names: ['Comedy', 'Comedy', 'SciFi', 'Drama'] })).rejects.toThrow(/twice/)
    await expect(call(core, 'genres.reorder', { names: ['Comedy', 'X', 'SciFi', 'Drama'] })).rejects.toThrow(/no genre "X"/)
  })
})
