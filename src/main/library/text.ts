// Folding titles for search and sort. Stored in posters.search_key / posters.sort_key (kept by
// triggers that call these through SQL functions registered in db.ts), so a search or a title
// sort is one indexed column instead of a per-row computation at query time.

/** Letters NFKD does not split into a base letter and a mark. */
const LIGATURES: Record<string, string> = { ß: 'ss', æ: 'ae', œ: 'oe', ø: 'o', ł: 'l', đ: 'd', ð: 'd', þ: 'th', ı: 'i' }

/** Case, accents and runs of spaces folded away: "  Amélie " → "amelie". */
export function fold(s: string): string {
  return s
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .replace(/[ßæœøłđðþı]/g, (c) => LIGATURES[c])
    .replace(/\s+/g, ' ')
    .trim()
}

/** What a search matches: the folded title, then the id (never both in one match). */
export function searchKey(title: string | null, id: string): string {
  return `${title ? fold(title) : ''}\x1f${id.toLowerCase()}`
}

/**
 * A key whose plain (binary) order is the title order a person expects: accents and case
 * folded, punctuation ignored ("'Salem's Lot" by S), numbers by value ("2" before "10": each
 * digit run becomes its digit count then its digits).
 */
export function sortKey(title: string | null, id: string): string {
  return fold(title?.trim() ? title : id)
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim()
    .replace(/\d+/g, (d) => {
      const n = d.replace(/^0+(?=\d)/, '')
      return `${String(Math.min(n.length, 99)).padStart(2, '0')}${n}`
    })
}
