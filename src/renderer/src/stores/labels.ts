// Label edits: applied to the screen at once (optimistic), saved through `labels.edit`
// in order, rolled back with an error toast when the save fails. Undo / redo and their
// tooltips come from the library's persistent history.
import { defineStore } from 'pinia'
import { computed, shallowRef } from 'vue'
import type { HistoryState, PosterSummary } from '../../../shared/api'
import { api, bridge } from '../api/bridge'
import { applyLabelChange, type LabelChange } from '../lib/label-edit'
import { useDetail } from './detail'
import { useGenres } from './genres'
import { useLibrary } from './library'
import { useToasts } from './toasts'

export const useLabels = defineStore('labels', () => {
  const library = useLibrary()
  const detail = useDetail()
  const genres = useGenres()
  const toasts = useToasts()

  const history = shallowRef<HistoryState>({ canUndo: false, canRedo: false, undoLabel: null, redoLabel: null })
  const saving = shallowRef(0)
  const canUndo = computed(() => history.value.canUndo)
  const canRedo = computed(() => history.value.canRedo)

  // Saves run one after another so the server sees edits in the order they were made.
  let chain: Promise<unknown> = Promise.resolve()
  function enqueue<T>(job: () => Promise<T>): Promise<T> {
    const p = chain.then(job, job)
    chain = p.catch(() => {})
    return p
  }

  async function edit(ids: string[], change: LabelChange, what = 'Could not save the labels'): Promise<boolean> {
    if (!ids.length) return false
    const set = new Set(ids)
    const order = genres.names
    const before = new Map<string, PosterSummary>()
    library.patch(set, (p) => {
      before.set(p.id, p)
      return applyLabelChange(p, change, order)
    })
    const shown = detail.poster
    if (shown && set.has(shown.id)) {
      const next = applyLabelChange(shown, change, order)
      const sources = new Map(shown.labels.map((l) => [l.genre, l.source]))
      detail.replace({ ...next, labels: next.genres.map((g) => ({ genre: g, source: sources.get(g) ?? 'user' })) })
    }
    saving.value++
    try {
      const r = await enqueue(() =>
        api().labels.edit({ ids, add: change.add ?? [], remove: change.remove ?? [], labelled: change.labelled }),
      )
      history.value = r.history
      return true
    } catch (err) {
      library.patch(new Set(before.keys()), (p) => before.get(p.id) ?? p)
      if (shown && set.has(shown.id) && detail.poster?.id === shown.id) detail.replace(shown)
      toasts.error(what, err)
      return false
    } finally {
      saving.value--
    }
  }

  /** Returns the posters whose labels changed (none when it failed). */
  async function step(kind: 'undo' | 'redo'): Promise<string[]> {
    try {
      const r = await enqueue(() => (kind === 'undo' ? api().labels.undo({}) : api().labels.redo({})))
      history.value = r.history
      if (!r.changed.length) toasts.info(kind === 'undo' ? 'Nothing to undo' : 'Nothing to redo')
      // The core also announces the change; refreshing here keeps the screen right if it did not.
      library.reload()
      void detail.reload()
      return r.changed
    } catch (err) {
      toasts.error(kind === 'undo' ? 'Could not undo' : 'Could not redo', err)
      return []
    }
  }

  async function refreshHistory() {
    try {
      const h = await api().labels.history({ limit: 1 })
      history.value = { canUndo: h.canUndo, canRedo: h.canRedo, undoLabel: h.undoLabel, redoLabel: h.redoLabel }
    } catch {
      // Keeps the last known state; the buttons stay as they were.
    }
  }

  /** Toggles one genre on one poster, from its current (optimistic) state. */
  function toggle(poster: PosterSummary, genre: string) {
    const has = poster.genres.includes(genre)
    return edit([poster.id], has ? { remove: [genre] } : { add: [genre] }, `Could not ${has ? 'remove' : 'add'} ${genre}`)
  }

  /** "Looked at it: no genre applies." */
  function markNoGenre(poster: PosterSummary) {
    return edit([poster.id], { remove: [...poster.genres], labelled: true }, 'Could not mark as labelled')
  }

  function markUnlabelled(ids: string[]) {
    return edit(ids, { labelled: false }, 'Could not mark as unlabelled')
  }

  let started = false
  function start() {
    if (started) return
    started = true
    // Another window (or the CLI) may edit too.
    bridge().on('library.changed', (e) => {
      if (e.reason === 'labels' || e.reason === 'genres') void refreshHistory()
    })
    void refreshHistory()
  }

  return {
    history,
    saving,
    canUndo,
    canRedo,
    edit,
    undo: () => step('undo'),
    redo: () => step('redo'),
    toggle,
    markNoGenre,
    markUnlabelled,
    refreshHistory,
    start,
  }
})
