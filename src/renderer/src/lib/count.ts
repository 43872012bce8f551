// "1 poster", "2 posters", "8,052 posters": a count with its noun, in the user's digit grouping.

/** `n` with `noun`, plural unless n is 1 (`plural` for nouns not made with an s). */
export function count(n: number, noun: string, plural = `${noun}s`): string {
  return `${n.toLocaleString()} ${n === 1 ? noun : plural}`
}

export const posters = (n: number): string => count(n, 'poster')
