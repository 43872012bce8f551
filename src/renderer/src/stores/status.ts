// Library-wide facts for the status bar and empty states: where the library is, how big,
// which jobs run, and whether the link to the core is up.
import { defineStore } from 'pinia'
import { computed, ref, shallowRef } from 'vue'
import { events, type EventName, type Job, type LibraryStats } from '../../../shared/api'
import { api, bridge, connection } from '../api/bridge'
import { onLibraryChange } from '../api/library-changes'
import type { ConnectionState } from '../api/connection'

type Info = Awaited<ReturnType<ReturnType<typeof api>['system']['info']>>

export const useStatus = defineStore('status', () => {
  const info = shallowRef<Info | null>(null)
  const stats = shallowRef<LibraryStats | null>(null)
  const jobs = shallowRef<Job[]>([])
  const conn = ref<ConnectionState>(connection().state)
  const attempts = ref(0)
  /** Why the link last dropped, when known. */
  const reason = ref<string | null>(null)
  const error = ref<string | null>(null)

  const runningJobs = computed(() => jobs.value.filter((j) => j.status === 'running'))
  const libraryEmpty = computed(() => stats.value !== null && stats.value.posters === 0)

  async function refreshStats() {
    try {
      stats.value = await api().library.stats({})
      error.value = null
    } catch (err) {
      error.value = err instanceof Error ? err.message : String(err)
    }
  }

  let pollTimer: ReturnType<typeof setTimeout> | null = null
  let jobsInFlight: Promise<void> | null = null
  function refreshJobs(): Promise<void> {
    // Progress events come many a second: one request at a time is plenty.
    return (jobsInFlight ??= loadJobs().finally(() => (jobsInFlight = null)))
  }
  async function loadJobs() {
    try {
      jobs.value = (await api().jobs.list({})).jobs
    } catch {
      // The status bar just keeps the last known list.
    }
    // No event says "a job advanced" for every kind of job: poll while some run.
    if (pollTimer) clearTimeout(pollTimer)
    pollTimer = runningJobs.value.length ? setTimeout(refreshJobs, 2000) : null
  }

  async function refreshAll() {
    await Promise.all([
      api()
        .system.info({})
        .then((i) => (info.value = i))
        .catch(() => {}),
      refreshStats(),
      refreshJobs(),
    ])
  }

  // Stats are cheap but a bulk edit fires many changes: coalesce.
  let statsTimer: ReturnType<typeof setTimeout> | null = null
  function scheduleStats() {
    if (statsTimer) return
    statsTimer = setTimeout(() => {
      statsTimer = null
      void refreshStats()
    }, 250)
  }

  interface ProgressLike {
    jobId?: string
    done?: number
    total?: number
    current?: string | null
    /** Jobs without a `.finished` event (the map, Why) end with a last progress that says so. */
    status?: string
  }
  function onProgress(p: ProgressLike) {
    const known = p.jobId ? jobs.value.find((j) => j.jobId === p.jobId) : undefined
    if (!known || (p.status !== undefined && p.status !== 'running')) return void refreshJobs()
    jobs.value = jobs.value.map((j) =>
      j.jobId === p.jobId ? { ...j, done: p.done ?? j.done, total: p.total ?? j.total, message: p.current ?? j.message } : j,
    )
  }

  let started = false
  function start() {
    if (started) return
    started = true
    onLibraryChange(scheduleStats)
    // Every long job (import, embedding, training, prediction) announces `<kind>.progress`
    // and usually `<kind>.finished`: the status bar follows all of them.
    for (const name of Object.keys(events) as EventName[]) {
      if (name.endsWith('.progress')) bridge().on(name, (p) => onProgress(p as ProgressLike))
      else if (name.endsWith('.finished')) bridge().on(name, () => void refreshJobs())
    }
    connection().onChange((s) => {
      // Back after a drop (a restarted server, a restarted core process): jobs that were
      // running may be gone, counts may have moved.
      const back = s === 'open' && conn.value === 'reconnecting'
      conn.value = s
      attempts.value = connection().attempts
      reason.value = connection().reason
      if (back) void refreshAll()
    })
    void refreshAll()
  }

  return { info, stats, jobs, runningJobs, libraryEmpty, conn, attempts, reason, error, start, refreshAll, refreshStats, refreshJobs }
})
