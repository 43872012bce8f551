// Drag-and-drop of folders and files onto the window opens the import dialog with their
// paths. Only the desktop app can turn a dropped file into a path (the preload's
// `host.pathForFile`); a browser gets a hint to type the path instead.
import { onBeforeUnmount, onMounted, ref } from 'vue'
import { bridge } from '../api/bridge'
import { useImports } from '../stores/imports'
import { useToasts } from '../stores/toasts'
import { classifyDropped } from '../lib/drop-paths'

export function useDropImport() {
  const imports = useImports()
  const toasts = useToasts()
  const dragging = ref(false)
  let depth = 0

  const hasFiles = (e: DragEvent) => !!e.dataTransfer && [...e.dataTransfer.types].includes('Files')

  function onEnter(e: DragEvent) {
    if (!hasFiles(e)) return
    depth++
    dragging.value = true
  }
  function onLeave(e: DragEvent) {
    if (!hasFiles(e)) return
    depth = Math.max(0, depth - 1)
    if (depth === 0) dragging.value = false
  }
  function onOver(e: DragEvent) {
    if (!hasFiles(e)) return
    e.preventDefault()
    if (e.dataTransfer) e.dataTransfer.dropEffect = 'copy'
  }
  function onDrop(e: DragEvent) {
    if (!hasFiles(e)) return
    e.preventDefault()
    depth = 0
    dragging.value = false
    const host = bridge().host
    const files = [...(e.dataTransfer?.files ?? [])]
    if (!host) {
      toasts.info('In the browser, type the folder path in the import dialog.')
      imports.openDialog()
      return
    }
    const paths = files.map((f) => host.pathForFile(f)).filter(Boolean)
    if (!paths.length) return
    imports.openDialog(classifyDropped(paths))
  }

  onMounted(() => {
    window.addEventListener('dragenter', onEnter)
    window.addEventListener('dragleave', onLeave)
    window.addEventListener('dragover', onOver)
    window.addEventListener('drop', onDrop)
  })
  onBeforeUnmount(() => {
    window.removeEventListener('dragenter', onEnter)
    window.removeEventListener('dragleave', onLeave)
    window.removeEventListener('dragover', onOver)
    window.removeEventListener('drop', onDrop)
  })
  return { dragging }
}
