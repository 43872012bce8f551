// Big changes (label edits, genre merges and deletions, poster deletions of BULK_MIN posters or
// more) and their undo/redo applied in slices (plan.ts): many short transactions with the event
// loop free between them, so other calls are answered while 100,000 posters change.
// It stays ONE history entry, all or nothing: the entry is written first, marked `pending`
// (the direction being applied), and unmarked by the last slice. A process that dies between
// slices leaves the mark, and the next writer that opens the library rolls the change back by
// applying the other direction's plan whole (each plan finishes from any state the other left
// half done, see plan.ts). Library writes go through `serialized`, so no other edit lands
// between the slices of one.
import { setImmediate as tick } from 'node:timers/promises'
import { ApiError } from '../../shared/api'
import type { Db } from './db'
import { applyDelta, DeltaBuilder, deltaIds, deltaSize, isDelta, type LabelDelta } from './delta'
import { nextState, prepareEdit, describeEdit, type EditArgs } from './edit'
import { labelMovePlan, type GenreChange, type LabelMove } from './genres'
import { nextEntry, recordEntry, type EntryKind } from './history'
import { readStates, sameLabels } from './labels'
import { runWhole, type SlicedPlan } from './plan'
import { deletePlan, deletionTarget, joinDeletions, readDeletion, removePosters, type DeleteChange } from './remove'
import type { StepResult } from './undo'

/** From this many posters (or labels) a change or its undo is applied in slices. */
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
  await applyChange(db, 'labels', describeEdit({ ...args, add }, builder.size), delta, builder.size, deltaPlan(db, delta, 'redo'))
  return deltaIds(delta)
}

/** library.remove: the posters' rows read in slices, then deleted as one entry (in slices when many). */
export async function removePostersBulk(db: Db, target: { ids?: string[]; importId?: number }): Promise<string[]> {
  const { ids, description } = db.transaction(() => deletionTarget(db, target))()
  if (ids.length < BULK_MIN) return removePosters(db, target).removed // read and deleted in one transaction
  const parts: DeleteChange[] = []
  await sliced(db, ids.length, (from, to) => void parts.push(readDeletion(db, ids.slice(from, to))))
  const change = joinDeletions(parts)
  await applyChange(db, 'delete', description, change, ids.length, deletePlan(db, change, 'redo'))
  return ids
}

/**
 * Applies a new change and records it as one entry: in one transaction when it is small, else
 * recorded first as pending and applied in slices (the mark goes with the last one).
 */
export async function applyChange(db: Db, kind: EntryKind, description: string, data: unknown, posters: number, plan: SlicedPlan): Promise<string[]> {
  if (plan.size < BULK_MIN) {
    return db.transaction(() => {
      const changed = runWhole(plan)
      recordEntry(db, kind, description, data, posters)
      return changed
    })()
  }
  const id = db.transaction(() => recordEntry(db, kind, description, data, posters, 'new'))()
  return apply(db, id, plan, 'redo')
}

const deltaPlan = (db: Db, d: LabelDelta, direction: 'undo' | 'redo'): SlicedPlan => ({
  size: deltaSize(d),
  slice: (from, to) => applyDelta(db, d, direction, from, to),
})

/** The plan of an entry's change one way, for the kinds applied in slices; undefined for the others. */
function planOf(db: Db, kind: EntryKind, data: unknown, direction: 'undo' | 'redo'): SlicedPlan | undefined {
  if (kind === 'labels' && isDelta(data)) return deltaPlan(db, data, direction)
  if (kind === 'genre' && ((data as GenreChange).op === 'merge' || (data as GenreChange).op === 'remove')) return labelMovePlan(db, data as LabelMove, direction)
  if (kind === 'delete') return deletePlan(db, data as DeleteChange, direction)
  return undefined
}

const REASON: Record<EntryKind, StepResult['reason']> = { labels: 'labels', meta: 'posters', delete: 'posters', genre: 'genres' }

/** Applies a pending entry's plan in slices, then unmarks it (undone as `direction` leaves it). */
async function apply(db: Db, id: number, plan: SlicedPlan, direction: 'undo' | 'redo'): Promise<string[]> {
  active.add(key(db, id))
  try {
    if (plan.begin) db.transaction(plan.begin)()
    const changed: string[] = []
    await sliced(db, plan.size, (from, to) => {
      for (const p of plan.slice(from, to)) changed.push(p)
    })
    db.transaction(() => {
      plan.end?.()
      db.prepare('UPDATE history SET pending = NULL, undone = ? WHERE id = ?').run(direction === 'undo' ? 1 : 0, id)
    })()
    return changed
  } catch (err) {
    // A slice failed (a full disk, say): the slices already written are taken back now; if
    // even that fails, the entry stays pending and the next open rolls it back.
    try {
      const row = db.prepare('SELECT id, pending, changes, kind FROM history WHERE id = ?').get(id) as Pending | undefined
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
 * Undo or redo of an entry of BULK_MIN posters or more (a label edit, a genre merge or
 * deletion, a poster deletion), in slices; undefined when the next entry is not one (the
 * caller steps it in one transaction).
 */
export async function stepBulk(db: Db, direction: 'undo' | 'redo'): Promise<StepResult | undefined> {
  const e = nextEntry(db, direction)
  if (!e || e.kind === 'meta') return undefined
  const plan = planOf(db, e.kind, JSON.parse(e.changes), direction)
  if (!plan || plan.size < BULK_MIN) return undefined
  db.prepare('UPDATE history SET pending = ? WHERE id = ?').run(direction, e.id)
  return { ids: await apply(db, e.id, plan, direction), reason: REASON[e.kind] }
}

/** Whether a change is being applied in slices (its entry marked pending): imports wait for it. */
export function applyingChange(db: Db): boolean {
  return db.prepare('SELECT 1 FROM history WHERE pending IS NOT NULL').get() !== undefined
}

/**
 * Rolls back changes a dead process left half applied: a new change is undone and its entry
 * removed; a half-done undo is redone (and a redo undone), the entry as it was before.
 */
export function recoverPendingEdits(db: Db): number {
  const rows = db.prepare('SELECT id, pending, changes, kind FROM history WHERE pending IS NOT NULL').all() as Pending[]
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
  kind: EntryKind
}

/** Puts a pending entry's posters back as they were before it started being applied; one transaction. */
function rollBack(db: Db, r: Pending): void {
  const data: unknown = JSON.parse(r.changes)
  db.transaction(() => {
    const plan = planOf(db, r.kind, data, r.pending === 'undo' ? 'redo' : 'undo')
    if (plan) runWhole(plan)
    if (r.pending === 'new') db.prepare('DELETE FROM history WHERE id = ?').run(r.id)
    else db.prepare('UPDATE history SET pending = NULL WHERE id = ?').run(r.id)
  })()
}
