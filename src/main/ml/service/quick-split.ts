// The quick first model's held-out tenth (train-job.ts): whole duplicate groups on one side,
// byte-identical copies (one content hash) and near-identical ones (the same artwork
// re-encoded, resized or cropped: train/groups.ts on the one-pass features the quick model
// learns from), as the cross-validation's folds keep them.
import type { Db } from '../../library/db'
import { missingHashes, type FeatureKey } from '../store/embeddings'
import { duplicateGroups, nearDuplicatePairsAsync, NEAR_DUPLICATE_COSINE, type GroupItem } from '../train/groups'
import { seededUnit } from '../train/split'
import { featureMatrix } from './data'

export interface QuickSplit {
  /** Row indices held out: early stopping, thresholds and the provisional figures. */
  held: number[]
  fit: number[]
  /** Both sides have posters. */
  ok: boolean
  /** Posters grouped by their embedding (not by a shared hash alone). */
  nearDuplicates: number
  /** Every poster's embedding was cached, so near-identical copies were grouped for all of them. */
  complete: boolean
  /** When complete: the feature rows of every item, in order (the quick fit trains on them). */
  x: Float32Array | null
}

/**
 * Group of each item: near-duplicate groups among the posters whose `key` embedding is
 * cached, content-hash groups among the rest (an uncached poster shares its hash with no
 * cached one, so the two never need joining). Returns each group's smallest content hash: a
 * poster with no copy keeps the side its own hash gave it before groups were used.
 */
async function groupHashes(
  db: Db,
  items: GroupItem[],
  key: FeatureKey,
  dims: number,
  signal?: AbortSignal,
): Promise<{ groupHash: string[]; nearDuplicates: number; complete: boolean; x: Float32Array | null }> {
  const missing = new Set(missingHashes(db, key, items.map((p) => p.hash)))
  const cached = items.flatMap((p, i) => (missing.has(p.hash) ? [] : [i]))
  const rest = items.flatMap((p, i) => (missing.has(p.hash) ? [i] : []))
  const groupHash = items.map((p) => p.hash)
  let nearDuplicates = 0
  let x: Float32Array | null = null
  const settle = (rows: number[], of: Int32Array, count: number) => {
    const least: string[] = new Array(count)
    rows.forEach((r, k) => {
      const g = of[k]
      if (least[g] === undefined || items[r].hash < least[g]) least[g] = items[r].hash
    })
    rows.forEach((r, k) => (groupHash[r] = least[of[k]]))
  }
  if (cached.length > 0) {
    const part = cached.map((i) => items[i])
    x = await featureMatrix(db, key, part, dims)
    const pairs = await nearDuplicatePairsAsync(x, dims, NEAR_DUPLICATE_COSINE, signal)
    const g = duplicateGroups(part, { x, dims, pairs })
    nearDuplicates = g.nearDuplicates
    settle(cached, g.of, g.count)
  }
  // Uncached posters: the hash is their group already (groupHash starts as it).
  const complete = rest.length === 0
  return { groupHash, nearDuplicates, complete, x: complete ? x : null }
}

/**
 * The seeded held-out share of `items` (posters in training order), whole groups at a time:
 * a group's side is that of its smallest content hash (seed `splitSeed + 2`).
 */
export async function quickSplit(db: Db, items: GroupItem[], key: FeatureKey, dims: number, splitSeed: number, fraction: number, signal?: AbortSignal): Promise<QuickSplit> {
  const { groupHash, nearDuplicates, complete, x } = await groupHashes(db, items, key, dims, signal)
  const held: number[] = []
  const fit: number[] = []
  const side = new Map<string, boolean>()
  groupHash.forEach((h, i) => {
    let out = side.get(h)
    if (out === undefined) side.set(h, (out = seededUnit(splitSeed + 2, h) < fraction))
    ;(out ? held : fit).push(i)
  })
  return { held, fit, ok: held.length > 0 && fit.length > 0, nearDuplicates, complete, x }
}
