// Which posters are selected (for bulk edits) and which one is current (keyboard cursor,
// shown in the detail). Ranges and select-all go through `library.ids`, so they work for
// posters that were never loaded into the grid.
import { defineStore } from 'pinia'
import { computed, ref, shallowRef, watch } from 'vue'
import { useLibrary } from './library'
import { useToasts } from './toasts'

export interface ClickModifiers {
  /** Shift: a range from the anchor. */
  range: boolean
  /** Ctrl / Cmd: toggle one. */
  toggle: boolean
}

export const useSelection = defineStore('selection', () => {
  const library = useLibrary()
  const toasts = useToasts()

  const selected = shallowRef<ReadonlySet<string>>(new Set())
  const anchor = ref<number | null>(null)
  /** The poster the keyboard cursor is on (index in the current list). */
  const current = ref<{ index: number; id: string | null } | null>(null)
  const busy = ref(false)

  const count = computed(() => selected.value.size)
  const ids = computed(() => [...selected.value])
  const isSelected = (id: string) => selected.value.has(id)

  function clear() {
    selected.value = new Set()
    anchor.value = null
  }

  async function click(index: number, id: string, mods: ClickModifiers) {
    current.value = { index, id }
    if (mods.range && anchor.value !== null) {
      const from = Math.min(anchor.value, index)
      const to = Math.max(anchor.value, index)
      const range = await idsBetween(from, to)
      if (!range) return
      selected.value = new Set(mods.toggle ? [...selected.value, ...range] : range)
      return
    }
    anchor.value = index
    if (mods.toggle) {
      const next = new Set(selected.value)
      if (next.has(id)) next.delete(id)
      else next.add(id)
      selected.value = next
    } else {
      selected.value = new Set([id])
    }
  }

  /** Ids of items [from, to]: from the loaded pages when all are there, else from the server. */
  async function idsBetween(from: number, to: number): Promise<string[] | null> {
    const out: string[] = []
    for (let i = from; i <= to; i++) {
      const p = library.itemAt(i)
      if (!p) break
      out.push(p.id)
    }
    if (out.length === to - from + 1) return out
    try {
      return (await library.orderedIds()).slice(from, to + 1)
    } catch (err) {
      toasts.error('Could not select the range', err)
      return null
    }
  }

  async function selectAll() {
    busy.value = true
    try {
      selected.value = new Set(await library.orderedIds())
    } catch (err) {
      toasts.error('Could not select all', err)
    } finally {
      busy.value = false
    }
  }

  /** Replaces the selection (the map's lasso). */
  function selectIds(list: string[]) {
    selected.value = new Set(list)
    anchor.value = null
  }

  /** Moves the cursor; `id` is null while that poster's page is still loading. */
  function setCurrent(index: number, id: string | null) {
    current.value = { index, id }
  }

  // A new filter is a new list: indexes and the selection no longer mean the same posters.
  watch(
    () => library.listVersion,
    () => {
      clear()
      current.value = null
    },
  )

  return { selected, anchor, current, busy, count, ids, isSelected, clear, click, selectAll, selectIds, setCurrent }
})
