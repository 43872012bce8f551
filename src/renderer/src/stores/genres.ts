// The genre vocabulary with counts, in the user's order, and the key each genre answers to.
import { defineStore } from 'pinia'
import { computed, shallowRef } from 'vue'
import { NewGenreName, type Genre } from '../../../shared/api'
import { api } from '../api/bridge'
import { assignGenreKeys } from '../lib/keymap'
import { useToasts } from './toasts'

export const useGenres = defineStore('genres', () => {
  const list = shallowRef<Genre[]>([])
  const loaded = shallowRef(false)
  const toasts = useToasts()

  /**
   * Why a new name (an added genre, a rename's target) cannot be a genre, or null when it can:
   * the contract's own rule for new names (genres.add / genres.rename check the same), so the
   * form says what is allowed instead of the call failing with the validator's text.
   */
  function nameProblem(name: string, except?: string): string | null {
    const r = NewGenreName.safeParse(name)
    if (!r.success) {
      const m = r.error.issues[0]?.message ?? 'not a valid genre name'
      return m.charAt(0).toUpperCase() + m.slice(1)
    }
    const taken = list.value.some((g) => g.name.toLowerCase() === r.data.toLowerCase() && g.name !== except)
    return taken ? `“${r.data}” already exists` : null
  }

  const names = computed(() => list.value.map((g) => g.name))
  const keys = computed(() => assignGenreKeys(names.value))

  async function refresh() {
    try {
      list.value = (await api().genres.list({})).genres
      loaded.value = true
    } catch (err) {
      toasts.error('Could not load genres', err)
    }
  }

  /** Runs a vocabulary change; refreshes the list whatever happens. Returns success. */
  async function run(what: string, call: () => Promise<unknown>): Promise<boolean> {
    try {
      await call()
      return true
    } catch (err) {
      toasts.error(what, err)
      return false
    } finally {
      await refresh()
    }
  }

  const add = (name: string) => run(`Could not add “${name}”`, () => api().genres.add({ name }))
  const rename = (name: string, to: string) => run(`Could not rename “${name}”`, () => api().genres.rename({ name, to }))
  const merge = (from: string, into: string) => run(`Could not merge “${from}” into “${into}”`, () => api().genres.merge({ from, into }))
  const remove = (name: string) => run(`Could not delete “${name}”`, () => api().genres.remove({ name }))

  async function reorder(namesInOrder: string[]) {
    // Optimistic: the rows move at once; a failure puts them back.
    const before = list.value
    const byName = new Map(before.map((g) => [g.name, g]))
    list.value = namesInOrder.map((n, i) => ({ ...byName.get(n)!, position: i }))
    return run('Could not reorder genres', () => api().genres.reorder({ names: namesInOrder }))
  }

  function move(name: string, delta: number) {
    const order = [...names.value]
    const i = order.indexOf(name)
    const j = i + delta
    if (i < 0 || j < 0 || j >= order.length) return
    ;[order[i], order[j]] = [order[j], order[i]]
    return reorder(order)
  }

  return { list, loaded, names, keys, nameProblem, refresh, add, rename, merge, remove, reorder, move }
})
