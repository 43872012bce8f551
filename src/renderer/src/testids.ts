// Stable data-testid values for the end-to-end tests. Change them only together with the tests.
//
//   poster-grid          the virtualized grid (scroll container)
//   poster-card          one card; carries data-id="<poster id>"
//   search-input         title search
//   genre-filter-<Genre> genre filter checkbox, e.g. genre-filter-Drama
//   match-mode           select any / all / none
//   labelled-filter      select all / labelled / unlabelled
//   select-all           selects every poster the filter matches
//   bulk-genre-select    select of genres in the bulk bar
//   bulk-add             add that genre to the selection
//   bulk-remove          remove that genre from the selection
//   bulk-unlabel         returns the selection to unlabelled (Undo toast)
//   selection-count      "N selected"
//   poster-detail        the poster detail panel
//   detail-genre-<Genre> genre chip in the detail (aria-pressed = has the genre)
//   undo / redo          toolbar buttons
//   import-open          opens the import dialog
//   import-path          posters folder(s) field (one path per line)
//   import-labels        labels CSV field
//   import-metadata      metadata CSV field
//   import-start         starts the import
//   import-cancel        cancels the running import
//   import-progress      progress bar (role=progressbar, aria-valuenow)
//   import-summary       the end-of-import summary
//   status-bar           the status bar
//   genre-manager        the genre manager view
//   nav-library / nav-genres / nav-train / nav-review / nav-collection / nav-explore   top-level navigation
//   accept-max-genres / accept-min-pct      the acceptance rule for the selection (Train view)
//   accept-preview       computes the preview (writes nothing)
//   accept-preview-result the preview: counts, and one li[data-genre] per genre gained
//   accept-confirm / accept-cancel          write the previewed acceptance / drop it
//   accept-rule-problem  why the rule as typed cannot be used (Preview and Accept disabled)
//   run-metrics          a run's figures with their 95% intervals
//   errors-genre         picks the genre whose out-of-fold errors are listed
//   genre-errors         those lists (div[data-side=falsePositives|falseNegatives] of button[data-id])
//   retrain-offer        the offer to retrain after enough corrections (Train view)
//   retrain-hint         the same offer in the status bar elsewhere (opens the Train view)
//   toast-action         the button of a toast (e.g. Undo)
//   confirm-dialog / confirm-ok / confirm-cancel   the "are you sure" dialog
//   delete-selection     deletes the selected posters (asks first)
//   thumb-size           the thumbnail size slider
//   source-filter        select: posters with labels from a source
//   detail-edit / detail-title / detail-year / detail-save   title and year editing
//   library-open         opens the library dialog (libraries, export, imports)
//   library-path / library-open-path / library-create-path / library-recent   switching libraries
//   export-csv / export-json   label export downloads
//   import-row           a past import in the library dialog (data-id = import id); import-delete its delete button
//   genre-merge-<Genre> / genre-delete-<Genre>   the genre manager's row actions
//   collection-root      the collection folder field; collection-open opens / re-scans it
//   collection-summary   the scan summary; collection-problems the broken NFOs listed
//   film-row             one film; carries data-key="<video path under the root>"
//   film-accept / film-skip   review buttons in a film row (aria-pressed)
//   accept-all           bulk accept every film the rule changes
//   collection-dry-run / collection-write / collection-undo   write-back actions
//   dry-run-result       the per-film diffs of a dry run; write-result the write summary
//   min-prob / max-genres / write-mode   the acceptance rule
//   genre-map / genre-map-save           the genre map editor
//   review-view          the Review view
//   review-queue-<name>  queue picker button (suspect, uncertain, accepted), aria-checked
//   review-progress      "N of M reviewed"
//   review-current       the poster under review; carries data-id
//   review-labels        its labels (one element per label, data-genre)
//   review-accept        applies the suggestion
//   review-edit          one edit of the suggestion ("+ Action 97%")
//   review-why           why the poster is suspect (its whole label set, or one genre)
//   review-genre-<Genre> genre toggle in the Review view (aria-pressed)
//   review-probs         the probability bars
//   review-empty         the explanation shown when a queue has nothing (or no model)
//   review-done          "Queue done": shown once the session's last poster is handled
//   review-reload        ranks the queue again (in review-done)
//   review-switch-<name> switches to another queue, with its count (in review-done)
//   predicted-filter     library filter: genre the active model predicts
//   prediction-order     library order by a genre's probability or uncertainty
//   prediction-order-dir that order's direction (highest / lowest first)
//   prediction-coverage  the note that posters without a stored prediction are left out / last
//   genre-problem        why a new genre name is refused (genre manager)
//   similar-posters      the detail's similar posters; similar-item one of them (data-id)
//   similar-sort         sorts the grid by similarity to the detail's poster
//   similar-banner       above the grid while it is sorted by similarity; similar-clear ends it
//   why / why-run / why-result   the detail's occlusion heat map
//   explore-tab-<tab>    map / duplicates / dashboard inside the Explore view
//   map-canvas           the embeddings map; map-compute starts its computation; map-lasso the lasso mode
//   dup-cluster          one near-duplicate cluster (data-key); dup-keep-<id> its keep choice
//   dup-merge / dup-distinct   resolve a cluster; dup-undo-<decision id> undoes a decision
//   dashboard            the dashboard

