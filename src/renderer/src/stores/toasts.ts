// Short messages in a corner: errors of failed calls (after rolling back), confirmations.
import { defineStore } from 'pinia'
import { ref } from 'vue'
import { ApiError } from '../../../shared/api'

export interface Toast {
  id: number
  kind: 'error' | 'info'
  text: string
  /** A button in the toast, e.g. Undo. */
  action?: { label: string; run: () => void }
}

export function errorText(err: unknown): string {
  if (err instanceof ApiError) return err.message
  if (err instanceof Error) return err.message
  return String(err)
}

export const useToasts = defineStore('toasts', () => {
  const items = ref<Toast[]>([])
  let next = 1

  function dismiss(id: number) {
    items.value = items.value.filter((t) => t.id !== id)
  }

  function push(kind: Toast['kind'], text: string, ms = kind === 'error' ? 8000 : 3500, action?: Toast['action']) {
    const id = next++
    // At most three at once: a stack of them would cover the detail panel's genre chips.
    items.value = [...items.value.slice(-2), { id, kind, text, action }]
    setTimeout(() => dismiss(id), ms)
  }

  return {
    items,
    dismiss,
    info: (text: string) => push('info', text),
    /** A confirmation with an action button (kept a little longer, so there is time to press it). */
    withAction: (text: string, label: string, run: () => void) => push('info', text, 10_000, { label, run }),
    /** `what` says what failed, e.g. "Could not add Drama". */
    error: (what: string, err?: unknown) => push('error', err === undefined ? what : `${what}: ${errorText(err)}`),
  }
})
