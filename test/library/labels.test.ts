// labels.edit / undo / redo / history: one transaction and one history entry per edit,
// persisted in the library file.
import { describe, expect, it } from 'vitest'
import { call, recordEvents, useLibrary } from './helpers'
import { labelledGain } from '../../src/main/library/delta'

const t = useLibrary({
  seed: [
    { id: 'a', title: 'A', genres: ['Drama'] },
    { id: 'b', title: 'B', genres: ['Comedy'] },
    { id: 'c', title: 'C', genres: null },
  ],
})

const detail = (id: string) => call(t.core, 'library.get', { id })

describe('labels.edit', () => {
  it('adds and removes genres on many posters in one entry; new labels are the user\'s', async () => {
    const ev = recordEvents(t.core)
    const r = await call(t.core, 'labels.edit', { ids: ['a', 'b', 'c'], add: ['Horror'], remove: ['Comedy'] })
    expect(r.changed.sort()).toEqual(['a', 'b', 'c'])
    expect(r.history).toMatchObject({ canUndo: true, canRedo: false })
    expect((await detail('a')).labels).toEqual([
      { genre: 'Drama', source: 'imported' },
      { genre: 'Horror', source: 'user' },
    ])
    expect((await detail('b')).genres).toEqual(['Horror'])
    expect((await detail('c')).labelled).toBe(true)
    const h = await call(t.core, 'labels.history', {})
    expect(h.entries).toHaveLength(1)
    expect(h.entries[0]).toMatchObject({ posters: 3, undone: false, description: 'Add Horror, remove Comedy on 3 posters' })
    expect(ev.of('library.changed')).toEqual([{ reason: 'labels', ids: expect.arrayContaining(['a', 'b', 'c']) }])
  })

  it('records nothing when nothing changes', async () => {
    const r = await call(t.core, 'labels.edit', { ids: ['a'], add: ['drama'] })
    expect(r.changed).toEqual([])
    expect((await call(t.core, 'labels.history', {})).entries).toHaveLength(0)
    const r2 = await call(t.core, 'labels.edit', { ids: ['c'], remove: ['Drama'], labelled: true })
    expect(r2.changed).toEqual(['c']) // labelled with no genres is a change
    const r3 = await call(t.core, 'labels.edit', { ids: ['c'], labelled: true })
    expect(r3.changed).toEqual([])
  })

  it('returns posters to unlabelled with labelled:false, and refuses that combined with add', async () => {
    await call(t.core, 'labels.edit', { ids: ['a', 'b'], labelled: false })
    expect(await detail('a')).toMatchObject({ labelled: false, genres: [] })
    await expect(call(t.core, 'labels.edit', { ids: ['a'], labelled: false, add: ['Drama'] })).rejects.toMatchObject({ code: 'invalid-args' })
    await expect(call(t.core, 'labels.edit', { ids: ['nope'], add: ['Drama'] })).rejects.toMatchObject({ code: 'not-found' })
    await expect(call(t.core, 'labels.edit', { ids: ['a'] })).rejects.toMatchObject({ code: 'invalid-args' })
  })

  it('keeps the genre mask used by filters in step with edits', async () => {
    await call(t.core, 'labels.edit', { ids: ['c'], add: ['Drama'] })
    const q = await call(t.core, 'library.query', { genres: ['Drama'], sort: 'id' })
    expect(q.items.map((p: { id: string }) => p.id)).toEqual(['a', 'c'])
    await call(t.core, 'labels.edit', { ids: ['a'], remove: ['Drama'] })
    const q2 = await call(t.core, 'library.query', { genres: ['Drama'], sort: 'id' })
    expect(q2.items.map((p: { id: string }) => p.id)).toEqual(['c'])
  })
})

describe('undo / redo', () => {
  it('undoes and redoes exact before/after states, and a new edit drops the redo branch', async () => {
    await call(t.core, 'labels.edit', { ids: ['a'], add: ['Horror'] })
    await call(t.core, 'labels.edit', { ids: ['a', 'c'], remove: ['Drama'], add: ['War'] })
    const u = await call(t.core, 'labels.undo')
    expect(u.changed.sort()).toEqual(['a', 'c'])
    expect(u.history).toMatchObject({ canUndo: true, canRedo: true, redoLabel: 'Add War, remove Drama on 2 posters' })
    expect((await detail('a')).labels).toEqual([
      { genre: 'Drama', source: 'imported' },
      { genre: 'Horror', source: 'user' },
    ])
    expect(await detail('c')).toMatchObject({ labelled: false, genres: [] })
    await call(t.core, 'labels.undo')
    expect((await detail('a')).genres).toEqual(['Drama'])
    const nothing = await call(t.core, 'labels.undo')
    expect(nothing.changed).toEqual([])
    expect(nothing.history.canUndo).toBe(false)
    await call(t.core, 'labels.redo')
    expect((await detail('a')).genres).toEqual(['Drama', 'Horror'])
    // A new edit now: the remaining redo (War) is gone.
    await call(t.core, 'labels.edit', { ids: ['b'], add: ['Drama'] })
    const h = await call(t.core, 'labels.history', {})
    expect(h.canRedo).toBe(false)
    expect(h.entries.map((e: { description: string }) => e.description)).toEqual(['Add Drama on 1 poster', 'Add Horror on 1 poster'])
  })

  it('survives closing and reopening the library', async () => {
    await call(t.core, 'labels.edit', { ids: ['b'], add: ['Romance'] })
    await call(t.core, 'labels.edit', { ids: ['b'], remove: ['Comedy'] })
    await call(t.core, 'labels.undo')
    await t.reopen()
    const h = await call(t.core, 'labels.history', {})
    expect(h).toMatchObject({ canUndo: true, canRedo: true })
    expect((await detail('b')).genres).toEqual(['Comedy', 'Romance'])
    await call(t.core, 'labels.redo')
    expect((await detail('b')).genres).toEqual(['Romance'])
    await call(t.core, 'labels.undo')
    await call(t.core, 'labels.undo')
    expect((await detail('b')).labels).toEqual([{ genre: 'Comedy', source: 'imported' }])
  })

  it('restores unlabelled posters on undo of a labelling edit', async () => {
    await call(t.core, 'labels.edit', { ids: ['c'], labelled: true })
    expect((await detail('c')).labelled).toBe(true)
    await call(t.core, 'labels.undo')
    expect((await detail('c')).labelled).toBe(false)
  })
})

describe('labelledGain', () => {
  it('counts the posters an entry newly labelled, from a stored delta and from the older whole states', async () => {
    // c is unlabelled: giving it a genre labels one more poster; removing a's only genre keeps it labelled.
    await call(t.core, 'labels.edit', { ids: ['c', 'b'], add: ['Horror'] })
    const last = () => JSON.parse(t.core.db.prepare('SELECT changes FROM history ORDER BY id DESC LIMIT 1').pluck().get() as string)
    expect(labelledGain(last())).toBe(1)
    await call(t.core, 'labels.undo')
    await call(t.core, 'labels.edit', { ids: ['a'], remove: ['Drama'] })
    expect(labelledGain(last())).toBe(0)
    const whole = (labelled: boolean) => ({ labelled, edited: false, genres: [] })
    expect(labelledGain([{ id: 'x', before: whole(false), after: whole(true) }, { id: 'y', before: whole(true), after: whole(false) }, { id: 'z', before: whole(false), after: whole(true) }])).toBe(1)
    expect(labelledGain({ title: 'not a label entry' })).toBe(0)
  })
})
