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
 * "by poster id" and stable when unrelated posters are added. With two groups or more, each
 * side gets at least one.
 */
export function validationMask(items: SplitItem[], seed: number, valFraction = 0.2): boolean[] {
  const groupKey = new Map<string, string>()
  for (const it of items) {
    const k = groupKey.get(it.hash)
    if (k === undefined || it.id < k) groupKey.set(it.hash, it.id)
  }
  const unit = new Map([...new Set(groupKey.values())].map((k) => [k, seededUnit(seed, k)]))
  const side = new Map([...unit].map(([k, u]) => [k, u < valFraction]))
  // A small library can draw every group on one side (twelve groups: one time in fifteen at
  // 0.2): then the group drawn nearest the line crosses it, so both sides hold a poster.
  if (unit.size >= 2 && valFraction > 0 && valFraction < 1) {
    const drawn = [...unit].sort((a, b) => a[1] - b[1])
    if (![...side.values()].some(Boolean)) side.set(drawn[0][0], true)
    else if ([...side.values()].every(Boolean)) side.set(drawn[drawn.length - 1][0], false)
  }
  return items.map((it) => side.get(groupKey.get(it.hash)!)!)
}
