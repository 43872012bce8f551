// What became of the genres a filter names when the vocabulary changed: a rename keeps the
// genre (and its place in the order) under a new name, so a filter on it follows; a merged or
// deleted genre is gone and leaves the filter.

/**
 * The names of `before` missing from `after`, each with its new name when the change reads as
 * one rename (one name gone, one new at the same position), else null (merged or deleted).
 */
export function genreFates(before: readonly string[], after: readonly string[]): Map<string, string | null> {
  const now = new Set(after)
  const was = new Set(before)
  const gone = before.filter((g) => !now.has(g))
  const added = after.filter((g) => !was.has(g))
  const fates = new Map<string, string | null>(gone.map((g) => [g, null]))
  if (gone.length === 1 && added.length === 1 && before.indexOf(gone[0]) === after.indexOf(added[0])) fates.set(gone[0], added[0])
  return fates
}

/** `names` after the change: renamed ones under their new name, merged or deleted ones left out. */
export function followGenres(names: readonly string[], fates: ReadonlyMap<string, string | null>): string[] {
  const out: string[] = []
  for (const g of names) {
    const to = fates.has(g) ? fates.get(g)! : g
    if (to !== null && !out.includes(to)) out.push(to)
  }
  return out
}
