// The validation split: fixed by a seeded hash, so the same library and seed always give
// the same split, with byte-identical posters (same content hash) kept on the same side
// (otherwise a duplicate would leak from training into validation).
import { createHash } from 'node:crypto'

export interface SplitItem {
  id: string
  hash: string
}

/** A uniform number in [0, 1) from a seed and a key. */
export function seededUnit(seed: number, key: string): number {
  const h = createHash('sha256').update(`${seed}:${key}`).digest()
  return h.readUInt32BE(0) / 2 ** 32
}

/**
 * Returns the indices of the validation side (fraction `valFraction`). The group of a
 * poster is its content hash; the group's smallest id decides its side, so the split is
 * "by poster id" and stable when unrelated posters are added.
 */
export function validationMask(items: SplitItem[], seed: number, valFraction = 0.2): boolean[] {
  const groupKey = new Map<string, string>()
  for (const it of items) {
    const k = groupKey.get(it.hash)
    if (k === undefined || it.id < k) groupKey.set(it.hash, it.id)
  }
  return items.map((it) => seededUnit(seed, groupKey.get(it.hash)!) < valFraction)
}
