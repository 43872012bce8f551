// Pages of a long, filtered poster list, fetched on demand as the grid scrolls. Only the
// pages near the viewport are kept, so 100,000 posters cost a few hundred objects.

export interface Page<T> {
  total: number
  items: T[]
}

export type PageFetcher<T> = (offset: number, limit: number) => Promise<Page<T>>

export interface PageCacheOptions {
  pageSize?: number
  /** Pages kept at most; the ones farthest from the last requested range go first. */
  maxPages?: number
}

export class PageCache<T> {
  readonly pageSize: number
  private readonly maxPages: number
  private pages = new Map<number, T[]>()
  /** Pages shown from an older generation until their refetch lands (no flicker on refresh). */
  private stale = new Set<number>()
  private inflight = new Map<number, number>()
  private generation = 0
  private lastRange = { start: 0, end: 0 }
  total: number | null = null

  constructor(
    private fetcher: PageFetcher<T>,
    private onChange: () => void,
    private onError: (err: unknown) => void = () => {},
    options: PageCacheOptions = {},
  ) {
    this.pageSize = options.pageSize ?? 200
    this.maxPages = options.maxPages ?? 60
  }

  get(index: number): T | undefined {
    return this.pages.get(Math.floor(index / this.pageSize))?.[index % this.pageSize]
  }

  /** Makes sure the items [start, end) are loaded or on their way. */
  ensure(start: number, end: number): Promise<void> {
    this.lastRange = { start, end }
    const first = Math.floor(start / this.pageSize)
    // Before the first answer we do not know the total: fetch the first page only.
    const last = this.total === null ? first : Math.floor(Math.max(start, end - 1) / this.pageSize)
    const waits: Promise<void>[] = []
    for (let p = first; p <= last; p++) {
      if (this.inflight.get(p) === this.generation) continue
      if (this.pages.has(p) && !this.stale.has(p)) continue
      waits.push(this.fetchPage(p))
    }
    return Promise.all(waits).then(() => {})
  }

  /**
   * Forget what is loaded. `keepVisible`: the same list changed (labels edited elsewhere),
   * keep showing old pages until new ones arrive; otherwise the list itself changed
   * (new filter), start from nothing.
   */
  invalidate(keepVisible: boolean): void {
    this.generation++
    this.inflight.clear()
    if (keepVisible) {
      for (const p of this.pages.keys()) this.stale.add(p)
    } else {
      this.pages.clear()
      this.stale.clear()
      this.total = null
      this.lastRange = { start: 0, end: 0 }
    }
    this.onChange()
  }

  /** Re-requests the last range (after `invalidate(true)`). */
  refresh(): Promise<void> {
    return this.ensure(this.lastRange.start, this.lastRange.end)
  }

  /** Replaces loaded items in place (optimistic edits); returns how many matched. */
  update(match: (item: T) => boolean, fn: (item: T) => T): number {
    let n = 0
    for (const items of this.pages.values()) {
      for (let i = 0; i < items.length; i++) {
        if (match(items[i])) {
          items[i] = fn(items[i])
          n++
        }
      }
    }
    if (n) this.onChange()
    return n
  }

  /** Index of the first loaded item that matches, or -1. */
  indexOf(match: (item: T) => boolean): number {
    for (const [p, items] of this.pages) {
      const i = items.findIndex(match)
      if (i !== -1) return p * this.pageSize + i
    }
    return -1
  }

  /** Loaded items, in index order (for ranges known to be loaded). */
  slice(start: number, end: number): (T | undefined)[] {
    const out: (T | undefined)[] = []
    for (let i = start; i < end; i++) out.push(this.get(i))
    return out
  }

  get loadedPages(): number {
    return this.pages.size
  }

  private async fetchPage(p: number): Promise<void> {
    const gen = this.generation
    this.inflight.set(p, gen)
    try {
      const page = await this.fetcher(p * this.pageSize, this.pageSize)
      if (gen !== this.generation) return
      this.total = page.total
      this.pages.set(p, page.items)
      this.stale.delete(p)
      // Pages past the new end of a shrunken list are gone.
      const lastPage = Math.max(0, Math.ceil(page.total / this.pageSize) - 1)
      for (const k of [...this.pages.keys()]) if (k > lastPage) this.pages.delete(k)
      this.evict()
      this.onChange()
    } catch (err) {
      if (gen === this.generation) this.onError(err)
    } finally {
      if (this.inflight.get(p) === gen) this.inflight.delete(p)
    }
  }

  private evict(): void {
    if (this.pages.size <= this.maxPages) return
    const center = (this.lastRange.start + this.lastRange.end) / 2 / this.pageSize
    const far = [...this.pages.keys()].sort((a, b) => Math.abs(b - center) - Math.abs(a - center))
    for (const p of far.slice(0, this.pages.size - this.maxPages)) {
      this.pages.delete(p)
      this.stale.delete(p)
    }
  }
}
