// One keyboard key per genre, shown on its chip: 1-9, 0, then letters, skipping the
// letters that are commands in the poster detail.

/** Letters the detail uses for commands (j/k: previous/next, n: labelled with no genre, u: unlabelled). */
export const COMMAND_KEYS = ['j', 'k', 'n', 'u'] as const

const KEYS = [
  ...'1234567890',
  ...'abcdefghijklmnopqrstuvwxyz'.split('').filter((c) => !(COMMAND_KEYS as readonly string[]).includes(c)),
]

export interface GenreKeys {
  /** genre → key */
  byGenre: Map<string, string>
  /** key → genre */
  byKey: Map<string, string>
}

/** Keys follow the genre order, so reordering genres in the manager moves keys with them. */
export function assignGenreKeys(genres: readonly string[]): GenreKeys {
  const byGenre = new Map<string, string>()
  const byKey = new Map<string, string>()
  genres.forEach((g, i) => {
    const key = KEYS[i]
    if (!key) return // more genres than keys: the rest are mouse-only
    byGenre.set(g, key)
    byKey.set(key, g)
  })
  return { byGenre, byKey }
}
