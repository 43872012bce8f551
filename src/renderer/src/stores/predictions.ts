// The active model's top genres per poster, for the grid's cards. Every card asks for its
// own poster; the asks of one frame leave as a single `model.top` call, and the answers
// are kept until the model or its predictions change.
import { defineStore } from 'pinia'
import { shallowReactive } from 'vue'
import type { TopGenre } from '../../../shared/api'
import { api, bridge } from '../api/bridge'
import { onLibraryChange } from '../api/library-changes'

const BATCH = 1000

export const usePredictions = defineStore('predictions', () => {
  /** null: asked, and the poster has no stored prediction. */
  const top = shallowReactive(new Map<string, TopGenre[] | null>())
  const pending = new Set<string>()
  let scheduled = false
  let generation = 0

  async function flush() {
    scheduled = false
    const ids = [...pending].slice(0, BATCH)
    for (const id of ids) pending.delete(id)
    if (pending.size) schedule()
    const asked = generation
    try {
      const r = await api().model.top({ ids, k: 2 })
      if (asked !== generation) return // the model changed meanwhile: these are stale
      const found = new Map(r.items.map((i) => [i.id, i.genres]))
      for (const id of ids) top.set(id, found.get(id) ?? null)
    } catch {
      // No model domain answer (e.g. disconnected): cards simply show no prediction.
    }
  }

  function schedule() {
    if (scheduled) return
    scheduled = true
    requestAnimationFrame(() => void flush())
  }

  /** The poster's top predicted genres; undefined until known. Safe to call while rendering. */
  function get(id: string): TopGenre[] | null | undefined {
    if (!top.has(id) && !pending.has(id)) {
      pending.add(id)
      schedule()
    }
    return top.get(id)
  }

  function reset() {
    generation++
    pending.clear()
    top.clear()
  }

  bridge().on('predict.finished', reset)
  onLibraryChange(reset, ['model'])

  return { get, reset }
})
