// Label edits: applied to the screen at once (optimistic), saved through `labels.edit`
// in order, rolled back with an error toast when the save fails. Undo / redo and their
// tooltips come from the library's persistent history.
import { defineStore } from 'pinia'
import { computed, shallowRef } from 'vue'
import type { HistoryState, PosterSummary } from '../../../shared/api'
import { api } from '../api/bridge'
import { onLibraryChange } from '../api/library-changes'
import { applyLabelChange, type LabelChange } from '../lib/label-edit'
import { posters } from '../lib/count'
import { useDetail } from './detail'
import { useGenres } from './genres'
import { useLibrary } from './library'
import { useToasts } from './toasts'
import { useConfirm } from './confirm'

/** The history keeps at most so many entries and bytes: past them, undo says older ones went. */
export function nothingToUndo(h: HistoryState): string {
  return h.dropped ? 'Nothing more to undo: older history was dropped to keep the history within its size limit' : 'Nothing to undo'
}

export const useLabels = defineStore('labels', () => {
  const library = useLibrary()
  const detail = useDetail()
  const genres = useGenres()
  const toasts = useToasts()
  const confirm = useConfirm()

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
    let label: string | null = null
    try {
      // A genre rename or reorder changes no poster: whether there was a step to take is in the history.
      const r = await enqueue(() => {
        label = kind === 'undo' ? history.value.undoLabel : history.value.redoLabel
        return kind === 'undo' ? api().labels.undo({}) : api().labels.redo({})
      })
      const moved = label !== null || r.changed.length > 0
      history.value = r.history
      if (!moved) toasts.info(kind === 'undo' ? nothingToUndo(r.history) : 'Nothing to redo')
      else if (label) toasts.info(`${kind === 'undo' ? 'Undone' : 'Redone'}: ${label}`)
      // The core also announces the change; refreshing here keeps the screen right if it did not.
      // The genres first: an undone rename takes the filters naming the genre with it.
      await genres.refresh()
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
      history.value = { canUndo: h.canUndo, canRedo: h.canRedo, undoLabel: h.undoLabel, undoId: h.undoId, redoLabel: h.redoLabel, dropped: h.dropped }
    } catch {
      // Keeps the last known state; the buttons stay as they were.
    }
  }

  /** Toggles one genre on one poster, from its current (optimistic) state. */
  function toggle(poster: PosterSummary, genre: string) {
    const has = poster.genres.includes(genre)
    return edit([poster.id], has ? { remove: [genre] } : { add: [genre] }, `Could not ${has ? 'remove' : 'add'} ${genre}`)
  }

  /**
   * After a key cleared genres (or a deletion, a merge): say so, with Undo (a stray key must not
   * lose labels silently). The toast's Undo takes back its own entry only: after later edits it
   * says so instead of undoing one of those.
   */
  async function offerUndo(text: string) {
    // Read after the saves queued so far: the history's top is this action's entry.
    await enqueue(() => refreshHistory())
    const own = history.value.undoId ?? null
    toasts.withAction(text, 'Undo', () => {
      if (own !== null && history.value.undoId === own) void step('undo')
      else toasts.info('Later edits came after this one, or it was undone already: undo those first (Ctrl+Z), or see the History')
    })
  }

  /** "Looked at it: no genre applies." */
  async function markNoGenre(poster: PosterSummary) {
    const cleared = poster.genres.length
    const ok = await edit([poster.id], { remove: [...poster.genres], labelled: true }, 'Could not mark as labelled')
    if (ok && cleared) offerUndo(`Cleared ${cleared} genre${cleared === 1 ? '' : 's'} of ${poster.title ?? poster.id}: no genre`)
    return ok
  }

  /** A poster as the screen shows it now: the detail's, else the grid's loaded one. */
  function shownPoster(id: string): PosterSummary | undefined {
    if (detail.poster?.id === id) return detail.poster
    const i = library.loadedIndexOf(id)
    return i >= 0 ? library.itemAt(i) : undefined
  }

  /**
   * Back to unlabelled, with an Undo toast (it clears the genres). One poster without `poster`
   * (the toolbar with one selected) is looked up on screen, before the edit changes it; a
   * poster known to be unlabelled already changes nothing and gets no toast.
   */
  async function markUnlabelled(ids: string[], poster?: PosterSummary) {
    const one = ids.length === 1 ? (poster ?? shownPoster(ids[0])) : undefined
    const ok = await edit(ids, { labelled: false }, 'Could not mark as unlabelled')
    if (ok && (ids.length > 1 || !one || one.labelled)) {
      void offerUndo(ids.length === 1 ? `${one?.title ?? ids[0]} is unlabelled again` : `${ids.length.toLocaleString()} posters are unlabelled again`)
    }
    return ok
  }

  /** Deletes posters after asking; the toast offers Undo (which restores them with labels and thumbnails). */
  async function removePosters(ids: string[], what?: string): Promise<boolean> {
    if (!ids.length) return false
    const n = ids.length.toLocaleString()
    const label = what ?? (ids.length === 1 ? '1 poster' : `${n} posters`)
    const yes = await confirm.ask({
      title: `Delete ${label}?`,
      body: `They leave the library with their labels. The image files on disk are not touched, and Undo (Ctrl+Z) brings them back.`,
      ok: 'Delete',
      danger: true,
    })
    if (!yes) return false
    try {
      const r = await enqueue(() => api().library.remove({ ids }))
      history.value = r.history
      if (detail.poster && ids.includes(detail.poster.id)) detail.close()
      library.reload()
      offerUndo(`Deleted ${r.removed.toLocaleString()} poster${r.removed === 1 ? '' : 's'}`)
      return true
    } catch (err) {
      toasts.error('Could not delete', err)
      return false
    }
  }

  /** Deletes every poster one import added, after asking. */
  async function removeImport(importId: number, count: number): Promise<boolean> {
    const yes = await confirm.ask({
      title: `Delete the ${count.toLocaleString()} poster${count === 1 ? '' : 's'} of import #${importId}?`,
      body: 'Every poster this import added leaves the library with its labels. Undo (Ctrl+Z) brings them back.',
      ok: 'Delete',
      danger: true,
    })
    if (!yes) return false
    try {
      const r = await enqueue(() => api().library.remove({ importId }))
      history.value = r.history
      detail.close()
      library.reload()
      offerUndo(`Deleted ${posters(r.removed)} of import #${importId}`)
      return true
    } catch (err) {
      toasts.error('Could not delete the import', err)
      return false
    }
  }

  /** Title and year of one poster (undoable). */
  async function setMeta(id: string, title: string | null, year: number | null): Promise<boolean> {
    try {
      const r = await enqueue(() => api().library.setMeta({ id, title, year }))
      history.value = r.history
      void detail.reload()
      library.reload()
      return true
    } catch (err) {
      toasts.error('Could not save the title and year', err)
      return false
    }
  }

  let started = false
  function start() {
    if (started) return
    started = true
    // Another window (or the CLI) may edit too.
    onLibraryChange(() => void refreshHistory(), ['labels', 'genres', 'posters'])
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
    removePosters,
    removeImport,
    setMeta,
    offerUndo,
    refreshHistory,
    start,
  }
})
