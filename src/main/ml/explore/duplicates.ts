// Near-duplicate clusters for the Explore view and `posterity duplicates`: the pair search the
// training splits use (train/groups.ts nearDuplicatePairs: one content hash, or a centred
// embedding cosine of at least DUPLICATE_COSINE), minus the pairs a person marked distinct,
// and their resolution:
// merge (keep one poster, its labels merged or chosen, the others removed) or distinct, each
// one undoable decision.
import { ApiError, type DuplicateCluster, type DuplicateDecision, type LabelSource } from '../../../shared/api'
import type { Db } from '../../library/db'
import { readStates, sortGenres, writeStates, type LabelState } from '../../library/labels'
import { applyDelete, deletePosterRows, type DeleteChange } from '../../library/remove'
import { genreByName } from '../../library/vocabulary'
import type { FeatureKey } from '../store/embeddings'
import { featureMatrix } from '../service/data'
import { nearDuplicatePairs, nearDuplicatePairsAsync } from '../train/groups'

/**
 * Centred embedding cosine from which two posters count as the same artwork here. Measured
 * on the shared posters (default multiscale-tall features) against altered copies made with
 * sharp: a copy resized to 60%, re-encoded at JPEG quality 40, cropped by 5% or colour-shifted
 * scores 0.74-0.99 with its original (5th percentiles 0.80-0.90), while a poster's nearest
 * DIFFERENT poster scores 0.43 at the median and at most 0.66 (150 sampled posters). Among all
 * 8,052 shared posters, 17 pairs reach 0.75 and 9 reach 0.8 (mostly near-empty black posters
 * with a title); at 0.8, 98% of source-copy pairs are still found, so 0.8 it is. The training
 * splits group at train/groups.ts's NEAR_DUPLICATE_COSINE (0.7), where joining two merely
 * similar posters is harmless; here a cluster is an offer to delete posters, so precision
 * comes first (at 0.9, 45% of the copies are found).
 * bench/explore.ts measures recall and precision at both values.
 */
export const DUPLICATE_COSINE = 0.8

export interface ClusterItem {
  id: string
  hash: string
}

/** Poster pairs kept apart: every pair inside a (not undone) 'distinct' decision. */
export function distinctSets(db: Db): string[][] {
  return (db.prepare("SELECT members FROM duplicate_decisions WHERE kind = 'distinct' AND undone = 0").pluck().all() as string[]).map((m) => JSON.parse(m) as string[])
}

/**
 * Clusters (index lists, two members or more) of `items`: same hash, or a near-duplicate pair
 * among the rows of `x` (row r belongs to items[embedded[r]]); pairs inside one of `apart` are
 * not linked. Each cluster carries the lowest similarity among the links that made it.
 */
export function clusterItems(
  items: ClusterItem[],
  embedded: { rows: number[]; x: Float32Array; dims: number; pairs?: [number, number, number][] } | null,
  apart: string[][] = [],
  minCosine = DUPLICATE_COSINE,
): { members: number[]; minSimilarity: number }[] {
  const n = items.length
  const parent = Int32Array.from({ length: n }, (_, i) => i)
  const find = (i: number): number => {
    while (parent[i] !== i) i = parent[i] = parent[parent[i]]
    return i
  }
  // The distinct sets each component has a member of: two components sharing one stay apart.
  const apartOf = new Map<number, Set<number>>()
  apart.forEach((set, k) => {
    const want = new Set(set)
    items.forEach((it, i) => {
      if (!want.has(it.id)) return
      const s = apartOf.get(i) ?? new Set<number>()
      s.add(k)
      apartOf.set(i, s)
    })
  })
  const keptApart = (ra: number, rb: number) => {
    const sa = apartOf.get(ra)
    const sb = apartOf.get(rb)
    if (!sa || !sb) return false
    for (const k of sa) if (sb.has(k)) return true
    return false
  }
  const links: [number, number, number][] = []
  const byHash = new Map<string, number>()
  items.forEach((it, i) => {
    const j = byHash.get(it.hash)
    if (j === undefined) byHash.set(it.hash, i)
    else links.push([j, i, 1])
  })
  if (embedded && embedded.rows.length > 1) {
    const { rows, x, dims } = embedded
    for (const [a, b, cos] of embedded.pairs ?? nearDuplicatePairs(x, dims, minCosine)) links.push([rows[a], rows[b], Math.min(1, cos)])
  }
  // Strongest links first, so a distinct decision blocks the weaker link, not the identical file.
  links.sort((x, y) => y[2] - x[2])
  const minSim = new Map<number, number>()
  for (const [a, b, s] of links) {
    const ra = find(a)
    const rb = find(b)
    if (ra === rb || keptApart(ra, rb)) continue
    const root = Math.min(ra, rb)
    const other = Math.max(ra, rb)
    parent[other] = root
    minSim.set(root, Math.min(s, minSim.get(ra) ?? 1, minSim.get(rb) ?? 1))
    const moved = apartOf.get(other)
    if (moved) apartOf.set(root, new Set([...(apartOf.get(root) ?? []), ...moved]))
  }
  const groups = new Map<number, number[]>()
  for (let i = 0; i < n; i++) {
    const r = find(i)
    const g = groups.get(r)
    if (g) g.push(i)
    else groups.set(r, [i])
  }
  return [...groups.entries()].filter(([, g]) => g.length > 1).map(([r, g]) => ({ members: g, minSimilarity: minSim.get(r) ?? 1 }))
}

