// The genre vocabulary: names are unique case-insensitively (the column is COLLATE NOCASE)
// and `N/A` is never one (the contract refuses it; importers map it to "genre unknown").
// Add, rename, merge, delete and reorder are undoable history entries ('genre' kind) on the
// same stack as label edits: undoing in order always meets the names each entry stores, so
// the history is never rewritten and undo never touches an unrelated edit.
import { ApiError, type Genre, type LabelSource } from '../../shared/api'
import type { Db } from './db'
import { recordEntry } from './history'
import { runWhole, type SlicedPlan } from './plan'
import { ensureGenre, genreByName, genreNames, type GenreRow } from './vocabulary'

/** What a 'genre' history entry stores: enough to apply the change either way. */
export type GenreChange =
  | { op: 'add'; name: string }
  | { op: 'rename'; from: string; to: string }
  | { op: 'reorder'; before: string[]; after: string[] }
  /** labels: [poster, source] of `from`; added: posters that gained `into`; order: before. */
  | { op: 'merge'; from: string; into: string; labels: [string, LabelSource][]; added: string[]; order: string[] }
  | { op: 'remove'; name: string; labels: [string, LabelSource][]; order: string[] }

function mustGet(db: Db, name: string): GenreRow {
  const g = genreByName(db, name)
  if (!g) throw new ApiError('not-found', `no genre "${name}"`)
  return g
}

export function listGenres(db: Db): Genre[] {
  return db
    .prepare(
      `SELECT g.name, g.position, (SELECT COUNT(*) FROM labels l WHERE l.genre_id = g.id) AS count
       FROM genres g ORDER BY g.position, g.name`,
    )
    .all() as Genre[]
}

function withCount(db: Db, g: GenreRow): Genre {
  const { c } = db.prepare('SELECT COUNT(*) AS c FROM labels WHERE genre_id = ?').get(g.id) as { c: number }
  return { name: g.name, position: g.position, count: c }
}

const plural = (n: number, w: string) => `${n} ${w}${n === 1 ? '' : 's'}`

export function addGenre(db: Db, name: string): Genre {
  return db.transaction(() => {
    const clash = genreByName(db, name)
    if (clash) throw new ApiError('conflict', `a genre "${clash.name}" already exists`)
    const g = ensureGenre(db, name)
    recordEntry(db, 'genre', `Add genre ${g.name}`, { op: 'add', name: g.name } satisfies GenreChange, 0)
    return withCount(db, g)
  })()
}

export function renameGenre(db: Db, name: string, to: string): Genre {
  return db.transaction(() => {
    const g = mustGet(db, name)
    const clash = genreByName(db, to)
    // A change of case only is a rename of the same genre; another genre's name needs merge.
    if (clash && clash.id !== g.id) throw new ApiError('conflict', `a genre "${clash.name}" already exists; merge into it instead`)
    if (g.name === to.trim()) return withCount(db, g)
    db.prepare('UPDATE genres SET name = ? WHERE id = ?').run(to.trim(), g.id)
    recordEntry(db, 'genre', `Rename genre ${g.name} to ${to.trim()}`, { op: 'rename', from: g.name, to: to.trim() } satisfies GenreChange, 0)
    return withCount(db, { ...g, name: to.trim() })
  })()
}

function labelsOf(db: Db, g: GenreRow): [string, LabelSource][] {
  return (db.prepare('SELECT poster_id, source FROM labels WHERE genre_id = ? ORDER BY poster_id').raw().all(g.id) as [string, LabelSource][])
}

export type LabelMove = Extract<GenreChange, { op: 'merge' | 'remove' }>

/** A merge as it would be recorded, read and checked but not applied; with its entry's description. */
export function readMerge(db: Db, from: string, into: string): { change: Extract<GenreChange, { op: 'merge' }>; description: string } {
  const a = mustGet(db, from)
  const b = mustGet(db, into)
  if (a.id === b.id) throw new ApiError('invalid-args', `cannot merge "${a.name}" into itself`)
  const labels = labelsOf(db, a)
  // Posters that gain `into`; a poster labelled with both keeps the `into` label (and its source).
  const added = db
    .prepare('SELECT poster_id FROM labels WHERE genre_id = ? AND poster_id NOT IN (SELECT poster_id FROM labels WHERE genre_id = ?) ORDER BY poster_id')
    .pluck()
    .all(a.id, b.id) as string[]
  const change = { op: 'merge' as const, from: a.name, into: b.name, labels, added, order: genreNames(db) }
  return { change, description: `Merge genre ${a.name} into ${b.name} (${plural(labels.length, 'poster')})` }
}

/** A genre deletion as it would be recorded, read but not applied. */
export function readRemove(db: Db, name: string): { change: LabelMove; description: string } {
  const g = mustGet(db, name)
  const labels = labelsOf(db, g)
  return { change: { op: 'remove', name: g.name, labels, order: genreNames(db) }, description: `Delete genre ${g.name} (${plural(labels.length, 'label')})` }
}

/**
 * A merge or a genre deletion as units of work, one label of the genre that goes each (plan.ts).
 * Applying it moves each label onto `into` (merge) or drops it, then deletes the genre; labels an
 * import gave the genre since are moved with it at the end. Undoing it recreates the genre in its
 * place first, then puts each label back and takes `into` off the posters the merge gave it.
 */
