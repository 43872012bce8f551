// The genre model as the Train view sees it: backbone and backends, the run history, the
// training job with its live curves, prediction jobs, and the backbone download.
import { defineStore } from 'pinia'
import { computed, ref, shallowRef } from 'vue'
import type { AcceptRequest, AcceptResult, EpochPoint, GenreErrors, ModelStatus, RunDetail, RunSummary, TrainRequest } from '../../../shared/api'
import { ApiError } from '../../../shared/api'
import { api, bridge } from '../api/bridge'
import { onLibraryChange } from '../api/library-changes'
import { posters } from '../lib/count'
import { useToasts } from './toasts'

/** What the Train view chooses of a training request (includePredictions: learn from accepted predictions too). */
export type TrainOptions = Required<Pick<TrainRequest, 'kind' | 'seed'>> & Pick<TrainRequest, 'epochs' | 'includePredictions'>

export type AcceptOptions = Required<Pick<AcceptRequest, 'minProbability' | 'maxGenres'>>

/** Corrections since the active run after which the app offers to retrain. */
export const RETRAIN_AFTER = 50

/** Errors of a genre listed at a time (each side), and at most (model.errors' limit). */
export const ERRORS_PAGE = 60
const ERRORS_MAX = 5000

/** The `fold` of a refit member (trained on every poster, no validation set). */
export const REFIT = 'refit on all posters'

