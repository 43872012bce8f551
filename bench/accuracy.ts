// `npm run bench -- accuracy [--library DIR] [--seeds 1,2] [--variants a,b] [--cache DIR] [--replicates N] [--ft-epochs N] [--ft-lr R] [--ft-batch N] [--ft-wd W] [--title-scale shared|per-dim]`
// Which changes to the recipe raise macro-AP on posters the model never saw? For each split
// seed the human-labelled shared posters are split 80/20 by duplicate group (as `bench honest`
// does); every variant is trained on the 80% (5-fold cross-validation + refit, the product's
// recipe, unless the variant changes it) and scored on the 20%. Printed per variant: held-out
// macro-AP, micro-AP and hit@3 beside the frequency prior, the paired-bootstrap difference
// against the current recipe on the same posters (95% interval), and the seconds it took.
// Features come from a per-view cache (bench/_accuracy-views.ts), computed once into --cache.
import { tfEngines } from '../src/main/ml/train/head-tf'
import { join } from 'node:path'
import { tmpdir } from 'node:os'
import { loadavg } from 'node:os'
import { modelService } from '../src/main/ml/service/model-service'
import { prepareTrainingSet } from '../src/main/ml/service/train-job'
import { featureMatrix } from '../src/main/ml/service/data'
import { duplicateGroups, type Groups } from '../src/main/ml/train/groups'
import { seededUnit } from '../src/main/ml/train/split'
import { loadTf, type Tf } from '../src/main/ml/train/tf-backend'
import { DEFAULT_HEAD, predictHead, type HeadConfig, type HeadWeights } from '../src/main/ml/train/head'
import { crossValidate } from '../src/main/ml/train/folds'
import { inThreadRunner, type HeadRunner } from '../src/main/ml/train/head-pool'
import { evaluate } from '../src/main/ml/eval/metrics'
import { pairedMacroApDifference } from '../src/main/ml/eval/paired'
import { configuredModelsDir } from '../src/main/ml/backbone/resolve'
import { MOBILENET_V2 } from '../src/main/ml/backbone/catalog'
import { fineTuneLastConv } from './_accuracy-finetune'
import { viewCache, type ViewCache } from './_accuracy-views'
import { convBands, mapBands } from './_accuracy-bands'
import { option, sharedLibrary } from './_shared-library'
import { appendTitles, titleDropped, titledTrainingRows, usableTitle, TITLE_DIMS, TITLE_DROPOUT, type TitledPoster } from '../src/main/ml/text/title-features'

const f3 = (x: number) => x.toFixed(3)
const sign = (x: number) => (x >= 0 ? '+' : '') + x.toFixed(3)

const ALL_VARIANTS = ['current', 'folds', 'refit+folds', 'flip-tta', 'flip-avg', 'flip-aug', 'views4-avg', 'fill+cover', 'fill|cover', 'title', 'title+fc', 'title+f|c', 'finetune', 'bands', 'bands1280'] as const
type Variant = (typeof ALL_VARIANTS)[number]

function rowsOf(src: Float32Array, width: number, rows: number[]): Float32Array {
  const out = new Float32Array(rows.length * width)
  rows.forEach((r, i) => out.set(src.subarray(r * width, (r + 1) * width), i * width))
  return out
}

function mean(...xs: Float32Array[]): Float32Array {
  const out = new Float32Array(xs[0].length)
  for (const x of xs) for (let i = 0; i < out.length; i++) out[i] += x[i] / xs.length
  return out
}

/** Per-row concatenation of two matrices of widths a and b. */
function concatRows(x: Float32Array, a: number, y: Float32Array, b: number): Float32Array {
  const n = x.length / a
  const out = new Float32Array(n * (a + b))
  for (let i = 0; i < n; i++) {
    out.set(x.subarray(i * a, (i + 1) * a), i * (a + b))
    out.set(y.subarray(i * b, (i + 1) * b), i * (a + b) + a)
  }
  return out
}

/** The groups of a subset of rows (same groups, renumbered). */
function subGroups(groups: Groups, rows: number[]): Groups {
  const remap = new Map<number, number>()
  const keys: string[] = []
  const of = Int32Array.from(rows, (r) => {
    const g = groups.of[r]
    if (!remap.has(g)) {
      remap.set(g, keys.length)
      keys.push(groups.keys[g])
    }
    return remap.get(g)!
  })
  return { of, keys, count: keys.length, nearDuplicates: groups.nearDuplicates }
}

