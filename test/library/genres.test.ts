// The genre vocabulary and how its changes keep labels, filters and history consistent.
import { describe, expect, it } from 'vitest'
import { call, recordEvents, useLibrary } from './helpers'

const t = useLibrary({
  seed: [
    { id: 'a', title: 'A', genres: ['Drama', 'Sci-Fi'] },
    { id: 'b', title: 'B', genres: ['SciFi'] },
    { id: 'c', title: 'C', genres: ['Comedy'] },
  ],
})

const names = async () => (await call(t.core, 'genres.list')).genres.map((g: { name: string }) => g.name)
const filter = async (g: string) => (await call(t.core, 'library.ids', { genres: [g], sort: 'id' })).ids

describe('genres', () => {
  it('lists genres in order with counts', async () => {
    expect((await call(t.core, 'genres.list')).genres).toEqual([
      { name: 'Drama', position: 0, count: 1 },
      { name: 'Sci-Fi', position: 1, count: 1 },
      { name: 'SciFi', position: 2, count: 1 },
      { name: 'Comedy', position: 3, count: 1 },
    ])
  })

  it('adds unique names case-insensitively and never N/A', async () => {
    const ev = recordEvents(t.core)
    expect(await call(t.core, 'genres.add', { name: '  Western ' })).toEqual({ name: 'Western', position: 4, count: 0 })
    await expect(call(t.core, 'genres.add', { name: 'drama' })).rejects.toMatchObject({ code: 'conflict' })
    await expect(call(t.core, 'genres.add', { name: 'n/a' })).rejects.toMatchObject({ code: 'invalid-args' })
    await expect(call(t.core, 'genres.add', { name: '' })).rejects.toMatchObject({ code: 'invalid-args' })
    expect(ev.of('library.changed')).toEqual([{ reason: 'genres' }])
    expect((await call(t.core, 'labels.history', {})).undoLabel).toBe('Add genre Western')
  })

  it('renames, including a change of case, refusing another genre\'s name; undo renames back', async () => {
    await call(t.core, 'labels.edit', { ids: ['c'], add: ['Drama'] })
    expect(await call(t.core, 'genres.rename', { name: 'Drama', to: 'Dramatic' })).toMatchObject({ name: 'Dramatic', count: 2 })
    expect(await call(t.core, 'genres.rename', { name: 'dramatic', to: 'DRAMATIC' })).toMatchObject({ name: 'DRAMATIC' })
    await expect(call(t.core, 'genres.rename', { name: 'Comedy', to: 'sci-fi' })).rejects.toMatchObject({ code: 'conflict' })
    await expect(call(t.core, 'genres.rename', { name: 'Nope', to: 'X' })).rejects.toMatchObject({ code: 'not-found' })
    expect(await filter('dramatic')).toEqual(['a', 'c'])
    // Each rename is its own entry: undo walks back through them, then the label edit.
    expect((await call(t.core, 'labels.history', {})).undoLabel).toBe('Rename genre Dramatic to DRAMATIC')
    await call(t.core, 'labels.undo')
    expect(await names()).toContain('Dramatic')
    await call(t.core, 'labels.undo')
    expect(await names()).toEqual(['Drama', 'Sci-Fi', 'SciFi', 'Comedy'])
    expect((await call(t.core, 'library.get', { id: 'c' })).genres).toEqual(['Drama', 'Comedy'])
    await call(t.core, 'labels.undo')
    expect((await call(t.core, 'library.get', { id: 'c' })).genres).toEqual(['Comedy'])
    await call(t.core, 'labels.redo')
    await call(t.core, 'labels.redo')
    await call(t.core, 'labels.redo')
    expect((await call(t.core, 'library.get', { id: 'c' })).genres).toEqual(['DRAMATIC', 'Comedy'])
  })

  it('merge is one undoable entry: undo splits the genres again and leaves the earlier label edit alone', async () => {
    // The bug this guards: undo after a merge used to revert this unrelated earlier edit.
    await call(t.core, 'labels.edit', { ids: ['c'], add: ['Drama'] })
    await call(t.core, 'labels.edit', { ids: ['a'], add: ['SciFi'] }) // a has Sci-Fi and SciFi
    const merged = await call(t.core, 'genres.merge', { from: 'SciFi', into: 'Sci-Fi' })
    expect(merged).toEqual({ name: 'Sci-Fi', position: 1, count: 2 })
    expect(await names()).toEqual(['Drama', 'Sci-Fi', 'Comedy'])
    expect(await filter('Sci-Fi')).toEqual(['a', 'b'])
    expect(await filter('SciFi')).toEqual([])
    const ev = recordEvents(t.core)
    const undone = await call(t.core, 'labels.undo')
    expect(undone.history.redoLabel).toBe('Merge genre SciFi into Sci-Fi (2 posters)')
    expect(ev.of('library.changed')[0]).toMatchObject({ reason: 'genres' })
    expect(await names()).toEqual(['Drama', 'Sci-Fi', 'SciFi', 'Comedy'])
    expect(await filter('SciFi')).toEqual(['a', 'b'])
    expect(await filter('Sci-Fi')).toEqual(['a'])
    const a = await call(t.core, 'library.get', { id: 'a' })
    expect(a.labels).toEqual([
      { genre: 'Drama', source: 'imported' },
      { genre: 'Sci-Fi', source: 'imported' },
      { genre: 'SciFi', source: 'user' },
    ])
    // The earlier, unrelated edit is untouched.
    expect((await call(t.core, 'library.get', { id: 'c' })).genres).toEqual(['Drama', 'Comedy'])
    await call(t.core, 'labels.redo')
    expect(await filter('Sci-Fi')).toEqual(['a', 'b'])
    expect(await names()).toEqual(['Drama', 'Sci-Fi', 'Comedy'])
    await expect(call(t.core, 'genres.merge', { from: 'Drama', into: 'drama' })).rejects.toMatchObject({ code: 'invalid-args' })
  })

  it('deletes a genre with its labels; undo brings both back in place, redo deletes again', async () => {
    await call(t.core, 'labels.edit', { ids: ['b'], add: ['Comedy'] })
    await call(t.core, 'genres.remove', { name: 'comedy' })
    expect(await names()).toEqual(['Drama', 'Sci-Fi', 'SciFi'])
    expect((await call(t.core, 'library.get', { id: 'c' })).genres).toEqual([])
    expect(await filter('Comedy')).toEqual([])
    // A new genre reuses the freed mask bit without inheriting old labels.
    await call(t.core, 'genres.add', { name: 'Western' })
    expect(await filter('Western')).toEqual([])
    await call(t.core, 'labels.undo') // the add
    await call(t.core, 'labels.undo') // the delete
    expect(await names()).toEqual(['Drama', 'Sci-Fi', 'SciFi', 'Comedy'])
    expect(await filter('Comedy')).toEqual(['b', 'c'])
    expect((await call(t.core, 'library.get', { id: 'b' })).labels).toEqual([
      { genre: 'SciFi', source: 'imported' },
      { genre: 'Comedy', source: 'user' },
    ])
    await call(t.core, 'labels.undo') // the label edit, with the genre present again
    expect(await filter('Comedy')).toEqual(['c'])
    await call(t.core, 'labels.redo')
    await call(t.core, 'labels.redo')
    expect(await names()).toEqual(['Drama', 'Sci-Fi', 'SciFi'])
  })

  it('add and reorder are undoable too', async () => {
    await call(t.core, 'genres.add', { name: 'Western' })
    await call(t.core, 'genres.reorder', { names: ['Western', 'Comedy', 'SciFi', 'Sci-Fi', 'Drama'] })
    expect(await names()).toEqual(['Western', 'Comedy', 'SciFi', 'Sci-Fi', 'Drama'])
    await call(t.core, 'labels.undo')
    expect(await names()).toEqual(['Drama', 'Sci-Fi', 'SciFi', 'Comedy', 'Western'])
    await call(t.core, 'labels.undo')
    expect(await names()).toEqual(['Drama', 'Sci-Fi', 'SciFi', 'Comedy'])
    await call(t.core, 'labels.redo')
    await call(t.core, 'labels.redo')
    expect(await names()).toEqual(['Western', 'Comedy', 'SciFi', 'Sci-Fi', 'Drama'])
  })

  it('reorders with the full list only', async () => {
    await call(t.core, 'genres.reorder', { names: ['comedy', 'SciFi', 'Sci-Fi', 'Drama'] })
    expect(await names()).toEqual(['Comedy', 'SciFi', 'Sci-Fi', 'Drama'])
    expect((await call(t.core, 'library.get', { id: 'a' })).genres).toEqual(['Sci-Fi', 'Drama'])
    await expect(call(t.core, 'genres.reorder', { names: ['Comedy', 'Drama'] })).rejects.toThrow(/missing: SciFi, Sci-Fi|missing/)
    await expect(call(t.core, 'genres.reorder', { names: ['Comedy', 'Comedy', 'SciFi', 'Drama'] })).rejects.toThrow(/twice/)
    await expect(call(t.core, 'genres.reorder', { names: ['Comedy', 'X', 'SciFi', 'Drama'] })).rejects.toThrow(/no genre "X"/)
  })
})
