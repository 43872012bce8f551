// Which top-level view is shown; kept in the URL hash so a reload stays where it was.
import { defineStore } from 'pinia'
import { ref, watch } from 'vue'

export const views = ['library', 'genres', 'train', 'review', 'collection'] as const
export type View = (typeof views)[number]

const fromHash = (): View => {
  const h = location.hash.replace(/^#\/?/, '')
  return (views as readonly string[]).includes(h) ? (h as View) : 'library'
}

export const useUi = defineStore('ui', () => {
  const view = ref<View>(fromHash())
  const helpOpen = ref(false)
  /** The library dialog: libraries, export, past imports. */
  const libraryOpen = ref(false)
  watch(view, (v) => {
    const hash = v === 'library' ? '' : `#/${v}`
    // replaceState keeps the token in the query and adds no history entries.
    history.replaceState(null, '', `${location.pathname}${location.search}${hash}`)
  })
  window.addEventListener('hashchange', () => (view.value = fromHash()))
  return { view, helpOpen, libraryOpen }
})