export function labelMovePlan(db: Db, c: LabelMove, direction: 'undo' | 'redo'): SlicedPlan {
  const gone = c.op === 'merge' ? c.from : c.name
  const into = c.op === 'merge' ? c.into : null
  const added = c.op === 'merge' ? c.added : []
  const exists = 'SELECT ?, ?, ? WHERE EXISTS (SELECT 1 FROM posters WHERE id = ?)'
  const ins = db.prepare(`INSERT OR IGNORE INTO labels (poster_id, genre_id, source) ${exists}`)
  const del = db.prepare('DELETE FROM labels WHERE poster_id = ? AND genre_id = ?')
  let a: GenreRow | undefined
  let b: GenreRow | undefined
  if (direction === 'redo') {
    return {
      size: c.labels.length,
      begin: () => {
        a = genreByName(db, gone)
        b = into === null ? undefined : genreByName(db, into)
        if (into !== null && !b) a = undefined // the target is gone: the merge cannot be redone
      },
      slice: (from, to) => {
        const changed: string[] = []
        if (!a) return changed
        for (const [poster, source] of c.labels.slice(from, to)) {
          if (b) ins.run(poster, b.id, source, poster)
          if (del.run(poster, a.id).changes > 0) changed.push(poster)
        }
        return changed
      },
      end: () => {
        if (!a) return
        if (b) db.prepare('INSERT OR IGNORE INTO labels (poster_id, genre_id, source) SELECT poster_id, ?, source FROM labels WHERE genre_id = ?').run(b.id, a.id)
        db.prepare('DELETE FROM genres WHERE id = ?').run(a.id) // labels left go by ON DELETE CASCADE
        renumber(db)
      },
    }
  }
  return {
    size: c.labels.length + added.length,
    begin: () => {
      a = ensureGenre(db, gone)
      b = into === null ? undefined : genreByName(db, into)
      setOrder(db, c.order)
    },
    slice: (from, to) => {
      const changed: string[] = []
      for (let i = from; i < Math.min(to, c.labels.length); i++) {
        const [poster, source] = c.labels[i]
        if (ins.run(poster, a!.id, source, poster).changes > 0) changed.push(poster)
      }
      if (b) for (let i = Math.max(from, c.labels.length); i < to; i++) del.run(added[i - c.labels.length], b.id)
      return changed
    },
  }
}

/** A genre with its poster count, by name. */
export function genreInfo(db: Db, name: string): Genre {
  return withCount(db, mustGet(db, name))
}

export function reorderGenres(db: Db, names: string[]): void {
  db.transaction(() => {
    const all = db.prepare('SELECT id, name FROM genres').all() as { id: number; name: string }[]
    const byKey = new Map(all.map((g) => [g.name.toLowerCase(), g]))
    const seen = new Set<string>()
    for (const n of names) {
      const k = n.trim().toLowerCase()
      if (!byKey.has(k)) throw new ApiError('invalid-args', `reorder: no genre "${n}"`)
      if (seen.has(k)) throw new ApiError('invalid-args', `reorder: "${n}" is listed twice`)
      seen.add(k)
    }
    const missing = all.filter((g) => !seen.has(g.name.toLowerCase())).map((g) => g.name)
    if (missing.length) throw new ApiError('invalid-args', `reorder must list every genre; missing: ${missing.join(', ')}`)
    const before = genreNames(db)
    setOrder(db, names)
    const after = genreNames(db)
    if (before.join('\n') === after.join('\n')) return
    recordEntry(db, 'genre', 'Reorder genres', { op: 'reorder', before, after } satisfies GenreChange, 0)
  })()
}

/** Positions follow `names` (genres it does not list keep their relative order after them). */
function setOrder(db: Db, names: string[]): void {
  const all = db.prepare('SELECT id, name FROM genres ORDER BY position, name').all() as { id: number; name: string }[]
  const rank = new Map(names.map((n, i) => [n.trim().toLowerCase(), i]))
  const sorted = all
    .map((g, i) => ({ g, r: rank.get(g.name.toLowerCase()) ?? names.length + i }))
    .sort((x, y) => x.r - y.r)
  const set = db.prepare('UPDATE genres SET position = ? WHERE id = ?')
  sorted.forEach(({ g }, i) => set.run(i, g.id))
}

/** Positions stay 0..n-1 after a genre goes. */
function renumber(db: Db): void {
  const ids = db.prepare('SELECT id FROM genres ORDER BY position, name').pluck().all() as number[]
  const set = db.prepare('UPDATE genres SET position = ? WHERE id = ?')
  ids.forEach((id, i) => set.run(i, id))
}

/** Undoes or redoes a 'genre' entry (inside step's transaction); returns the posters whose labels changed. */
export function applyGenreChange(db: Db, c: GenreChange, direction: 'undo' | 'redo'): string[] {
  const undo = direction === 'undo'
  switch (c.op) {
    case 'add': {
      if (undo) {
        const g = genreByName(db, c.name)
        if (!g) return []
        const n = withCount(db, g).count
        if (n > 0) throw new ApiError('conflict', `cannot undo adding ${c.name}: ${plural(n, 'poster')} now carry it (an import labelled them); delete the genre instead`)
        db.prepare('DELETE FROM genres WHERE id = ?').run(g.id)
        renumber(db)
      } else ensureGenre(db, c.name)
      return []
    }
    case 'rename': {
      const [from, to] = undo ? [c.to, c.from] : [c.from, c.to]
      const g = genreByName(db, from)
      const clash = genreByName(db, to)
      if (!g) return []
      if (clash && clash.id !== g.id) throw new ApiError('conflict', `cannot rename ${from} back to ${to}: a genre "${clash.name}" exists now`)
      db.prepare('UPDATE genres SET name = ? WHERE id = ?').run(to, g.id)
      return []
    }
    case 'reorder':
      setOrder(db, undo ? c.before : c.after)
      return []
    case 'merge':
    case 'remove':
      return runWhole(labelMovePlan(db, c, direction))
  }
}
