// A label edit as stored in the history: what changed, not whole before/after states.
// Posters whose change is alike (the same flags and the same labels dropped and put) share one
// group, so "add Drama to 100,000 posters" is a few groups of ids (~12 bytes a poster) instead
// of 100,000 pairs of full states (~200 bytes). Applying a delta either way is idempotent, so a
// half-applied one (a crash between chunks) is finished or rolled back by applying it again.
import type { LabelSource } from '../../shared/api'
import type { Db } from './db'
import type { LabelState } from './labels'
import { ensureGenre, genreByName } from './vocabulary'

type Flags = [labelled: 0 | 1, edited: 0 | 1]

export interface DeltaGroup {
  /** Flags before (b) and after (a). */
  b: Flags
  a: Flags
  /** Labels the edit removed (or whose source it changed: the old source) and put (the new one). */
  drop: [string, LabelSource][]
  put: [string, LabelSource][]
  ids: string[]
}

export interface LabelDelta {
  v: 2
  groups: DeltaGroup[]
}

export function isDelta(data: unknown): data is LabelDelta {
  return typeof data === 'object' && data !== null && (data as { v?: unknown }).v === 2
}

const flags = (s: LabelState): Flags => [s.labelled ? 1 : 0, s.edited ? 1 : 0]

/** Groups posters' before/after states by what changed, one change at a time. */
export class DeltaBuilder {
  private groups = new Map<string, DeltaGroup>()
  size = 0

  add(c: { id: string; before: LabelState; after: LabelState }): void {
    const had = new Map(c.before.genres.map(([n, s]) => [n.toLowerCase(), s]))
    const has = new Map(c.after.genres.map(([n, s]) => [n.toLowerCase(), s]))
    const drop = c.before.genres.filter(([n, s]) => has.get(n.toLowerCase()) !== s)
    const put = c.after.genres.filter(([n, s]) => had.get(n.toLowerCase()) !== s)
    const g: Omit<DeltaGroup, 'ids'> = { b: flags(c.before), a: flags(c.after), drop, put }
    const key = JSON.stringify(g)
    const found = this.groups.get(key)
    if (found) found.ids.push(c.id)
    else this.groups.set(key, { ...g, ids: [c.id] })
    this.size++
  }

  delta(): LabelDelta {
    return { v: 2, groups: [...this.groups.values()] }
  }
}

export function encodeDelta(changes: { id: string; before: LabelState; after: LabelState }[]): LabelDelta {
  const b = new DeltaBuilder()
  for (const c of changes) b.add(c)
  return b.delta()
}

export const deltaSize = (d: LabelDelta): number => d.groups.reduce((n, g) => n + g.ids.length, 0)

/**
 * How many more posters a history entry left labelled than it found, for either way label
 * entries are stored (a delta, or the older array of whole before/after states).
 */
export function labelledGain(data: unknown): number {
  if (isDelta(data)) return data.groups.reduce((n, g) => n + (g.a[0] - g.b[0]) * g.ids.length, 0)
  if (!Array.isArray(data)) return 0
  const states = data as { before?: { labelled?: boolean }; after?: { labelled?: boolean } }[]
  return states.reduce((n, c) => n + Number(c.after?.labelled ?? false) - Number(c.before?.labelled ?? false), 0)
}

/** Every poster id the delta names. */
export function deltaIds(d: LabelDelta): string[] {
  return d.groups.flatMap((g) => g.ids)
}

/**
 * Writes posters [from, to) of the delta (in group order) one way; call inside a transaction.
 * Returns the posters whose rows actually changed.
 */
export function applyDelta(db: Db, d: LabelDelta, direction: 'undo' | 'redo', from = 0, to = Infinity): string[] {
  const del = db.prepare('DELETE FROM labels WHERE poster_id = ? AND genre_id = ?')
  const put = db.prepare(
    `INSERT INTO labels (poster_id, genre_id, source) SELECT @id, @genre, @source WHERE EXISTS (SELECT 1 FROM posters WHERE id = @id)
     ON CONFLICT (poster_id, genre_id) DO UPDATE SET source = excluded.source WHERE source <> excluded.source`,
  )
  const setFlags = db.prepare('UPDATE posters SET labelled = @l, user_edited = @e WHERE id = @id AND (labelled <> @l OR user_edited <> @e)')
  const existing = new Map<string, number | undefined>()
  const lookup = (name: string, create: boolean): number | undefined => {
    const k = name.toLowerCase()
    let id = existing.get(k)
    if (id === undefined) {
      id = create ? ensureGenre(db, name).id : genreByName(db, name)?.id
      if (id !== undefined) existing.set(k, id)
    }
    return id
  }
  const changed: string[] = []
  let start = 0 // index of the group's first poster in the whole delta
  for (const g of d.groups) {
    const end = start + g.ids.length
    if (end > from && start < to) {
      const [remove, add, f] = direction === 'undo' ? [g.put, g.drop, g.b] : [g.drop, g.put, g.a]
      const removeIds = remove.map(([n]) => lookup(n, false))
      const addIds = add.map(([n]) => lookup(n, true)!)
      for (let k = Math.max(from, start) - start, last = Math.min(to, end) - start; k < last; k++) {
        const id = g.ids[k]
        let n = 0
        // A source change is in both lists: the delete then the insert of the other source.
        for (const gid of removeIds) if (gid !== undefined) n += del.run(id, gid).changes
        add.forEach(([, source], j) => (n += put.run({ id, genre: addIds[j], source }).changes))
        n += setFlags.run({ l: f[0], e: f[1], id }).changes
        if (n > 0) changed.push(id)
      }
    }
    start = end
    if (start >= to) break
  }
  return changed
}
