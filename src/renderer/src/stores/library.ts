// The poster list the grid shows: the filter, its sort, and a page cache over
// `library.query`. Pages are fetched as the grid scrolls; `library.changed` refreshes them.
import { defineStore } from 'pinia'
import { computed, ref, watch } from 'vue'
import type { GenreMatch, LabelledFilter, LabelSource, PosterSort, PosterSummary, PredictionSort } from '../../../shared/api'
import { api } from '../api/bridge'
import { onLibraryChange } from '../api/library-changes'
import { PageCache } from '../lib/page-cache'
import { errorText, useToasts } from './toasts'


export const THUMB_MIN = 110
export const THUMB_MAX = 320
function clampThumb(v: number): number {
  return Number.isFinite(v) ? Math.min(THUMB_MAX, Math.max(THUMB_MIN, Math.round(v))) : 150
}

export const useLibrary = defineStore('library', () => {
  const toasts = useToasts()

  const search = ref('')
  const genres = ref<string[]>([])
  const match = ref<GenreMatch>('any')
  const labelled = ref<LabelledFilter>('all')
  const duplicatesOnly = ref(false)
  /** Posters with labels from this source ('' = any). */
  const source = ref<LabelSource | ''>('')
  const sort = ref<PosterSort>('title')
  /** Narrowest card width in px (the thumbnail-size control), remembered across sessions. */
  const THUMB_KEY = 'posterity.thumbSize'
  const store = globalThis.localStorage as Storage | undefined // absent outside a browser (store tests)
  const thumbSize = ref(clampThumb(Number(store?.getItem(THUMB_KEY) ?? 150)))
  watch(thumbSize, (v) => store?.setItem(THUMB_KEY, String(clampThumb(v))))
  const desc = ref(false)
  /** Only posters the active model predicts one of these genres for. */
  const predicted = ref<string[]>([])
  /** Orders by the active model's predictions instead of `sort`. */
  const predictionSort = ref<PredictionSort | null>(null)
  /**
   * The direction of that order, apart from `desc` (the sort's): highest first is what anyone
   * ordering by a probability or by uncertainty wants, and clearing the order must leave the
   * sort as it was (sharing `desc` turned the title sort to Z–A).
   */
  const predictionDesc = ref(true)
  /** "Similar to this poster": the grid lists the nearest posters to it instead (explore.similarQuery). */
  const similarTo = ref<string | null>(null)

  const filter = computed(() => ({
    search: search.value.trim() || undefined,
    genres: genres.value.length ? [...genres.value] : undefined,
    match: match.value,
    labelled: labelled.value,
    duplicatesOnly: duplicatesOnly.value,
    sources: source.value ? [source.value] : undefined,
    sort: sort.value,
    desc: predictionSort.value ? predictionDesc.value : desc.value,
    predicted: predicted.value.length ? [...predicted.value] : undefined,
    predictionSort: predictionSort.value ?? undefined,
    similarTo: similarTo.value,
  }))
  /** The filter as the commands take it: the sort, or the poster the list is similar to. */
  function request() {
    const { similarTo: id, sort: s, desc: d, predictionSort: ps, ...f } = filter.value
    return id ? { kind: 'similar' as const, args: { ...f, id } } : { kind: 'sorted' as const, args: { ...f, sort: s, desc: d, predictionSort: ps } }
  }
  const hasFilter = computed(
    () => !!search.value.trim() || genres.value.length > 0 || labelled.value !== 'all' || duplicatesOnly.value || !!source.value || predicted.value.length > 0,
  )

  // The cache lives outside Vue's reactivity (100,000 proxies would be slow); `version`
  // tells the views when it changed.
  const version = ref(0)
  /** Bumped when the list itself changes (new filter): the grid scrolls back to the top. */
  const listVersion = ref(0)
  let errorShown = false
  /** Why the list could not be loaded (shown in place of the grid, with a retry). */
  const loadError = ref<string | null>(null)
  const cache = new PageCache<PosterSummary>(
    async (offset, limit) => {
      const r = request()
      const page = r.kind === 'similar' ? await api().explore.similarQuery({ ...r.args, offset, limit }) : await api().library.query({ ...r.args, offset, limit })
      loadError.value = null
      return page
    },
    () => version.value++,
    (err) => {
      loadError.value = errorText(err)
      // One toast per failing list, not one per page.
      if (!errorShown) toasts.error('Could not load posters', err)
      errorShown = true
    },
  )

  const total = computed(() => (version.value, cache.total ?? 0))
  const loaded = computed(() => (version.value, cache.total !== null))

  function itemAt(index: number): PosterSummary | undefined {
    void version.value
    return cache.get(index)
  }

  function ensure(start: number, end: number) {
    return cache.ensure(start, end)
  }

  // Every id of the list in order, for select-all, shift-click ranges and the detail's
  // arrows; fetched only when needed and forgotten when the list changes.
  let idsPromise: Promise<string[]> | null = null
  function orderedIds(): Promise<string[]> {
    if (!idsPromise) {
      const r = request()
      const p = (r.kind === 'similar' ? api().explore.similarIds(r.args) : api().library.ids(r.args)).then((x) => x.ids)
      p.catch(() => {
        if (idsPromise === p) idsPromise = null
      })
      idsPromise = p
    }
    return idsPromise
  }

  watch(
    filter,
    () => {
      errorShown = false
      idsPromise = null
      cache.invalidate(false)
      listVersion.value++
      void cache.ensure(0, cache.pageSize)
    },
    { deep: true },
  )

  function reload() {
    errorShown = false
    idsPromise = null
    cache.invalidate(true)
    // Nothing loaded yet (a failed first page): start from the top.
    if (cache.total === null) void cache.ensure(0, cache.pageSize)
    else void cache.refresh()
  }

  // A bulk edit or an import sends many changes in a burst: refresh once.
  let changeTimer: ReturnType<typeof setTimeout> | null = null
  function scheduleReload() {
    if (changeTimer) clearTimeout(changeTimer)
    changeTimer = setTimeout(() => {
      changeTimer = null
      reload()
    }, 120)
  }

  /** Applies an optimistic change to the loaded posters in `ids`. */
  function patch(ids: ReadonlySet<string>, fn: (p: PosterSummary) => PosterSummary) {
    cache.update((p) => ids.has(p.id), fn)
  }

  /** Index of a poster in the loaded pages, or -1. */
  function loadedIndexOf(id: string): number {
    void version.value
    return cache.indexOf((p) => p.id === id)
  }

  function clearFilters() {
    search.value = ''
    genres.value = []
    match.value = 'any'
    labelled.value = 'all'
    duplicatesOnly.value = false
    source.value = ''
    predicted.value = []
  }

  function toggleGenre(name: string, on: boolean) {
    genres.value = on ? [...new Set([...genres.value, name])] : genres.value.filter((g) => g !== name)
  }

  let started = false
  function start() {
    if (started) return
    started = true
    // A genre change is read again by the app once the genre list (and the filters naming it) followed it.
    onLibraryChange((e) => {
      if (e.reason !== 'genres') scheduleReload()
    })
    void cache.ensure(0, cache.pageSize)
  }

  return {
    search,
    genres,
    match,
    labelled,
    duplicatesOnly,
    source,
    thumbSize,
    sort,
    desc,
    predicted,
    predictionSort,
    predictionDesc,
    similarTo,
    filter,
    hasFilter,
    version,
    listVersion,
    total,
    loaded,
    loadError,
    itemAt,
    ensure,
    orderedIds,
    reload,
    patch,
    loadedIndexOf,
    clearFilters,
    toggleGenre,
    start,
  }
})
