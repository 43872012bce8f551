// "Are you sure?" for changes that are big or hard to see (deleting posters, merging or
// deleting genres): one dialog at a time, answered by a promise.
import { defineStore } from 'pinia'
import { shallowRef } from 'vue'

export interface ConfirmRequest {
  title: string
  body: string
  ok: string
  danger?: boolean
}

export const useConfirm = defineStore('confirm', () => {
  const open = shallowRef<(ConfirmRequest & { resolve: (yes: boolean) => void }) | null>(null)

  function ask(req: ConfirmRequest): Promise<boolean> {
    open.value?.resolve(false)
    return new Promise((resolve) => (open.value = { ...req, resolve }))
  }

  function answer(yes: boolean) {
    const o = open.value
    open.value = null
    o?.resolve(yes)
  }

  return { open, ask, answer }
})