// The pair search is the slow part (seconds at 8,052 posters): its clusters are kept until a
// poster, an embedding or a decision changes.
const found = new WeakMap<Db, { stamp: string; items: ClusterItem[]; embedded: number; clusters: { members: number[]; minSimilarity: number }[] }>()

function stampOf(db: Db, key: FeatureKey): string {
  const e = db.prepare('SELECT MAX(rowid) FROM embeddings').pluck().get()
  const p = db.prepare('SELECT COUNT(*) AS n, MAX(rowid) AS m FROM posters').get() as { n: number; m: number | null }
  const d = db.prepare('SELECT COUNT(*) AS n, COALESCE(SUM(undone), 0) AS u, MAX(id) AS m FROM duplicate_decisions').get() as { n: number; u: number; m: number | null }
  return `${key.backbone}/${key.features}:${e}:${p.n}:${p.m}:${d.n}:${d.u}:${d.m}`
}

async function findClusters(db: Db, key: FeatureKey, dims: number) {
  const stamp = stampOf(db, key)
  const hit = found.get(db)
  if (hit?.stamp === stamp) return hit
  const items = db.prepare('SELECT id, hash FROM posters ORDER BY id').all() as ClusterItem[]
  const have = new Set(
    db.prepare('SELECT hash FROM embeddings WHERE backbone = ? AND features = ?').pluck().all(key.backbone, key.features) as string[],
  )
  const rows = items.flatMap((it, i) => (have.has(it.hash) ? [i] : []))
  const x = rows.length > 1 ? await featureMatrix(db, key, rows.map((r) => items[r]), dims) : new Float32Array(0)
  const pairs = rows.length > 1 ? await nearDuplicatePairsAsync(x, dims, DUPLICATE_COSINE) : []
  const result = { stamp, items, embedded: rows.length, clusters: clusterItems(items, rows.length > 1 ? { rows, x, dims, pairs } : null, distinctSets(db)) }
  found.set(db, result)
  return result
}

/** Every cluster of the library, biggest first, with what the side-by-side view shows. */
export async function libraryClusters(db: Db, key: FeatureKey, dims: number): Promise<{ posters: number; embedded: number; clusters: DuplicateCluster[] }> {
  const { items, embedded, clusters: groups } = await findClusters(db, key, dims)
  const ids = groups.flatMap((c) => c.members.map((m) => items[m].id))
  const states = readStates(db, ids)
  const info = new Map(
    (
      db.prepare('SELECT id, title, year, width, height, size FROM posters WHERE id IN (SELECT value FROM json_each(?))').all(JSON.stringify(ids)) as {
        id: string
        title: string | null
        year: number | null
        width: number
        height: number
        size: number
      }[]
    ).map((r) => [r.id, r]),
  )
  const clusters = groups
    .map((c) => {
      const members = c.members
        .map((m) => items[m].id)
        .sort()
        .map((id) => {
          const p = info.get(id)!
          const s = states.get(id)!
          return { ...p, labelled: s.labelled, labels: s.genres.map(([genre, source]) => ({ genre, source })) }
        })
      return { key: members[0].id, members, minSimilarity: c.minSimilarity }
    })
    .sort((a, b) => b.members.length - a.members.length || a.minSimilarity - b.minSimilarity || (a.key < b.key ? -1 : 1))
  return { posters: items.length, embedded, clusters }
}

interface MergeUndo {
  /** The removed posters as library/remove.ts captures a deletion (rows, labels, referencing rows). */
  removed: DeleteChange
  keepBefore: LabelState
  keepAfter: LabelState
}

interface DecisionRow {
  id: number
  at: number
  kind: DuplicateDecision['kind']
  keep: string | null
  members: string
  undo: string
  undone: number
}

const toDecision = (r: DecisionRow): DuplicateDecision => ({
  id: r.id,
  at: r.at,
  kind: r.kind,
  keep: r.keep,
  members: JSON.parse(r.members) as string[],
  undone: r.undone === 1,
})

export function listDecisions(db: Db, limit: number): DuplicateDecision[] {
  return (db.prepare('SELECT * FROM duplicate_decisions ORDER BY id DESC LIMIT ?').all(limit) as DecisionRow[]).map(toDecision)
}

function existing(db: Db, ids: string[]): Set<string> {
  return new Set(db.prepare('SELECT id FROM posters WHERE id IN (SELECT value FROM json_each(?))').pluck().all(JSON.stringify(ids)) as string[])
}