export const T = {
  posterGrid: 'poster-grid',
  posterCard: 'poster-card',
  searchInput: 'search-input',
  genreFilter: (genre: string) => `genre-filter-${genre}`,
  matchMode: 'match-mode',
  labelledFilter: 'labelled-filter',
  selectAll: 'select-all',
  bulkGenreSelect: 'bulk-genre-select',
  bulkAdd: 'bulk-add',
  bulkRemove: 'bulk-remove',
  bulkUnlabel: 'bulk-unlabel',
  selectionCount: 'selection-count',
  posterDetail: 'poster-detail',
  detailGenre: (genre: string) => `detail-genre-${genre}`,
  undo: 'undo',
  redo: 'redo',
  importOpen: 'import-open',
  importPath: 'import-path',
  importLabels: 'import-labels',
  importMetadata: 'import-metadata',
  importStart: 'import-start',
  importCancel: 'import-cancel',
  importProgress: 'import-progress',
  importSummary: 'import-summary',
  statusBar: 'status-bar',
  genreManager: 'genre-manager',
  navLibrary: 'nav-library',
  navGenres: 'nav-genres',
  navTrain: 'nav-train',
  acceptMaxGenres: 'accept-max-genres',
  acceptMinPct: 'accept-min-pct',
  acceptPreview: 'accept-preview',
  acceptPreviewResult: 'accept-preview-result',
  acceptConfirm: 'accept-confirm',
  acceptCancel: 'accept-cancel',
  acceptRuleProblem: 'accept-rule-problem',
  runMetrics: 'run-metrics',
  errorsGenre: 'errors-genre',
  genreErrors: 'genre-errors',
  retrainOffer: 'retrain-offer',
  retrainHint: 'retrain-hint',
  toastAction: 'toast-action',
  confirmDialog: 'confirm-dialog',
  confirmOk: 'confirm-ok',
  confirmCancel: 'confirm-cancel',
  deleteSelection: 'delete-selection',
  thumbSize: 'thumb-size',
  sourceFilter: 'source-filter',
  detailEdit: 'detail-edit',
  detailTitle: 'detail-title',
  detailYear: 'detail-year',
  detailSave: 'detail-save',
  libraryOpen: 'library-open',
  libraryPath: 'library-path',
  libraryOpenPath: 'library-open-path',
  libraryCreatePath: 'library-create-path',
  libraryRecent: 'library-recent',
  exportCsv: 'export-csv',
  exportJson: 'export-json',
  importRow: 'import-row',
  importDelete: 'import-delete',
  genreMerge: (genre: string) => `genre-merge-${genre}`,
  genreDelete: (genre: string) => `genre-delete-${genre}`,
  navCollection: 'nav-collection',
  collectionRoot: 'collection-root',
  collectionOpen: 'collection-open',
  collectionSummary: 'collection-summary',
  collectionProblems: 'collection-problems',
  filmRow: 'film-row',
  filmAccept: 'film-accept',
  filmSkip: 'film-skip',
  acceptAll: 'accept-all',
  collectionDryRun: 'collection-dry-run',
  collectionWrite: 'collection-write',
  collectionUndo: 'collection-undo',
  dryRunResult: 'dry-run-result',
  dryRunOther: 'dry-run-other',
  writeResult: 'write-result',
  minProb: 'min-prob',
  maxGenres: 'max-genres',
  writeMode: 'write-mode',
  genreMap: 'genre-map',
  genreMapSave: 'genre-map-save',
  navReview: 'nav-review',
  reviewView: 'review-view',
  reviewQueue: (name: string) => `review-queue-${name}`,
  reviewProgress: 'review-progress',
  reviewCurrent: 'review-current',
  reviewLabels: 'review-labels',
  reviewAccept: 'review-accept',
  reviewEdit: 'review-edit',
  reviewWhy: 'review-why',
  reviewGenre: (genre: string) => `review-genre-${genre}`,
  reviewProbs: 'review-probs',
  reviewEmpty: 'review-empty',
  reviewDone: 'review-done',
  reviewReload: 'review-reload',
  reviewSwitch: (name: string) => `review-switch-${name}`,
  predictedFilter: 'predicted-filter',
  predictionOrder: 'prediction-order',
  predictionOrderDir: 'prediction-order-dir',
  predictionCoverage: 'prediction-coverage',
  genreProblem: 'genre-problem',
  navExplore: 'nav-explore',
  similarPosters: 'similar-posters',
  similarItem: 'similar-item',
  similarSort: 'similar-sort',
  similarBanner: 'similar-banner',
  similarClear: 'similar-clear',
  why: 'why',
  whyRun: 'why-run',
  whyResult: 'why-result',
  exploreTab: (tab: string) => `explore-tab-${tab}`,
  mapCanvas: 'map-canvas',
  mapCompute: 'map-compute',
  mapLasso: 'map-lasso',
  dupCluster: 'dup-cluster',
  dupKeep: (id: string) => `dup-keep-${id}`,
  dupMerge: 'dup-merge',
  dupDistinct: 'dup-distinct',
  dupUndo: (id: number) => `dup-undo-${id}`,
  dashboard: 'dashboard',
} as const
