// The import dialog's state: the paths to import, the running job's progress, and the
// summary at the end. Events of other jobs are ignored.
import { defineStore } from 'pinia'
import { ref, shallowRef } from 'vue'
import type { Event, ImportResult, JobStatus } from '../../../shared/api'
import { api, bridge } from '../api/bridge'
import { useStatus } from './status'
import { useToasts } from './toasts'

export type ImportPhase = 'form' | 'running' | 'finished'

export const useImports = defineStore('imports', () => {
  const toasts = useToasts()
  const status = useStatus()

  const dialogOpen = ref(false)
  const phase = ref<ImportPhase>('form')
  /** One posters folder or file per line. */
  const paths = ref('')
  const labels = ref('')
  const metadata = ref('')
  /** Genre features from the same decode as the thumbnails: the first training starts at once. */
  const embed = ref(true)
  const jobId = ref<string | null>(null)
  const progress = shallowRef<Event<'import.progress'> | null>(null)
  const outcome = shallowRef<{ status: JobStatus; result: ImportResult | null; error: string | null } | null>(null)
  const starting = ref(false)
  const formError = ref<string | null>(null)

  function pathList(): string[] {
    return paths.value
      .split(/\r?\n/)
      .map((p) => p.trim())
      .filter(Boolean)
  }

  function openDialog(prefill?: { paths?: string[]; labels?: string; metadata?: string }) {
    if (prefill && phase.value !== 'running') {
      phase.value = 'form'
      if (prefill.paths?.length) paths.value = [...new Set([...pathList(), ...prefill.paths])].join('\n')
      if (prefill.labels) labels.value = prefill.labels
      if (prefill.metadata) metadata.value = prefill.metadata
    }
    dialogOpen.value = true
  }

  function closeDialog() {
    dialogOpen.value = false
    // A finished import's summary is read once; the next opening starts a new form.
    if (phase.value === 'finished') reset()
  }

  function reset() {
    phase.value = 'form'
    jobId.value = null
    progress.value = null
    outcome.value = null
    formError.value = null
  }

  async function start() {
    const list = pathList()
    if (!list.length) {
      formError.value = 'Give at least one posters folder or file.'
      return
    }
    formError.value = null
    starting.value = true
    try {
      const r = await api().imports.start({
        paths: list,
        labels: labels.value.trim() || undefined,
        metadata: metadata.value.trim() || undefined,
        embed: embed.value,
      })
      jobId.value = r.jobId
      progress.value = { jobId: r.jobId, done: 0, total: 0, current: null, skipped: 0 }
      outcome.value = null
      phase.value = 'running'
      // A tiny import can finish before its jobId reaches us.
      const early = unclaimed.get(r.jobId)
      if (early) finish(early)
      void status.refreshJobs()
    } catch (err) {
      formError.value = err instanceof Error ? err.message : String(err)
    } finally {
      starting.value = false
    }
  }

  async function cancel() {
    if (!jobId.value) return
    try {
      await api().jobs.cancel({ jobId: jobId.value })
    } catch (err) {
      toasts.error('Could not cancel the import', err)
    }
  }

  /** Finished events of jobs we have not (yet) heard the id of. */
  const unclaimed = new Map<string, Event<'import.finished'>>()

  function finish(f: Event<'import.finished'>) {
    unclaimed.delete(f.jobId)
    outcome.value = { status: f.status, result: f.result, error: f.error }
    if (f.result && progress.value) progress.value = { ...progress.value, done: progress.value.total || progress.value.done }
    phase.value = 'finished'
    if (!dialogOpen.value) {
      if (f.status === 'done' && f.result) toasts.info(`Import done: ${f.result.added} added, ${f.result.skipped.length} skipped`)
      else if (f.status === 'failed') toasts.error('Import failed', f.error ?? 'unknown error')
    }
  }

  let started = false
  function start_() {
    if (started) return
    started = true
    bridge().on('import.progress', (p) => {
      if (p.jobId === jobId.value) progress.value = p
    })
    bridge().on('import.finished', (f) => {
      if (f.jobId === jobId.value) return finish(f)
      unclaimed.set(f.jobId, f)
      if (unclaimed.size > 20) unclaimed.delete(unclaimed.keys().next().value!)
    })
  }

  return {
    dialogOpen,
    phase,
    paths,
    labels,
    metadata,
    embed,
    jobId,
    progress,
    outcome,
    starting,
    formError,
    pathList,
    openDialog,
    closeDialog,
    reset,
    start,
    cancel,
    listen: start_,
  }
})
