// File work on many films at once, a few in flight: each waits on its own I/O (a NAS answers
// each call with a round trip), so overlapping them is most of the speed.
export const FILES_IN_FLIGHT = 8

export async function inParallel<T>(items: readonly T[], fn: (item: T, index: number) => Promise<void>, width = FILES_IN_FLIGHT): Promise<void> {
  let next = 0
  await Promise.all(
    Array.from({ length: Math.min(width, items.length) }, async () => {
      while (next < items.length) {
        const i = next++
        await fn(items[i], i)
      }
    }),
  )
}