export const useModel = defineStore('model', () => {
  const toasts = useToasts()

  const status = shallowRef<ModelStatus | null>(null)
  const runs = shallowRef<RunSummary[]>([])
  /** The run whose details (per-genre AP, curves) are shown. */
  const selected = shallowRef<RunDetail | null>(null)
  /** Up to two run ids compared side by side. */
  const compare = ref<number[]>([])
  const compared = shallowRef<RunDetail[]>([])

  const trainJob = ref<string | null>(null)
  /** A train request is on its way: a second click must not send another (the server would refuse it). */
  const starting = ref(false)
  const stage = ref<'embedding' | 'training' | null>(null)
  const embedDone = ref(0)
  const embedTotal = ref(0)
  /** Live curve of the running training, one point per epoch. */
  const live = shallowRef<EpochPoint[]>([])
  /** Each fold's (and the refit's) curve so far: folds train side by side, in two threads. */
  const curves = new Map<string, EpochPoint[]>()
  const eta = ref<number | null>(null)
  /** Where the running epoch is, for models whose epochs take minutes (the CNN). */
  const batch = ref<{ epoch: number; index: number; of: number; loss: number } | null>(null)
  const maxEpochs = ref(0)
  const backend = ref<string | null>(null)
  /** Cross-validation stage of the running training ("fold 2 of 5", "refit"), '' otherwise. */
  const fold = ref('')
  /** The curve followed is a refit's (on every poster): it has no held-out posters, so no validation figures. */
  const refit = computed(() => fold.value === REFIT)

  const predictJob = ref<string | null>(null)
  const predictDone = ref(0)
  const predictTotal = ref(0)

  const downloadJob = ref<string | null>(null)
  const downloadReceived = ref(0)
  const downloadTotal = ref(0)
  const error = ref<string | null>(null)

  /** The active run when a retrain was started from the offer: compared with the new run after. */
  const retrainFrom = ref<number | null>(null)
  /** The genre whose out-of-fold errors are listed (a click on its AP bar). */
  const errors = shallowRef<GenreErrors | null>(null)

  /** The genres the active run predicts (what Why can explain); empty with no active run. */
  const activeGenres = shallowRef<string[]>([])
  let activeGenresOf: number | null = null
  async function loadActiveGenres(id: number | null) {
    if (id === activeGenresOf) return
    activeGenresOf = id
    if (id === null) return void (activeGenres.value = [])
    try {
      const d = selected.value?.id === id ? selected.value : await api().model.run({ id })
      if (activeGenresOf === id) activeGenres.value = d.genres
    } catch {
      if (activeGenresOf === id) activeGenresOf = null
    }
  }

  const training = computed(() => trainJob.value !== null)
  const offerRetrain = computed(() => !!status.value?.activeRun && !trainJob.value && (status.value?.correctionsSinceActive ?? 0) >= RETRAIN_AFTER)
  const active = computed(() => runs.value.find((r) => r.active) ?? null)

  async function refresh() {
    try {
      const [s, r] = await Promise.all([api().model.status({}), api().model.runs({})])
      status.value = s
      runs.value = r.runs
      const t = s.jobs.find((j) => j.kind === 'train')
      if (t && !trainJob.value) trainJob.value = t.jobId
      if (!selected.value && r.runs.length) await select((r.runs.find((x) => x.active) ?? r.runs[0]).id)
      await loadActiveGenres(s.activeRun)
      error.value = null
    } catch (err) {
      error.value = err instanceof Error ? err.message : String(err)
    }
  }

  async function select(id: number) {
    try {
      selected.value = await api().model.run({ id })
    } catch (err) {
      toasts.error(`Could not load run ${id}`, err)
    }
  }

  /** The shown runs read again (their genre names follow renames); the error list keeps its output. */
  async function rereadRuns() {
    const before = selected.value
    if (before) {
      try {
        const now = await api().model.run({ id: before.id })
        if (selected.value?.id !== before.id) return
        selected.value = now
        const shown = errors.value
        if (shown && shown.runId === now.id) {
          const i = before.genres.findIndex((g) => g.toLowerCase() === shown.genre.toLowerCase())
          const name = i >= 0 ? now.genres[i] : undefined
          if (name !== shown.genre) await showErrors(name ?? null)
        }
      } catch {
        // The run was deleted meanwhile: refresh() says so.
      }
    }
    if (compare.value.length) compared.value = await Promise.all(compare.value.map((x) => api().model.run({ id: x }))).catch(() => compared.value)
    activeGenresOf = null
    await loadActiveGenres(status.value?.activeRun ?? null)
  }

  async function toggleCompare(id: number) {
    compare.value = compare.value.includes(id) ? compare.value.filter((x) => x !== id) : [...compare.value, id].slice(-2)
    compared.value = await Promise.all(compare.value.map((x) => api().model.run({ id: x })))
  }

  async function train(opts: TrainOptions, fromOffer = false) {
    // A double click, or a click while a job runs: ignored here rather than refused by the server.
    if (starting.value || trainJob.value) return
    starting.value = true
    const before = { stage: stage.value, retrainFrom: retrainFrom.value }
    try {
      live.value = []
      curves.clear()
      fold.value = ''
      batch.value = null
      eta.value = null
      stage.value = opts.kind === 'head' ? 'embedding' : 'training'
      retrainFrom.value = fromOffer ? (status.value?.activeRun ?? null) : null
      // A library's first model: a quick fit is active with predictions at once, the cross-validated run follows.
      const quick = status.value?.activeRun === null
      const r = await api().model.train({ kind: opts.kind, epochs: opts.epochs, seed: opts.seed, includePredictions: opts.includePredictions ?? false, quick })
      trainJob.value = r.jobId
    } catch (err) {
      stage.value = before.stage
      retrainFrom.value = before.retrainFrom
      if (err instanceof ApiError && err.code === 'conflict') {
        // Started elsewhere (another window or tab): follow that job instead of reporting a failure.
        toasts.info('A training run is already in progress; showing it')
        await refresh()
      } else toasts.error('Training could not start', err)
    } finally {
      starting.value = false
    }
  }

  async function cancel(jobId: string | null) {
    if (!jobId) return
    try {
      await api().jobs.cancel({ jobId })
    } catch (err) {
      toasts.error('Could not cancel', err)
    }
  }

  async function activate(id: number) {
    try {
      await api().model.activate({ id })
      await refresh()
    } catch (err) {
      toasts.error('Could not activate the run', err)
    }
  }

  async function remove(id: number) {
    try {
      await api().model.deleteRun({ id })
      if (selected.value?.id === id) selected.value = null
      compare.value = compare.value.filter((x) => x !== id)
      compared.value = compared.value.filter((x) => x.id !== id)
      await refresh()
    } catch (err) {
      toasts.error('Could not delete the run', err)
    }
  }

  async function predict(scope: 'all' | 'unlabelled' | 'selection', ids?: string[]) {
    try {
      predictDone.value = 0
      predictTotal.value = 0
      predictJob.value = (await api().model.predict({ scope, ids })).jobId
    } catch (err) {
      toasts.error('Prediction could not start', err)
    }
  }

  /**
   * Accepts the active model's predictions on these posters under the acceptance rule (one
   * undo step); with `dryRun` only computes what would change (the preview).
   */
  async function accept(ids: string[], opts: AcceptOptions, dryRun: boolean): Promise<AcceptResult | null> {
    try {
      const r = await api().model.accept({ ids, minProbability: opts.minProbability, maxGenres: opts.maxGenres, dryRun, sample: 20 })
      if (!dryRun) {
        const skipped = r.skipped ? `; ${r.skipped.toLocaleString()} skipped, left as they were` : ''
        toasts.info(r.changed.length ? `Accepted predictions on ${posters(r.changed.length)}${skipped} (undo with Ctrl+Z)` : 'Nothing to accept: no poster changed')
      }
      return r
    } catch (err) {
      toasts.error(dryRun ? 'Could not preview the acceptance' : 'Could not accept the predictions', err)
      return null
    }
  }

  /**
   * Lists a genre's out-of-fold false positives and negatives of the shown run, the `limit`
   * most confident of each side (a page more with moreErrors()).
   */
  async function showErrors(genre: string | null, limit = ERRORS_PAGE) {
    if (!genre || !selected.value) {
      errors.value = null
      return
    }
    try {
      errors.value = await api().model.errors({ runId: selected.value.id, genre, limit: Math.min(limit, ERRORS_MAX) })
    } catch (err) {
      errors.value = null
      toasts.error(`Could not list the errors of ${genre}`, err)
    }
  }

  /** The next page of the errors listed: ERRORS_PAGE more of each side. */
  async function moreErrors() {
    const e = errors.value
    if (!e) return
    await showErrors(e.genre, Math.max(e.falsePositives.length, e.falseNegatives.length) + ERRORS_PAGE)
  }

  async function download() {
    try {
      downloadJob.value = (await api().model.downloadBackbone({})).jobId
    } catch (err) {
      toasts.error('The download could not start', err)
    }
  }

  async function importFile(path: string) {
    try {
      const r = await api().model.importBackbone({ path })
      toasts.info(`Backbone imported: ${r.note}`)
      await refresh()
    } catch (err) {
      toasts.error('The model file was not imported', err)
    }
  }

  let listening = false
  function listen() {
    if (listening) return
    listening = true
    const b = bridge()
    b.on('embed.progress', (p) => {
      if (p.jobId !== trainJob.value) return
      stage.value = 'embedding'
      embedDone.value = p.done
      embedTotal.value = p.total
    })
    b.on('train.progress', (p) => {
      if (p.jobId !== trainJob.value) return
      stage.value = 'training'
      eta.value = p.etaSeconds
      backend.value = p.backend
      maxEpochs.value = p.maxEpochs
      // Inside an epoch: the batch counter moves, the curves wait for the epoch's end.
      batch.value = p.batch ? { epoch: p.epoch, index: p.batch.index, of: p.batch.of, loss: p.loss } : null
      if (p.batch) return
      const again = p.repeats && p.repeats > 1 ? `, repeat ${p.repeat! + 1} of ${p.repeats}` : ''
      const f = p.folds === undefined ? '' : p.fold! < p.folds ? `fold ${p.fold! + 1} of ${p.folds}${again}` : REFIT
      // Each fold (and the refit) draws its own curve. Two train at once: the chart follows the
      // one that started last, the others' points are kept without switching back and forth.
      if (!curves.has(f)) {
        curves.set(f, [])
        fold.value = f
      }
      curves.set(f, [...curves.get(f)!, { epoch: p.epoch, loss: p.loss, valLoss: p.valLoss, valMacroAp: p.macroAp, seconds: 0 }])
      live.value = curves.get(fold.value) ?? []
      eta.value = p.etaSeconds
      maxEpochs.value = p.maxEpochs
      backend.value = p.backend
    })
    b.on('train.finished', (f) => {
      if (f.jobId !== trainJob.value) return
      trainJob.value = null
      stage.value = null
      const from = retrainFrom.value
      retrainFrom.value = null
      // After a retrain from the offer: the runs before and after, side by side.
      if (f.status === 'done' && f.runId !== null && from !== null) {
        compare.value = []
        void toggleCompare(from).then(() => toggleCompare(f.runId!))
      }
      if (f.status === 'done' && f.model) toasts.info(`Model trained: macro-AP ${f.model.macroAp.toFixed(3)}${f.note ? ` — ${f.note}` : ''}`)
      else if (f.status === 'failed') toasts.error('Training failed', f.error ?? 'unknown error')
      else if (f.status === 'cancelled') toasts.info('Training cancelled; the previous model stays active')
      selected.value = null
      void refresh()
    })
    // Label edits move the corrections count behind the retrain offer.
    let statusTimer: ReturnType<typeof setTimeout> | null = null
    onLibraryChange(
      (e) => {
        if (statusTimer) clearTimeout(statusTimer)
        statusTimer = setTimeout(() => {
          statusTimer = null
          void api()
            .model.status({})
            .then((st) => (status.value = st))
            .catch(() => undefined)
          if (e.reason === 'model') void refresh()
        }, 300)
      },
      ['labels', 'model'],
    )
    // A genre renamed (merged, deleted) or its undo: a run names its outputs as the library
    // spells them now, so the runs shown are read again, and an open error list follows its
    // genre to the new name (asking for the old one is refused: the run no longer knows it).
    onLibraryChange(() => void rereadRuns(), ['genres'])
    b.on('predict.progress', (p) => {
      if (p.jobId !== predictJob.value) return
      predictDone.value = p.done
      predictTotal.value = p.total
    })
    b.on('predict.finished', (f) => {
      if (f.jobId !== predictJob.value) return
      predictJob.value = null
      if (f.status === 'done') toasts.info(`Predicted ${posters(f.count)}`)
      else if (f.status === 'failed') toasts.error('Prediction failed', f.error ?? 'unknown error')
    })
    b.on('backbone.progress', (p) => {
      if (p.jobId !== downloadJob.value) return
      downloadReceived.value = p.received || downloadReceived.value
      downloadTotal.value = p.total || downloadTotal.value
      if (p.status !== 'running') {
        downloadJob.value = null
        if (p.status === 'failed') toasts.error('The backbone download failed', p.error ?? 'unknown error')
        void refresh()
      }
    })
    void refresh()
  }

  return {
    status,
    runs,
    selected,
    compare,
    compared,
    trainJob,
    starting,
    stage,
    embedDone,
    embedTotal,
    live,
    batch,
    eta,
    maxEpochs,
    backend,
    fold,
    refit,
    predictJob,
    predictDone,
    predictTotal,
    downloadJob,
    downloadReceived,
    downloadTotal,
    error,
    retrainFrom,
    errors,
    training,
    offerRetrain,
    active,
    activeGenres,
    refresh,
    select,
    toggleCompare,
    train,
    cancel,
    activate,
    remove,
    predict,
    accept,
    showErrors,
    moreErrors,
    download,
    importFile,
    listen,
  }
})
