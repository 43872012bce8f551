// The poster shown in the detail panel, and moving through the list with the keyboard.
// Navigation walks a snapshot of the list's ids taken when the panel opens, so labelling
// a poster out of the current filter (e.g. "unlabelled") does not make the arrows skip.
import { defineStore } from 'pinia'
import { ref, shallowRef, watch } from 'vue'
import { ApiError, type PosterDetail } from '../../../shared/api'
import { api } from '../api/bridge'
import { onLibraryChange } from '../api/library-changes'
import { useLibrary } from './library'
import { useSelection } from './selection'
import { useToasts } from './toasts'

export const useDetail = defineStore('detail', () => {
  const library = useLibrary()
  const selection = useSelection()
  const toasts = useToasts()

  const open = ref(false)
  const id = ref<string | null>(null)
  const poster = shallowRef<PosterDetail | null>(null)
  const loading = ref(false)
  const navIds = shallowRef<string[] | null>(null)
  const navIndex = ref(-1)

  let request = 0
  async function load(target: string) {
    const mine = ++request
    loading.value = true
    try {
      const p = await api().library.get({ id: target })
      if (mine === request) poster.value = p
    } catch (err) {
      // Removed meanwhile (merged as a duplicate): the panel closes rather than complain.
      if (mine === request && err instanceof ApiError && err.code === 'not-found' && poster.value?.id === target) {
        poster.value = null
        open.value = false
      } else if (mine === request) toasts.error(`Could not load poster ${target}`, err)
    } finally {
      if (mine === request) loading.value = false
    }
  }

  async function snapshot() {
    try {
      navIds.value = await library.orderedIds()
      if (id.value) navIndex.value = navIds.value.indexOf(id.value)
    } catch (err) {
      toasts.error('Could not list posters for navigation', err)
    }
  }

  /** Shows a poster; `index` is its position in the grid's list when known. */
  async function show(target: string, index?: number) {
    open.value = true
    if (id.value !== target) {
      id.value = target
      poster.value = null
    }
    if (navIds.value) {
      navIndex.value = navIds.value.indexOf(target)
      // Not in the snapshot (it entered the filter since): the snapshot is out of date.
      if (navIndex.value === -1) navIds.value = null
    }
    if (!navIds.value) navIndex.value = index ?? -1
    const loadP = load(target)
    if (!navIds.value) await snapshot()
    await loadP
  }

  function close() {
    open.value = false
  }

  async function step(delta: number) {
    if (!navIds.value) await snapshot()
    const ids = navIds.value
    if (!ids || !ids.length) return
    const from = navIndex.value < 0 ? (id.value ? ids.indexOf(id.value) : -1) : navIndex.value
    const next = Math.min(ids.length - 1, Math.max(0, from + delta))
    if (next === from && id.value === ids[next]) return
    navIndex.value = next
    selection.setCurrent(next, ids[next])
    await show(ids[next], next)
  }

  /** Optimistic edits replace the shown poster before the server answers. */
  function replace(p: PosterDetail | null) {
    poster.value = p
  }

  // The list changed under us (new filter): take a new snapshot next time.
  watch(
    () => library.listVersion,
    () => {
      navIds.value = null
      navIndex.value = -1
    },
  )

  let started = false
  function start() {
    if (started) return
    started = true
    onLibraryChange((e) => {
      if (!id.value || !open.value) return
      if (!e.ids || e.ids.includes(id.value)) void load(id.value)
      // New posters (an import) change the order; labels keep the snapshot stable.
      if (e.reason === 'import' || e.reason === 'posters') navIds.value = null
    })
  }

  return { open, id, poster, loading, navIds, navIndex, show, close, step, replace, reload: () => id.value && load(id.value), start }
})
