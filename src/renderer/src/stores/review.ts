// The Review view's session: the chosen queue, a snapshot of its ranked posters (so fixing a
// poster, which drops it from the live queue, does not shift the others under the cursor),
// where the cursor is, and what was done to each poster. Edits go through the labels store
// (labels.edit: optimistic, undoable); the current poster's labels are re-read after each.
import { defineStore } from 'pinia'
import { computed, ref, shallowRef } from 'vue'
import type { PosterDetail, ReviewCounts, ReviewItem, ReviewPage, ReviewQueueName } from '../../../shared/api'
import { api } from '../api/bridge'
import { onLibraryChange } from '../api/library-changes'
import { useLabels } from './labels'
import { useToasts } from './toasts'

export type Outcome = 'accepted' | 'fixed' | 'skipped'

/** How many ranked posters one session walks through (the most suspect / uncertain ones). */
export const SESSION_SIZE = 200

export const useReview = defineStore('review', () => {
  const labels = useLabels()
  const toasts = useToasts()

  const queue = ref<ReviewQueueName>('suspect')
  const counts = shallowRef<ReviewCounts | null>(null)
  const page = shallowRef<ReviewPage | null>(null)
  const items = shallowRef<ReviewItem[]>([])
  const index = ref(0)
  const loading = ref(false)
  const error = ref<string | null>(null)
  const outcomes = ref<Record<string, Outcome>>({})
  /** Edits this session made to each poster: an undo takes one back, and the poster's outcome goes with its last. */
  const edits = new Map<string, number>()
  const edited = (id: string) => edits.set(id, (edits.get(id) ?? 0) + 1)
  /** The shown poster as it is now (labels with sources), re-read after every edit. */
  const poster = shallowRef<PosterDetail | null>(null)

  const current = computed<ReviewItem | null>(() => items.value[index.value] ?? null)
  const reviewed = computed(() => Object.values(outcomes.value).filter((o) => o !== 'skipped').length)
  const skipped = computed(() => Object.values(outcomes.value).filter((o) => o === 'skipped').length)
  /**
   * Past the session's last poster (it was applied, or skipped with → / j): the "queue done"
   * state. The cursor then sits at items.length; ← / k goes back to the last poster.
   */
  const finished = computed(() => items.value.length > 0 && index.value >= items.value.length)

  let request = 0
  async function load(q: ReviewQueueName = queue.value) {
    const mine = ++request
    queue.value = q
    loading.value = true
    error.value = null
    try {
      const p = await api().review.queue({ queue: q, offset: 0, limit: SESSION_SIZE })
      if (mine !== request) return
      page.value = p
      items.value = p.items
      index.value = 0
      outcomes.value = {}
      edits.clear()
      await showCurrent()
    } catch (err) {
      if (mine === request) {
        page.value = null
        items.value = []
        error.value = err instanceof Error ? err.message : String(err)
      }
    } finally {
      if (mine === request) loading.value = false
      void refreshCounts()
    }
  }

  async function refreshCounts() {
    try {
      counts.value = await api().review.counts({})
    } catch {
      // The picker keeps its last counts.
    }
  }

  async function showCurrent() {
    const it = current.value
    if (!it) {
      poster.value = null
      return
    }
    try {
      const p = await api().library.get({ id: it.id })
      if (current.value?.id === it.id) poster.value = p
    } catch (err) {
      toasts.error(`Could not load poster ${it.id}`, err)
    }
  }

  /** Moves the cursor; one step past the last poster is the "queue done" state, never further. */
  function go(delta: number) {
    const next = Math.min(items.value.length, Math.max(0, index.value + delta))
    if (next === index.value) return
    index.value = next
    poster.value = null
    void showCurrent()
    // The done state offers the other queues with their sizes: fresh ones.
    if (finished.value) void refreshCounts()
  }

  /**
   * An applied suggestion still saving: skips, genre keys and further Enters are dropped until
   * it lands. Two quick Enters would otherwise apply twice and move on twice, past a poster
   * never shown.
   */
  let busy = false

  /**
   * Skips the shown poster (→ / j): it counts as skipped only because the cursor moves past it
   * (from the last one, to the "queue done" state). In that state there is nothing to skip:
   * the key does nothing; the done state offers to rank the queue again.
   */
  function next() {
    if (busy) return
    const it = current.value
    if (!it) return
    if (!outcomes.value[it.id]) outcomes.value = { ...outcomes.value, [it.id]: 'skipped' }
    go(1)
  }

  /** Applies the suggested fix (for accepted predictions: confirms the ones it keeps), then moves on. */
  async function acceptSuggestion() {
    if (busy) return
    busy = true
    try {
      await applySuggestion()
    } finally {
      busy = false
    }
  }

  async function applySuggestion() {
    const it = current.value
    const p = poster.value
    if (!it || !p) return
    const remove = it.suggest.remove.filter((g) => p.genres.includes(g))
    let add = it.suggest.add.filter((g) => !p.genres.includes(g))
    // Confirming accepted predictions: adding a genre the poster has from 'prediction' makes it the user's.
    if (queue.value === 'accepted') add = p.labels.filter((l) => l.source === 'prediction' && !remove.includes(l.genre)).map((l) => l.genre)
    if (add.length === 0 && remove.length === 0 && p.labelled) {
      outcomes.value = { ...outcomes.value, [it.id]: 'accepted' }
      go(1)
      return
    }
    const ok = await labels.edit([it.id], { add, remove }, 'Could not apply the suggestion')
    if (!ok) return
    edited(it.id)
    outcomes.value = { ...outcomes.value, [it.id]: 'accepted' }
    void refreshCounts()
    // From the last poster this is the "queue done" state.
    go(1)
  }

  /** A genre key on the shown poster: adds or removes that genre. */
  /** Genre keys still saving: each starts from the state the one before showed, and the poster is read back once they all landed. */
  let toggling = 0
  async function toggle(genre: string) {
    // Not while an Enter is applying the suggestion (the poster is about to change).
    if (busy) return
    const it = current.value
    const p = poster.value
    if (!it || !p) return
    toggling++
    try {
      await toggleNow(it, p, genre)
    } finally {
      toggling--
    }
    if (toggling === 0) await showCurrent()
    void refreshCounts()
  }

  async function toggleNow(it: ReviewItem, p: PosterDetail, genre: string) {
    const has = p.genres.includes(genre)
    // Shown at once; the saved state replaces it when re-read.
    poster.value = {
      ...p,
      labelled: true,
      genres: has ? p.genres.filter((g) => g !== genre) : [...p.genres, genre],
      labels: has ? p.labels.filter((l) => l.genre !== genre) : [...p.labels, { genre, source: 'user' }],
    }
    const ok = await labels.edit([it.id], has ? { remove: [genre] } : { add: [genre] }, `Could not ${has ? 'remove' : 'add'} ${genre}`)
    if (!ok) return
    edited(it.id)
    outcomes.value = { ...outcomes.value, [it.id]: 'fixed' }
  }

  /** Undoes the last edit and shows the poster it touched when that is in this session. */
  async function undo() {
    const changed = await labels.undo()
    const at = items.value.findIndex((i) => changed.includes(i.id))
    if (at >= 0) {
      const id = items.value[at].id
      // A poster fixed with two keys is still fixed after one of them is undone.
      const left = (edits.get(id) ?? 1) - 1
      if (left > 0) edits.set(id, left)
      else {
        edits.delete(id)
        const { [id]: _gone, ...rest } = outcomes.value
        outcomes.value = rest
      }
      if (at !== index.value) {
        index.value = at
        poster.value = null
      }
    }
    await showCurrent()
    void refreshCounts()
  }

  let started = false
  function start() {
    if (started) return
    started = true
    // Edits elsewhere (the library, another window, the CLI) show up on the current poster.
    onLibraryChange((e) => {
      const id = current.value?.id
      // Not while genre keys are still saving: the poster is read back once they all landed.
      if (id && (!e.ids || e.ids.includes(id)) && e.reason !== 'model' && toggling === 0) void showCurrent()
      if (e.reason === 'model') {
        void refreshCounts()
        // Predictions finished or a model was trained / activated: a queue that was waiting for them fills.
        if (page.value && page.value.state !== 'ready') void load()
      }
    })
  }

  return {
    queue,
    counts,
    page,
    items,
    index,
    loading,
    error,
    outcomes,
    poster,
    current,
    reviewed,
    skipped,
    finished,
    load,
    refreshCounts,
    go,
    next,
    acceptSuggestion,
    toggle,
    undo,
    start,
  }
})