/** Groups of rows repeated `times` (augmented copies stay with their poster). */
function repeatGroups(groups: Groups, times: number): Groups {
  const of = new Int32Array(groups.of.length * times)
  for (let t = 0; t < times; t++) of.set(groups.of, t * groups.of.length)
  return { ...groups, of }
}

interface Recipe {
  refit: HeadWeights
  folds: HeadWeights[]
  oofMacroAp: number
  seconds: number
}

/**
 * The product's recipe on these rows: grouped 5-fold cross-validation, then the refit for the
 * epoch the pooled out-of-fold predictions chose. The runner is wrapped to keep each fold's head.
 */
async function recipe(tf: Tf, x: Float32Array, dims: number, y: Float32Array, g: number, groups: Groups, cfg: HeadConfig, trainRow?: Int32Array): Promise<Recipe> {
  const t0 = performance.now()
  const input = { x, y, dims, genres: g, groups, trainRow }
  const inner = inThreadRunner(tfEngines(tf), input)
  const folds: HeadWeights[] = []
  const runner: HeadRunner = {
    slots: inner.slots,
    close: () => inner.close(),
    run: async (task, hooks) => {
      const r = await inner.run(task, hooks)
      if (task.earlyStop.length) folds.push(r.weights)
      return r
    },
  }
  const cv = await crossValidate(runner, input, cfg, 5, cfg.seed, 1)
  const [refit] = await cv.refits
  // As the product reports it: genres with at least 5 positives averaged.
  const oofMacroAp = evaluate(cv.oof, y.subarray(0, cv.oof.length), Array.from({ length: g }, (_, c) => String(c)), new Array<number>(g).fill(0)).model.macroAp
  return { refit, folds, oofMacroAp, seconds: (performance.now() - t0) / 1000 }
}

/** A grouped tenth of `rows` (indices into `groups`) for early stopping, the rest to train. */
function earlyStopSplit(rows: number[], groups: Groups, seed: number): { train: number[]; earlyStop: number[] } {
  const train: number[] = []
  const earlyStop: number[] = []
  for (const r of rows) (seededUnit(seed, groups.keys[groups.of[r]]) < 0.1 ? earlyStop : train).push(r)
  return { train, earlyStop }
}

function ensemble(tf: Tf, heads: HeadWeights[], x: Float32Array): Float32Array {
  return mean(...heads.map((h) => predictHead(tf, h, x)))
}

