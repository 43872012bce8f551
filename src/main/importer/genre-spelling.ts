// A labels file that brings a genre the library lacks but nearly has ("Drmaa" beside Drama,
// "Sci Fi" beside Sci-Fi) most likely misspells it: the import says so, naming both, so the
// person can merge them (an undoable step in the Genres view) before they train apart.
import { distance } from 'fastest-levenshtein'

/** Letters and digits only, lower case: "Sci Fi", "sci-fi" and "SciFi" are one. */
const squeeze = (s: string) => s.toLowerCase().replace(/[^\p{L}\p{N}]+/gu, '')

/** One pair of neighbouring letters swapped ("drmaa" for "drama"). */
function swapped(a: string, b: string): boolean {
  if (a.length !== b.length) return false
  const at = [...a].findIndex((c, i) => c !== b[i])
  return at >= 0 && a[at] === b[at + 1] && a[at + 1] === b[at] && a.slice(at + 2) === b.slice(at + 2)
}

/**
 * Whether two squeezed names read as one with a slip of the keyboard: two letters swapped, or,
 * for names of 7 letters and more, one letter wrong, missing or extra (two from 10). Shorter
 * names stay apart at one letter, as real genres do (Short and Sport, Music and Musical).
 */
function slip(a: string, b: string): boolean {
  if (swapped(a, b)) return true
  const n = Math.min(a.length, b.length)
  if (n < 7) return false
  return distance(a, b) <= (n >= 10 ? 2 : 1)
}

/** For each new genre that nearly matches one the library has: [new, existing]. */
export function nearGenres(existing: readonly string[], incoming: readonly string[]): [string, string][] {
  const have = new Set(existing.map((g) => g.toLowerCase()))
  const out: [string, string][] = []
  for (const g of incoming) {
    if (have.has(g.toLowerCase())) continue
    const a = squeeze(g)
    // The same letters first (only spacing, hyphens or case differ), then a slip.
    const hit = existing.find((e) => squeeze(e) === a) ?? existing.find((e) => slip(a, squeeze(e)))
    if (hit) out.push([g, hit])
  }
  return out
}
