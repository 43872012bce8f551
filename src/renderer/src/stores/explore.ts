// The Explore tab's state: near-duplicate clusters and decisions, the embeddings map and its
// background computation, the dashboard, and "why" heat maps (shared with the detail panel).
import { defineStore } from 'pinia'
import { ref, shallowRef, watch } from 'vue'
import type { Dashboard, DuplicateCluster, DuplicateDecision, ExploreFeatures, MapState, WhyResult } from '../../../shared/api'
import { api, bridge } from '../api/bridge'
import { genreFates } from '../lib/genre-renames'
import type { View } from '../lib/lasso'
import { useGenres } from './genres'
import { useToasts } from './toasts'

export type ExploreTab = 'map' | 'duplicates' | 'dashboard'

export const useExplore = defineStore('explore', () => {
  const toasts = useToasts()
  const tab = ref<ExploreTab>('map')

  // ---- near-duplicates ----
  const clusters = shallowRef<DuplicateCluster[] | null>(null)
  const coverage = ref<{ posters: number; embedded: number; features: ExploreFeatures } | null>(null)
  const decisions = shallowRef<DuplicateDecision[]>([])
  const loadingClusters = ref(false)
  const busy = ref(false)

  async function loadDuplicates() {
    loadingClusters.value = true
    try {
      const r = await api().explore.duplicates({})
      clusters.value = r.clusters
      coverage.value = { posters: r.posters, embedded: r.embedded, features: r.features }
      decisions.value = (await api().explore.decisions({ limit: 20 })).decisions
    } catch (err) {
      toasts.error('Could not find duplicates', err)
    } finally {
      loadingClusters.value = false
    }
  }

  async function resolve(args: { kind: 'merge'; members: string[]; keep: string; genres?: string[] } | { kind: 'distinct'; members: string[] }) {
    busy.value = true
    try {
      const { decision } = await api().explore.resolveDuplicates(args)
      toasts.info(decision.kind === 'merge' ? `Kept ${decision.keep}; ${decision.members.length - 1} removed (undo below)` : `Marked ${decision.members.length} posters distinct`)
      await loadDuplicates()
    } catch (err) {
      toasts.error(args.kind === 'merge' ? 'Could not merge' : 'Could not mark distinct', err)
    } finally {
      busy.value = false
    }
  }

  async function undo(id: number) {
    busy.value = true
    try {
      await api().explore.undoDuplicates({ id })
      toasts.info('Undone')
      await loadDuplicates()
    } catch (err) {
      toasts.error('Could not undo', err)
    } finally {
      busy.value = false
    }
  }

  // ---- the map ----
  const map = shallowRef<MapState | null>(null)
  const mapProgress = ref<{ stage: string; done: number; total: number } | null>(null)
  const mapError = ref<string | null>(null)
  // What the map is coloured by and where it is zoomed to: kept here, not in the panel, so a
  // poster opened from the map, another Explore tab or another view leaves them as they were.
  const mapColourBy = ref<'label' | 'prediction'>('label')
  const mapGenre = ref('')
  /** The zoom and pan the user chose; null: the whole map, fitted to the canvas whatever its size. */
  const mapView = shallowRef<View | null>(null)
  // A genre renamed while the map is coloured by it keeps colouring it under its new name; one
  // merged or deleted gives way to the first genre.
  const genres = useGenres()
  watch(
    () => genres.names,
    (names, before) => {
      const fate = before && genreFates(before, names).get(mapGenre.value)
      if (fate) mapGenre.value = fate
      else if (!names.includes(mapGenre.value)) mapGenre.value = names[0] ?? ''
    },
    { immediate: true },
  )

  async function loadMap() {
    try {
      map.value = await api().explore.map({})
      if (map.value.jobId && !mapProgress.value) mapProgress.value = { stage: 'reading', done: 0, total: 0 }
    } catch (err) {
      toasts.error('Could not load the map', err)
    }
  }

  async function computeMap(full: boolean) {
    mapError.value = null
    try {
      await api().explore.computeMap({ full })
      mapProgress.value = { stage: 'reading', done: 0, total: 0 }
    } catch (err) {
      toasts.error('Could not compute the map', err)
    }
  }

  // ---- the dashboard ----
  const dashboard = shallowRef<Dashboard | null>(null)
  async function loadDashboard() {
    try {
      dashboard.value = await api().explore.dashboard({})
    } catch (err) {
      toasts.error('Could not load the dashboard', err)
    }
  }

  // ---- why ----
  const why = shallowRef<WhyResult | null>(null)
  const whyJob = ref<string | null>(null)
  const whyProgress = ref<{ done: number; total: number } | null>(null)
  /** The poster being explained (one at a time): another poster's panel says so instead of showing its progress as its own. */
  const whyPoster = ref<string | null>(null)
  async function explain(id: string, genre: string) {
    why.value = null
    whyPoster.value = id
    whyProgress.value = { done: 0, total: 0 }
    try {
      whyJob.value = (await api().explore.why({ id, genre })).jobId
    } catch (err) {
      whyProgress.value = null
      toasts.error('Could not explain', err)
    }
  }

  let started = false
  function start() {
    if (started) return
    started = true
    bridge().on('map.progress', (e) => {
      if (e.status === 'running') mapProgress.value = { stage: e.stage, done: e.done, total: e.total }
      else {
        mapProgress.value = null
        if (e.status === 'failed') mapError.value = e.error
        void loadMap()
      }
    })
    bridge().on('why.progress', (e) => {
      if (e.jobId !== whyJob.value) return
      if (e.status === 'running') whyProgress.value = { done: e.done, total: e.total }
      else {
        whyProgress.value = null
        whyJob.value = null
        if (e.result) why.value = e.result
        else if (e.status === 'failed') toasts.error('Could not explain', e.error)
      }
    })
  }

  return {
    tab,
    clusters,
    coverage,
    decisions,
    loadingClusters,
    busy,
    loadDuplicates,
    resolve,
    undo,
    map,
    mapProgress,
    mapError,
    mapColourBy,
    mapGenre,
    mapView,
    loadMap,
    computeMap,
    dashboard,
    loadDashboard,
    why,
    whyProgress,
    whyPoster,
    explain,
    start,
  }
})