export default async function main(args: string[]): Promise<number> {
  const lib = await sharedLibrary(args)
  if (!lib) return 1
  const opt = (name: string) => option(args, `--${name}`)
  const seeds = (opt('seeds') ?? '1,2').split(',').map(Number)
  const variants = (opt('variants')?.split(',') ?? ALL_VARIANTS) as Variant[]
  for (const v of variants) if (!ALL_VARIANTS.includes(v)) throw new Error(`unknown variant ${v}; known: ${ALL_VARIANTS.join(', ')}`)
  const replicates = Number(opt('replicates') ?? 1000)
  const cacheDir = opt('cache') ?? join(tmpdir(), 'posterity-accuracy-views')
  const { core } = lib
  try {
    const svc = modelService(core)
    const prep = prepareTrainingSet(svc, { splitSeed: 42, valFraction: 0.2 })
    const { posters, y, genres, prior } = prep
    const G = genres.length
    const cache: ViewCache = await viewCache(cacheDir, join(configuredModelsDir(), MOBILENET_V2.file), posters, (s) => console.log(s))
    const d = cache.dims
    // The cache's plain view must be the product's embedding (same graph, same preprocessing).
    // (Checked only when the library's feature set is the cache's one-view set; the variants read the cache alone.)
    if (svc.dims === d) {
      const product = await featureMatrix(core.db, svc.key, posters.slice(0, 50), svc.dims)
      let worst = 0
      for (let i = 0; i < product.length; i++) worst = Math.max(worst, Math.abs(product[i] - cache.views.fill[i]))
      console.log(`${posters.length} human-labelled posters, ${G} genres, ${d} features a view; cache vs the library's embeddings (50 posters): max |diff| ${worst.toExponential(2)}`)
    } else console.log(`${posters.length} human-labelled posters, ${G} genres, ${d} features a view (the library's own set has ${svc.dims}: not compared)`)
    const groups = duplicateGroups(posters, { x: cache.views.fill, dims: d })
    const meta = new Map((core.db.prepare('SELECT id, title, year FROM posters').all() as TitledPoster[]).map((r) => [r.id, r]))
    const titles: TitledPoster[] = posters.map((p) => meta.get(p.id) ?? { id: p.id, title: null, year: null })
    console.log(`${titles.filter(usableTitle).length} of ${posters.length} posters have a usable title; title block ${TITLE_DIMS} values, dropout ${TITLE_DROPOUT}`)
    const { tf, backend } = await loadTf()
    const cfg: HeadConfig = { ...DEFAULT_HEAD, seed: 1 }
    console.log(`${groups.count} duplicate groups; TensorFlow.js backend ${backend}; ${replicates} paired bootstrap replicates; load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}`)
    const cols = 7 // the map of a 224 x 320 input: 10 rows of 7 positions
    const bands320 = variants.includes('bands') ? mapBands(cache.map, posters.length, cols) : null
    let bands1280: Float32Array | null = null
    if (variants.includes('bands1280')) {
      const t0 = performance.now()
      bands1280 = await convBands(join(configuredModelsDir(), MOBILENET_V2.file), cache.map, posters.length, cols)
      // Check: the bands' row-weighted mean is the pooled embedding the cache holds (3, 4, 3 rows of 10).
      let worst = 0
      for (let i = 0; i < posters.length; i++)
        for (let c = 0; c < 1280; c++) {
          const m = (3 * bands1280[i * 3840 + c] + 4 * bands1280[i * 3840 + 1280 + c] + 3 * bands1280[i * 3840 + 2560 + c]) / 10
          worst = Math.max(worst, Math.abs(m - cache.views.fill[i * d + c]))
        }
      console.log(`band features of the 1280-channel map: ${((performance.now() - t0) / 1000).toFixed(0)} s; their mean vs the pooled embedding: max |diff| ${worst.toExponential(2)}`)
    }
    const summary: Record<string, { diff: number; lo: number }[]> = {}
    for (const seed of seeds) {
      const held: number[] = []
      const train: number[] = []
      posters.forEach((_p, i) => (seededUnit(1000 + seed, groups.keys[groups.of[i]]) < 0.2 ? held : train).push(i))
      const yTrain = rowsOf(y, G, train)
      const yHeld = rowsOf(y, G, held)
      const gTrain = subGroups(groups, train)
      const v = (name: keyof ViewCache['views'], rows: number[]) => rowsOf(cache.views[name], d, rows)
      const fillTrain = v('fill', train)
      const fillHeld = v('fill', held)
      console.log(`\nsplit ${seed}: train ${train.length}, held out ${held.length}; load average ${loadavg()[0].toFixed(1)}`)
      const results: { name: string; p: Float32Array; seconds: number; oof?: number }[] = []
      const report = (name: string, p: Float32Array, seconds: number, oof?: number) => {
        results.push({ name, p, seconds, oof })
        const ev = evaluate(p, yHeld, genres, prior)
        const base = results[0]
        const diff = base.name === name ? null : pairedMacroApDifference(base.p, p, yHeld, G, { replicates, seed: 11 + seed })
        if (diff) (summary[name] ??= []).push({ diff: diff.diff, lo: diff.interval[0] })
        console.log(
          `  ${name.padEnd(14)} macro-AP ${f3(ev.model.macroAp)} (prior ${f3(ev.prior.macroAp)}), micro-AP ${f3(ev.model.microAp)} (prior ${f3(ev.prior.microAp)}), hit@3 ${f3(ev.model.hit3)} (prior ${f3(ev.prior.hit3)})` +
            (diff ? `; vs current ${sign(diff.diff)} [${sign(diff.interval[0])}, ${sign(diff.interval[1])}]` : '') +
            (oof !== undefined ? `; out-of-fold ${f3(oof)}` : '') +
            `; ${seconds.toFixed(0)} s`,
        )
      }
      // The current recipe: the plain view, cross-validation + refit, the refit predicts.
      const cur = await recipe(tf, fillTrain, d, yTrain, G, gTrain, cfg)
      report('current', predictHead(tf, cur.refit, fillHeld), cur.seconds, cur.oofMacroAp)
      if (variants.includes('folds')) report('folds', ensemble(tf, cur.folds, fillHeld), 0)
      if (variants.includes('refit+folds')) report('refit+folds', ensemble(tf, [cur.refit, ...cur.folds], fillHeld), 0)
      if (variants.includes('flip-tta')) report('flip-tta', mean(predictHead(tf, cur.refit, fillHeld), predictHead(tf, cur.refit, v('fill-mirror', held))), 0)
      if (variants.includes('flip-avg')) {
        const r = await recipe(tf, mean(fillTrain, v('fill-mirror', train)), d, yTrain, G, gTrain, cfg)
        const xh = mean(fillHeld, v('fill-mirror', held))
        report('flip-avg', predictHead(tf, r.refit, xh), r.seconds, r.oofMacroAp)
        report('flip-avg+folds', ensemble(tf, [r.refit, ...r.folds], xh), 0)
      }
      if (variants.includes('flip-aug')) {
        // Both the poster and its mirror image train (as two rows of one group); both predict.
        const x2 = new Float32Array(2 * fillTrain.length)
        x2.set(fillTrain)
        x2.set(v('fill-mirror', train), fillTrain.length)
        const y2 = new Float32Array(2 * yTrain.length)
        y2.set(yTrain)
        y2.set(yTrain, yTrain.length)
        const r = await recipe(tf, x2, d, y2, G, repeatGroups(gTrain, 2), cfg)
        report('flip-aug', mean(predictHead(tf, r.refit, fillHeld), predictHead(tf, r.refit, v('fill-mirror', held))), r.seconds)
        const members = [r.refit, ...r.folds]
        report('flip-aug+folds', mean(ensemble(tf, members, fillHeld), ensemble(tf, members, v('fill-mirror', held))), 0)
      }
      if (variants.includes('views4-avg')) {
        const all = (rows: number[]) => mean(v('fill', rows), v('fill-mirror', rows), v('cover', rows), v('cover-mirror', rows))
        const r = await recipe(tf, all(train), d, yTrain, G, gTrain, cfg)
        report('views4-avg', predictHead(tf, r.refit, all(held)), r.seconds, r.oofMacroAp)
        report('views4+folds', ensemble(tf, [r.refit, ...r.folds], all(held)), 0)
      }
      if (variants.includes('fill+cover')) {
        const cat = (rows: number[]) => concatRows(mean(v('fill', rows), v('fill-mirror', rows)), d, mean(v('cover', rows), v('cover-mirror', rows)), d)
        const r = await recipe(tf, cat(train), 2 * d, yTrain, G, gTrain, cfg)
        report('fill+cover', predictHead(tf, r.refit, cat(held)), r.seconds, r.oofMacroAp)
        report('fill+cover+f', ensemble(tf, [r.refit, ...r.folds], cat(held)), 0)
      }
      if (variants.includes('fill|cover')) {
        // Two passes: the stretched and the centre-cropped resize side by side, no mirrors.
        const cat = (rows: number[]) => concatRows(v('fill', rows), d, v('cover', rows), d)
        const r = await recipe(tf, cat(train), 2 * d, yTrain, G, gTrain, cfg)
        report('fill|cover', predictHead(tf, r.refit, cat(held)), r.seconds, r.oofMacroAp)
        report('fill|cover+f', ensemble(tf, [r.refit, ...r.folds], cat(held)), 0)
      }
      // Titles: a hashed bag of the title's words, word pairs and trigrams (+ 5-year bucket)
      // after the image features, trained with title dropout; scored with titles, and blanked.
      const titled = (img: Float32Array, w: number, tag: string) => async () => {
        const ttrain = train.map((i) => titles[i])
        const tr = titledTrainingRows(img, w, yTrain, G, ttrain, (i) => titleDropped(cfg.seed, ttrain[i].id))
        // As the product trains it: the title block under one shared scale (--title-scale per-dim: standardised per bucket).
        const r = await recipe(tf, tr.x, tr.dims, tr.y, G, gTrain, { ...cfg, sharedScaleTail: opt('title-scale') === 'per-dim' ? 0 : TITLE_DIMS }, tr.trainRow)
        const xh = (blank: boolean) => appendTitles(heldOf(tag), w, held.map((i) => titles[i]), () => blank)
        report(tag, predictHead(tf, r.refit, xh(false)), r.seconds, r.oofMacroAp)
        report(`${tag}+f`, ensemble(tf, [r.refit, ...r.folds], xh(false)), 0)
        report(`${tag}-blank`, predictHead(tf, r.refit, xh(true)), 0)
        report(`${tag}-blank+f`, ensemble(tf, [r.refit, ...r.folds], xh(true)), 0)
      }
      const fc = (rows: number[]) => concatRows(mean(v('fill', rows), v('fill-mirror', rows)), d, mean(v('cover', rows), v('cover-mirror', rows)), d)
      const fAndC = (rows: number[]) => concatRows(v('fill', rows), d, v('cover', rows), d)
      const heldOf = (tag: string) => (tag === 'title+fc' ? fc(held) : tag === 'title+f|c' ? fAndC(held) : fillHeld)
      if (variants.includes('title')) await titled(fillTrain, d, 'title')()
      if (variants.includes('title+fc')) await titled(fc(train), 2 * d, 'title+fc')()
      if (variants.includes('title+f|c')) await titled(fAndC(train), 2 * d, 'title+f|c')()
      // Where on the poster: the plain features beside band means (top, middle, bottom) of the last map.
      for (const [tag, all] of [['bands', bands320], ['bands1280', bands1280]] as const) {
        if (!variants.includes(tag) || !all) continue
        const w = all.length / posters.length
        const cat = (rows: number[]) => concatRows(v('fill', rows), d, rowsOf(all, w, rows), w)
        const r = await recipe(tf, cat(train), d + w, yTrain, G, gTrain, cfg)
        report(tag, predictHead(tf, r.refit, cat(held)), r.seconds, r.oofMacroAp)
        report(`${tag}+f`, ensemble(tf, [r.refit, ...r.folds], cat(held)), 0)
      }
      if (variants.includes('finetune')) {
        const t0 = performance.now()
        const m = cache.map
        console.log(`    map cache: ${(m.fill.byteLength / 2 ** 20).toFixed(0)} MiB for ${posters.length} posters (uint8, ${m.hw} positions x ${m.channels} channels each; float32 would be 4x); the layer costs ${((2 * m.hw * m.channels * 1280) / 1e6).toFixed(0)} MFLOP a poster forward, about 3x that with its gradients`)
        const { train: ftTrain, earlyStop: stop } = earlyStopSplit(train.map((_, i) => i), gTrain, 1)
        const ft = await fineTuneLastConv(tf, {
          modelPath: join(configuredModelsDir(), MOBILENET_V2.file),
          maps: cache.map,
          x: cache.views.fill,
          y,
          dims: d,
          genres: G,
          train: ftTrain.map((i) => train[i]),
          stop: stop.map((i) => train[i]),
          epochs: Number(opt('ft-epochs') ?? 8),
          lr: opt('ft-lr') === undefined ? undefined : Number(opt('ft-lr')),
          batch: opt('ft-batch') === undefined ? undefined : Number(opt('ft-batch')),
          weightDecay: opt('ft-wd') === undefined ? undefined : Number(opt('ft-wd')),
          head: cfg,
          log: (s) => console.log(`    ${s}`),
        })
        report('finetune', await ft.predict(held), (performance.now() - t0) / 1000)
      }
    }
    if (seeds.length > 1) {
      console.log(`\nmean difference vs current over ${seeds.length} splits (noise: under 0.015):`)
      // Kept only when it clears the noise on at least two splits (>= 0.015) and is above 0 on every split.
      const bar = 0.015
      for (const [name, ds] of Object.entries(summary)) {
        const keep = ds.length >= 3 && ds.filter((x) => x.diff >= bar).length >= 2 && ds.every((x) => x.lo > 0)
        console.log(`  ${name.padEnd(16)} ${sign(ds.reduce((a, b) => a + b.diff, 0) / ds.length)} (${ds.map((x) => `${sign(x.diff)} lo ${sign(x.lo)}`).join(', ')})${ds.length >= 3 ? (keep ? '  clears the bar' : '  noise') : ''}`)
      }
    }
    return 0
  } finally {
    await lib.close()
  }
}
