// App-wide keyboard shortcuts. Keys typed into a text field are never shortcuts.
import { onBeforeUnmount, onMounted } from 'vue'
import { useDetail } from '../stores/detail'
import { useGenres } from '../stores/genres'
import { useImports } from '../stores/imports'
import { useLabels } from '../stores/labels'
import { useSelection } from '../stores/selection'
import { useUi } from '../stores/ui'
import { useConfirm } from '../stores/confirm'

export function isTyping(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false
  if (target.isContentEditable) return true
  if (target instanceof HTMLTextAreaElement || target instanceof HTMLSelectElement) return true
  if (target instanceof HTMLInputElement) return !['checkbox', 'radio', 'button', 'submit', 'range'].includes(target.type)
  return false
}

/** Space / Enter on a focused button or checkbox is that control's own action. */
function isActivatable(target: EventTarget | null): boolean {
  return target instanceof HTMLButtonElement || target instanceof HTMLInputElement || target instanceof HTMLAnchorElement
}

export function useShortcuts() {
  const ui = useUi()
  const detail = useDetail()
  const labels = useLabels()
  const genres = useGenres()
  const selection = useSelection()
  const imports = useImports()
  const confirm = useConfirm()

  function onKey(e: KeyboardEvent) {
    if (e.defaultPrevented || isTyping(e.target) || imports.dialogOpen || ui.helpOpen || confirm.open || ui.libraryOpen) return
    const mod = e.ctrlKey || e.metaKey
    const key = e.key.length === 1 ? e.key.toLowerCase() : e.key

    if (mod && !e.altKey) {
      if (key === 'z' && !e.shiftKey) return run(e, labels.undo)
      if ((key === 'z' && e.shiftKey) || (key === 'y' && e.ctrlKey)) return run(e, labels.redo)
      if (key === 'a' && ui.view === 'library') return run(e, selection.selectAll)
      return
    }
    if (e.altKey) return
    if (e.key === '?') return run(e, () => (ui.helpOpen = true))

    if (key === 'Escape') {
      if (detail.open) return run(e, detail.close)
      if (selection.count) return run(e, selection.clear)
      return
    }

    if (ui.view === 'library' && key === 'Delete' && !e.shiftKey) {
      // The selection, else the poster in the detail; always asks first.
      const ids = selection.count ? selection.ids : detail.poster ? [detail.poster.id] : []
      if (ids.length) return run(e, () => labels.removePosters(ids))
    }
    if (ui.view !== 'library' || !detail.open) return
    const poster = detail.poster
    if (key === 'ArrowRight' || key === 'ArrowDown' || key === 'j') return run(e, () => detail.step(1))
    if (key === 'ArrowLeft' || key === 'ArrowUp' || key === 'k') return run(e, () => detail.step(-1))
    if (!poster) return
    if (((key === 'Enter' || key === ' ') && !isActivatable(e.target)) || key === 'n') return run(e, () => labels.markNoGenre(poster))
    if (key === 'u') return run(e, () => labels.markUnlabelled([poster.id], poster))
    const genre = genres.keys.byKey.get(key)
    if (genre && !e.shiftKey) return run(e, () => labels.toggle(poster, genre))
  }

  function run(e: KeyboardEvent, action: () => unknown) {
    e.preventDefault()
    void action()
  }

  onMounted(() => window.addEventListener('keydown', onKey))
  onBeforeUnmount(() => window.removeEventListener('keydown', onKey))
}
