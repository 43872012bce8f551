// Bulk label edits (and their undo/redo) applied in slices: many short transactions with the
// event loop free between them, so other calls are answered while 100,000 posters change.
// It stays ONE history entry, all or nothing: the entry is written first, marked `pending`
// (the direction being applied), and unmarked by the last slice. A process that dies between
// slices leaves the mark, and the next writer that opens the library rolls the change back
// (applying a delta is idempotent, see delta.ts). Library writes go through `serialized`, so
// no other edit lands between the slices of one.
import { setImmediate as tick } from 'node:timers/promises'
import { ApiError } from '../../shared/api'
import type { Db } from './db'
import { applyDelta, DeltaBuilder, deltaIds, deltaSize, isDelta, type LabelDelta } from './delta'
import { nextState, prepareEdit, describeEdit, type EditArgs } from './edit'
import { nextEntry, recordEntry } from './history'
import { readStates, sameLabels } from './labels'

/** From this many posters an edit or its undo is applied in slices. */
export const BULK_MIN = 2000
/** Aim for one slice's transaction; the slice size adapts to it. */
const SLICE_MS = 10

const tails = new WeakMap<Db, Promise<unknown>>()

/** Runs library writes one after another: a sliced edit is never interleaved with another write. */
export function serialized<T>(db: Db, fn: () => T | Promise<T>): Promise<T> {
  const run = (tails.get(db) ?? Promise.resolve()).then(fn)
  tails.set(
    db,
    run.catch(() => undefined),
  )
  return run
}

/** Entries this process is applying now (by database file): recovery leaves them alone. */
const active = new Set<string>()
const key = (db: Db, id: number) => `${db.name}#${id}`

/** Calls work(from, to) over [0, total) in transactions of about SLICE_MS, yielding between them. */
async function sliced(db: Db, total: number, work: (from: number, to: number) => void): Promise<void> {
  let size = 100
  for (let from = 0; from < total; ) {
    const to = Math.min(total, from + size)
    const t0 = performance.now()
    db.transaction(() => work(from, to))()
    const ms = performance.now() - t0
    size = Math.max(10, Math.min(20_000, Math.round(size * Math.min(2, SLICE_MS / Math.max(ms, 0.5)))))
    from = to
    await tick()
  }
}

/** labels.edit over many posters: read, recorded as a pending entry, applied in slices. */
export async function editLabelsBulk(db: Db, args: EditArgs): Promise<string[]> {
  const { add, remove } = db.transaction(() => prepareEdit(db, args))()
  const ids = [...new Set(args.ids)]
  const builder = new DeltaBuilder()
  let found = 0
  await sliced(db, ids.length, (from, to) => {
    for (const [id, b] of readStates(db, ids.slice(from, to))) {
      found++
      const after = nextState(b, args, add, remove)
      if (!sameLabels(b, after)) builder.add({ id, before: b, after })
    }
  })
  if (found === 0) throw new ApiError('not-found', `no such posters: ${ids.slice(0, 5).join(', ')}`)
  if (builder.size === 0) return []
  const delta = builder.delta()
  const id = db.transaction(() => recordEntry(db, 'labels', describeEdit({ ...args, add }, builder.size), delta, builder.size, 'new'))()
  await apply(db, id, delta, 'redo')
  db.prepare('UPDATE history SET pending = NULL WHERE id = ?').run(id)
  return deltaIds(delta)
}

async function apply(db: Db, id: number, delta: LabelDelta, direction: 'undo' | 'redo'): Promise<string[]> {
  active.add(key(db, id))
  try {
    const changed: string[] = []
    await sliced(db, deltaSize(delta), (from, to) => changed.push(...applyDelta(db, delta, direction, from, to)))
    return changed
  } catch (err) {
    // A slice failed (a full disk, say): the slices already written are taken back now; if
    // even that fails, the entry stays pending and the next open rolls it back.
    try {
      const row = db.prepare('SELECT id, pending, changes FROM history WHERE id = ?').get(id) as Pending | undefined
      if (row?.pending) rollBack(db, row)
    } catch {
      /* left to the next open */
    }
    throw err
  } finally {
    active.delete(key(db, id))
  }
}

/**
 * Undo or redo of a label entry of BULK_MIN posters or more, in slices; undefined when the
 * next entry is not one (the caller steps it in one transaction).
 */
export async function stepBulk(db: Db, direction: 'undo' | 'redo'): Promise<string[] | undefined> {
  const e = nextEntry(db, direction)
  if (!e || e.kind !== 'labels') return undefined
  const data: unknown = JSON.parse(e.changes)
  if (!isDelta(data) || deltaSize(data) < BULK_MIN) return undefined
  db.prepare('UPDATE history SET pending = ? WHERE id = ?').run(direction, e.id)
  const changed = await apply(db, e.id, data, direction)
  db.prepare('UPDATE history SET pending = NULL, undone = ? WHERE id = ?').run(direction === 'undo' ? 1 : 0, e.id)
  return changed
}

/**
 * Rolls back changes a dead process left half applied: a new edit is undone and its entry
 * removed; a half-done undo is redone (and a redo undone), the entry as it was before.
 */
export function recoverPendingEdits(db: Db): number {
  const rows = db.prepare('SELECT id, pending, changes FROM history WHERE pending IS NOT NULL').all() as Pending[]
  let n = 0
  for (const r of rows) {
    if (active.has(key(db, r.id))) continue
    rollBack(db, r)
    n++
  }
  return n
}

interface Pending {
  id: number
  pending: 'new' | 'undo' | 'redo'
  changes: string
}

/** Puts a pending entry's posters back as they were before it started being applied; one transaction. */
function rollBack(db: Db, r: Pending): void {
  const data: unknown = JSON.parse(r.changes)
  db.transaction(() => {
    if (isDelta(data)) applyDelta(db, data, r.pending === 'undo' ? 'redo' : 'undo')
    if (r.pending === 'new') db.prepare('DELETE FROM history WHERE id = ?').run(r.id)
    else db.prepare('UPDATE history SET pending = NULL WHERE id = ?').run(r.id)
  })()
}