/** Keeps `keep`, labelled with `genres` (default: every member's labels), and removes the other members. */
export function mergeDuplicates(db: Db, members: string[], keep: string, genres?: string[]): DuplicateDecision {
  const ids = [...new Set(members)]
  if (!ids.includes(keep)) throw new ApiError('invalid-args', `the poster kept (${keep}) must be one of the members`)
  if (ids.length < 2) throw new ApiError('invalid-args', 'a merge needs at least two different posters')
  return db.transaction(() => {
    const present = existing(db, ids)
    const missing = ids.filter((id) => !present.has(id))
    if (missing.length) throw new ApiError('not-found', `no such poster${missing.length > 1 ? 's' : ''}: ${missing.slice(0, 5).join(', ')}`)
    const states = readStates(db, ids)
    const keepBefore = states.get(keep)!
    let merged: [string, LabelSource][]
    if (genres) {
      const unknown = genres.filter((g) => !genreByName(db, g))
      if (unknown.length) throw new ApiError('invalid-args', `unknown genre${unknown.length > 1 ? 's' : ''}: ${unknown.join(', ')}`)
      const had = new Map(keepBefore.genres.map(([n, s]) => [n.toLowerCase(), s]))
      merged = [...new Map(genres.map((g) => [genreByName(db, g)!.name.toLowerCase(), genreByName(db, g)!.name])).values()].map((name) => [
        name,
        had.get(name.toLowerCase()) ?? 'user',
      ])
    } else {
      // The union: a genre keeps the kept poster's source, else the first member's that has it.
      const union = new Map<string, [string, LabelSource]>()
      for (const id of [keep, ...ids.filter((i) => i !== keep)]) for (const g of states.get(id)!.genres) if (!union.has(g[0].toLowerCase())) union.set(g[0].toLowerCase(), g)
      merged = [...union.values()]
    }
    const anyLabelled = ids.some((id) => states.get(id)!.labelled)
    const keepAfter: LabelState = { labelled: anyLabelled || merged.length > 0, edited: true, genres: sortGenres(merged) }
    const others = ids.filter((id) => id !== keep)
    writeStates(db, new Map([[keep, keepAfter]]), new Map([[keep, keepBefore]]))
    const undo: MergeUndo = { removed: deletePosterRows(db, others), keepBefore, keepAfter }
    const id = Number(
      db.prepare("INSERT INTO duplicate_decisions (at, kind, keep, members, undo) VALUES (?, 'merge', ?, ?, ?)").run(Date.now(), keep, JSON.stringify(ids), JSON.stringify(undo))
        .lastInsertRowid,
    )
    return toDecision(db.prepare('SELECT * FROM duplicate_decisions WHERE id = ?').get(id) as DecisionRow)
  })()
}

export function markDistinct(db: Db, members: string[]): DuplicateDecision {
  const ids = [...new Set(members)]
  if (ids.length < 2) throw new ApiError('invalid-args', 'marking distinct needs at least two different posters')
  return db.transaction(() => {
    const present = existing(db, ids)
    const missing = ids.filter((id) => !present.has(id))
    if (missing.length) throw new ApiError('not-found', `no such poster${missing.length > 1 ? 's' : ''}: ${missing.slice(0, 5).join(', ')}`)
    const id = Number(
      db.prepare("INSERT INTO duplicate_decisions (at, kind, keep, members, undo) VALUES (?, 'distinct', NULL, ?, '{}')").run(Date.now(), JSON.stringify(ids)).lastInsertRowid,
    )
    return toDecision(db.prepare('SELECT * FROM duplicate_decisions WHERE id = ?').get(id) as DecisionRow)
  })()
}

/**
 * Undoes a decision. A merge brings its removed posters back with their labels and the rows
 * that referenced them (library/remove.ts's undo of a deletion; those re-imported since are
 * left as they are) and restores the kept poster's labels unless they were edited after the
 * merge. Returns the decision and the posters that changed.
 */
export function undoDecision(db: Db, id: number): { decision: DuplicateDecision; changed: string[] } {
  return db.transaction(() => {
    const row = db.prepare('SELECT * FROM duplicate_decisions WHERE id = ?').get(id) as DecisionRow | undefined
    if (!row) throw new ApiError('not-found', `no duplicate decision ${id}`)
    if (row.undone) throw new ApiError('conflict', `duplicate decision ${id} is already undone`)
    const changed: string[] = []
    if (row.kind === 'merge') {
      const undo = JSON.parse(row.undo) as MergeUndo
      changed.push(...applyDelete(db, undo.removed, 'undo'))
      if (row.keep) {
        const now = readStates(db, [row.keep]).get(row.keep)
        if (now && JSON.stringify(now.genres) === JSON.stringify(undo.keepAfter.genres) && now.labelled === undo.keepAfter.labelled) {
          writeStates(db, new Map([[row.keep, undo.keepBefore]]), new Map([[row.keep, now]]))
          changed.push(row.keep)
        }
      }
    }
    db.prepare('UPDATE duplicate_decisions SET undone = 1 WHERE id = ?').run(id)
    return { decision: toDecision({ ...row, undone: 1 }), changed }
  })()
}
