// The Collection view's state: the open collection, its films, the model's plan for them,
// the review decisions, dry run, write-back and its undo, the genre map.
import { defineStore } from 'pinia'
import { computed, ref, shallowRef, watch } from 'vue'
import type { ExportFormat, Film, FilmPlan, GenreMapEntry, ScanSummary, WriteEntry, WriteResult } from '../../../shared/api'
import { api, bridge } from '../api/bridge'
import { onLibraryChange } from '../api/library-changes'
import { isChange } from '../lib/collection-view'
import { errorText, useToasts } from './toasts'

const LAST_ROOT = 'posterity.collection.root'

export const useCollection = defineStore('collection', () => {
  const toasts = useToasts()
  const root = ref<string>(localStorage.getItem(LAST_ROOT) ?? '')
  const roots = shallowRef<{ root: string; films: number; scannedAt: number | null }[]>([])
  const opened = ref<string | null>(null)
  const films = shallowRef<Film[]>([])
  const plans = shallowRef(new Map<number, FilmPlan>())
  const planError = ref<string | null>(null)
  const summary = shallowRef<ScanSummary | null>(null)
  const busy = ref<string | null>(null)
  const rule = ref({ minProbability: 0.5, maxGenres: 3, mode: 'replace' as 'replace' | 'merge' })
  const dryRun = shallowRef<WriteResult[] | null>(null)
  const lastWrite = shallowRef<{ results: WriteResult[]; written: number; failed: number } | null>(null)
  const writes = shallowRef<WriteEntry[]>([])
  const genreMap = shallowRef<GenreMapEntry[]>([])
  const progress = shallowRef<{ phase: string; done: number; total: number } | null>(null)

  const accepted = computed(() => films.value.filter((f) => f.decision === 'accept' && isChange(plans.value.get(f.id))))

  async function guard<T>(what: string, fn: () => Promise<T>): Promise<T | null> {
    busy.value = what
    progress.value = null
    try {
      return await fn()
    } catch (err) {
      toasts.error(`Could not ${what}`, err)
      return null
    } finally {
      busy.value = null
      progress.value = null
    }
  }

  async function loadRoots() {
    try {
      roots.value = (await api().collection.roots({})).roots
    } catch {
      /* the view still works by typing a folder */
    }
  }

  async function refreshFilms() {
    if (!opened.value) return
    // "Film 2" before "Film 10": folder names sort as people read them.
    const byKey = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' })
    films.value = (await api().collection.films({ root: opened.value })).films.sort((a, b) => byKey.compare(a.key, b.key))
  }

  /** Why the rule as typed cannot be used, or null. */
  function ruleProblem(): string | null {
    const { minProbability: p, maxGenres: k } = rule.value
    if (typeof p !== 'number' || !(p >= 0 && p <= 1)) return 'the minimum probability is a percentage from 0 to 100'
    if (!Number.isInteger(k) || k < 1 || k > 20) return 'the number of genres is a whole number from 1 to 20'
    return null
  }

  // Plans can overlap (a rule typed while a model event re-plans): only the latest one's answer
  // is shown, so a slow stale plan never replaces a newer one.
  let planSeq = 0
  async function refreshPlan() {
    if (!opened.value) return
    const seq = ++planSeq
    const bad = ruleProblem()
    if (bad) {
      plans.value = new Map()
      planError.value = bad
      return
    }
    try {
      const r = await api().collection.plan({ root: opened.value, rule: rule.value })
      if (seq !== planSeq) return
      plans.value = new Map(r.films.map((p) => [p.id, p]))
      planError.value = null
    } catch (err) {
      if (seq !== planSeq) return
      plans.value = new Map()
      planError.value = errorText(err)
    }
  }

  async function refreshWrites() {
    if (!opened.value) return
    writes.value = (await api().collection.writes({ root: opened.value })).entries
  }

  /** Opens (or re-scans) the folder in `root`. */
  async function open(folder = root.value) {
    const path = folder.trim()
    if (!path) {
      toasts.error('Type the folder of your movie collection first')
      return
    }
    const s = await guard('open the collection', () => api().collection.scan({ root: path }))
    if (!s) return
    summary.value = s
    opened.value = s.root
    root.value = s.root
    localStorage.setItem(LAST_ROOT, s.root)
    dryRun.value = null
    lastWrite.value = null
    await Promise.all([refreshFilms(), refreshWrites(), loadRoots(), loadGenreMap()])
    await refreshPlan()
  }

  async function decide(ids: number[], decision: Film['decision']) {
    if (!ids.length) return
    const ok = await guard('save the review', () => api().collection.decide({ ids, decision }))
    if (ok) await refreshFilms()
  }

  /** Bulk accept by rule: every film the rule gives a change to. */
  const acceptAllChanges = () => decide(films.value.filter((f) => isChange(plans.value.get(f.id)) && f.decision !== 'skip').map((f) => f.id), 'accept')

  async function preview() {
    if (!opened.value) return
    const r = await guard('make the dry run', () => api().collection.write({ root: opened.value!, rule: rule.value, scope: 'accepted', dryRun: true }))
    if (r) dryRun.value = r.results
  }

  async function write() {
    if (!opened.value) return
    const r = await guard('write the NFO files', () => api().collection.write({ root: opened.value!, rule: rule.value, scope: 'accepted', dryRun: false }))
    if (!r) return
    lastWrite.value = r
    dryRun.value = null
    if (r.failed) toasts.error(`${r.failed} file${r.failed === 1 ? '' : 's'} could not be written; the others were`)
    else toasts.info(`Wrote ${r.written} NFO file${r.written === 1 ? '' : 's'}`)
    await Promise.all([refreshFilms(), refreshWrites()])
    await refreshPlan()
  }

  async function undo(writeId?: number) {
    const r = await guard('undo the write-back', () => api().collection.undo(writeId === undefined ? {} : { writeId }))
    if (!r) return
    if (r.conflicts.length) toasts.error(`${r.conflicts.length} file${r.conflicts.length === 1 ? ' was' : 's were'} changed since and left alone: ${r.conflicts.map((c) => c.path).join(', ')}`)
    else toasts.info(`Put back ${r.restored} original${r.restored === 1 ? '' : 's'}${r.removed ? `, removed ${r.removed} created NFO${r.removed === 1 ? '' : 's'}` : ''}`)
    lastWrite.value = null
    await Promise.all([refreshFilms(), refreshWrites()])
    await refreshPlan()
  }

  async function loadGenreMap() {
    genreMap.value = (await api().collection.genreMap({})).entries
  }

  async function saveGenreMap(entries: GenreMapEntry[]) {
    const r = await guard('save the genre map', () => api().collection.setGenreMap({ entries }))
    if (!r) return false
    genreMap.value = r.entries
    await refreshPlan()
    return true
  }

  async function exportAs(format: ExportFormat) {
    if (!opened.value) return
    const r = await guard('export', () => api().collection.export({ root: opened.value!, format, rule: planError.value ? undefined : rule.value }))
    if (!r) return
    const blob = new Blob([r.text], { type: format === 'csv' ? 'text/csv' : 'application/json' })
    const a = document.createElement('a')
    a.href = URL.createObjectURL(blob)
    a.download = `collection-genres.${format}`
    a.click()
    setTimeout(() => URL.revokeObjectURL(a.href), 10_000)
  }

  // A new rule re-plans (debounced: the number inputs fire on every keystroke).
  let timer: ReturnType<typeof setTimeout> | null = null
  watch(
    rule,
    () => {
      if (timer) clearTimeout(timer)
      timer = setTimeout(() => void refreshPlan(), 250)
    },
    { deep: true },
  )
  bridge().on('collection.progress', (p) => {
    if (busy.value) progress.value = p
  })
  // A model trained or activated elsewhere changes the proposals.
  onLibraryChange((e) => {
    if (e.reason === 'model' && opened.value) void refreshPlan()
    // Another library was opened: its collections are its own.
    if (e.reason === 'library') {
      opened.value = null
      films.value = []
      plans.value = new Map()
      summary.value = null
      writes.value = []
      dryRun.value = null
      lastWrite.value = null
      void loadRoots()
      void loadGenreMap()
    }
  })

  return {
    root, roots, opened, films, plans, planError, summary, busy, progress, rule, dryRun, lastWrite, writes, genreMap, accepted,
    loadRoots, open, decide, acceptAllChanges, preview, write, undo, loadGenreMap, saveGenreMap, exportAs, refreshPlan,
  }
})
