// Grouped folds: duplicates and near-duplicates never straddle a split, and out-of-fold
// predictions really come from models that saw neither the poster nor its copies.
import { tfEngines } from '../../src/main/ml/train/head-tf'
import { describe, expect, it } from 'vitest'
import { duplicateGroups, MAX_NEAR_DUPLICATE_GROUP, nearDuplicatePairs } from '../../src/main/ml/train/groups'
import { assignFolds, outOfFold } from '../../src/main/ml/train/folds'
import { DEFAULT_HEAD, macroAp } from '../../src/main/ml/train/head'
import { loadTf } from '../../src/main/ml/train/tf-backend'
import { mulberry32 } from '../../src/shared/random'

function gaussian(seed: number) {
  const rand = mulberry32(seed)
  return () => Math.sqrt(-2 * Math.log(rand() + 1e-12)) * Math.cos(2 * Math.PI * rand())
}

/** `bases` random rows, each followed by `copies` near-copies (noise `noise` per value). */
function withCopies(bases: number, copies: number, d: number, noise: number, seed = 1) {
  const g = gaussian(seed)
  const n = bases * (1 + copies)
  const x = new Float32Array(n * d)
  for (let b = 0; b < bases; b++) {
    const base = Array.from({ length: d }, () => g())
    for (let c = 0; c <= copies; c++) {
      const r = b * (1 + copies) + c
      for (let k = 0; k < d; k++) x[r * d + k] = base[k] + (c ? noise * g() : 0)
    }
  }
  const items = Array.from({ length: n }, (_, i) => ({ id: `tt${String(i).padStart(7, '0')}`, hash: `h${i}` }))
  return { x, items, n }
}

describe('duplicate groups', () => {
  it('joins byte-identical posters (same hash) and near-identical embeddings, not unrelated ones', () => {
    const d = 64
    const { x, items, n } = withCopies(200, 1, d, 0.1)
    // Two unrelated posters share a hash: same artwork under two ids.
    items[10] = { ...items[10], hash: 'same' }
    items[31] = { ...items[31], hash: 'same' }
    const g = duplicateGroups(items, { x, dims: d })
    for (let b = 0; b < 200; b++) expect(g.of[2 * b + 1], `copy of ${b}`).toBe(g.of[2 * b])
    expect(g.of[10]).toBe(g.of[31])
    // 200 artworks, one pair of them joined by its hash.
    expect(g.count).toBe(199)
    expect(g.nearDuplicates).toBe(200)
    expect(g.keys[g.of[31]]).toBe(items[10].id) // a group is named by its smallest id
    expect(n).toBe(400)
  })

  it('caps groups built by similarity (chains of similar posters), never the hash groups', () => {
    const d = 64
    const { x, items } = withCopies(10, 19, d, 0.15, 2) // ten artworks, each with 19 near-copies
    for (let i = 0; i < 12; i++) items[i] = { ...items[i], hash: 'one-file' } // twelve byte-identical
    const g = duplicateGroups(items, { x, dims: d })
    const sizes = new Map<number, number>()
    for (const v of g.of) sizes.set(v, (sizes.get(v) ?? 0) + 1)
    expect(g.of.slice(0, 12).every((v) => v === g.of[0])).toBe(true)
    expect(sizes.get(g.of[0])).toBe(12) // the hash group, copies not added to it
    for (const [v, n] of sizes) if (v !== g.of[0]) expect(n).toBeLessThanOrEqual(MAX_NEAR_DUPLICATE_GROUP)
    // Every poster of an artwork still shares its group with at least one near-copy.
    expect([...sizes.values()].filter((n) => n === 1).length).toBeLessThan(10)
  })

  it.each([
    [0.9, 0.45],
    [0.7, 1.0],
  ])('finds exactly the pairs at or above cosine %s (the sketch filter drops none)', (bound, noise) => {
    const d = 96
    // Copies whose similarity straddles the bound.
    const { x } = withCopies(150, 1, d, noise, 5)
    const n = x.length / d
    const mean = new Float64Array(d)
    for (let r = 0; r < n; r++) for (let k = 0; k < d; k++) mean[k] += x[r * d + k] / n
    const unit = (r: number) => {
      const v = Array.from({ length: d }, (_, k) => x[r * d + k] - mean[k])
      const s = Math.hypot(...v)
      return v.map((a) => a / s)
    }
    const brute: string[] = []
    for (let i = 0; i < n; i++)
      for (let j = i + 1; j < n; j++) {
        const a = unit(i)
        const b = unit(j)
        if (a.reduce((s, v, k) => s + v * b[k], 0) >= bound) brute.push(`${i}-${j}`)
      }
    expect(brute.length).toBeGreaterThan(20)
    expect(brute.length).toBeLessThan(150)
    expect(nearDuplicatePairs(x, d, bound).map(([i, j]) => `${i}-${j}`)).toEqual(brute)
  })
})

describe('grouped folds', () => {
  const d = 32
  const { x, items } = withCopies(300, 2, d, 0.05, 9)
  const groups = duplicateGroups(items, { x, dims: d })

  it('keep every group in one fold, balanced and seeded', () => {
    const fold = assignFolds(groups, 5, 1)
    const foldOfGroup = new Map<number, number>()
    groups.of.forEach((g, i) => {
      if (foldOfGroup.has(g)) expect(fold[i]).toBe(foldOfGroup.get(g))
      else foldOfGroup.set(g, fold[i])
    })
    const sizes = [0, 1, 2, 3, 4].map((f) => fold.filter((v) => v === f).length)
    expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(3)
    expect(assignFolds(groups, 5, 1)).toEqual(fold)
    expect(assignFolds(groups, 5, 2)).not.toEqual(fold)
  })

  it('out-of-fold predictions do not leak through near-copies (random labels score at chance)', async () => {
    const { tf } = await loadTf()
    // Labels are random per artwork (copies share them): nothing generalises, only memorising
    // a copy seen in training could score.
    const G = 3
    const rand = mulberry32(4)
    const y = new Float32Array(items.length * G)
    for (let b = 0; b < 300; b++) for (let c = 0; c < G; c++) if (rand() < 0.3) for (let k = 0; k < 3; k++) y[(b * 3 + k) * G + c] = 1
    const cfg = { ...DEFAULT_HEAD, hidden: 64, epochs: 40, patience: 40, lr: 0.01, weightDecay: 0, batchSize: 64 }
    const byHashOnly = duplicateGroups(items) // copies have distinct hashes: a leaky split
    const leaky = await outOfFold(tfEngines(tf), { x, y, dims: d, genres: G, groups: byHashOnly }, cfg, 5, 1)
    const grouped = await outOfFold(tfEngines(tf), { x, y, dims: d, genres: G, groups }, cfg, 5, 1)
    const leakyAp = macroAp(leaky.oof, y, G)
    const groupedAp = macroAp(grouped.oof, y, G)
    expect(leakyAp).toBeGreaterThan(0.6) // memorised copies
    expect(groupedAp).toBeLessThan(0.45) // chance is ~0.3
    expect(grouped.bestEpochs).toHaveLength(5)
    // Repeated on fresh folds, each row's probabilities average two models that never saw it
    // nor its copies: still at chance, from twice the models.
    const repeated = await outOfFold(tfEngines(tf), { x, y, dims: d, genres: G, groups }, cfg, 5, 1, {}, 2)
    expect(macroAp(repeated.oof, y, G)).toBeLessThan(0.45)
    expect(repeated.bestEpochs).toHaveLength(10)
    expect(repeated.fold).toEqual(grouped.fold) // the first repeat's folds are the ones reported
  }, 180_000)

  it('repeated cross-validation averages models that never saw the row: steadier than one', async () => {
    const { tf } = await loadTf()
    // A learnable task: the repeated estimate's probabilities are the mean of two held-out
    // models, so they score at least as well as one cross-validation's (up to noise) and differ.
    const G = 2
    const n = 300
    const dd = 12
    const gx = gaussian(9)
    const xs = new Float32Array(n * dd).map(() => gx())
    const ys = new Float32Array(n * G)
    for (let i = 0; i < n; i++) {
      ys[i * G] = xs[i * dd] + 0.8 * gx() > 0 ? 1 : 0
      ys[i * G + 1] = xs[i * dd + 1] - xs[i * dd + 2] + gx() > 0.8 ? 1 : 0
    }
    const own = duplicateGroups(Array.from({ length: n }, (_, i) => ({ id: `p${i}`, hash: `h${i}` })))
    const cfg = { ...DEFAULT_HEAD, hidden: 16, epochs: 15, patience: 3, lr: 0.01, batchSize: 32 }
    const once = await outOfFold(tfEngines(tf), { x: xs, y: ys, dims: dd, genres: G, groups: own }, cfg, 5, 3)
    const twice = await outOfFold(tfEngines(tf), { x: xs, y: ys, dims: dd, genres: G, groups: own }, cfg, 5, 3, {}, 2)
    expect(twice.oof).not.toEqual(once.oof)
    for (const p of twice.oof) expect(p >= 0 && p <= 1).toBe(true)
    expect(macroAp(twice.oof, ys, G)).toBeGreaterThan(macroAp(once.oof, ys, G) - 0.02)
    expect(macroAp(twice.oof, ys, G)).toBeGreaterThan(0.6)
  }, 120_000)
})

/** Two-genre rows whose genres follow the first two features (with `noise`), as a Gaussian cloud. */
function twoGenreRows(n: number, d: number, seed: number, noise: number) {
  const G = 2
  const g = gaussian(seed)
  const x = new Float32Array(n * d).map(() => g())
  const y = new Float32Array(n * G)
  for (let i = 0; i < n; i++) {
    y[i * G] = x[i * d] + noise * g() > 0 ? 1 : 0
    y[i * G + 1] = x[i * d + 1] + noise * g() > 0.5 ? 1 : 0
  }
  return { x, y }
}

/** The worker's cross-validated training on rows `x` (its weights in a temporary folder). */
async function trainCv(args: Record<string, unknown>, x: Float32Array) {
  const { methods } = await import('../../src/main/ml/worker/methods')
  const { mkdtempSync, rmSync } = await import('node:fs')
  const { tmpdir } = await import('node:os')
  const { join } = await import('node:path')
  const dir = mkdtempSync(join(tmpdir(), 'posterity-cv-'))
  try {
    const n = (args.y as Float32Array).length / 2
    const done = await methods.trainCv(
      { genres: ['A', 'B'], items: Array.from({ length: n }, (_, i) => ({ id: `p${i}`, hash: `h${i}` })), ensemble: 1, prior: [0.5, 0.3], weightsDir: dir, replicates: 20, ...args } as never,
      { signal: new AbortController().signal, data: x, progress: () => undefined },
    )
    return done as { evaluation: import('../../src/shared/api').ModelEvaluation; oof: Float32Array; fold: number[] }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

describe('cross-validated training with accepted predictions included', () => {
  it('trains on them but scores only the human-labelled rows against human labels', async () => {
    const d = 16
    const G = 2
    const n = 200
    const { x, y: human } = twoGenreRows(n, d, 7, 0)
    // The last 50 rows are labelled only by accepted predictions, which say genre 1 everywhere.
    const y = human.slice()
    for (let i = 150; i < n; i++) y[i * G + 1] = 1
    const rows = Array.from({ length: 150 }, (_, i) => i)
    const done = await trainCv({ dims: d, y, folds: 3, head: { epochs: 5, hidden: 0 }, evaluation: { y: human, rows } }, x)
    expect(done.evaluation.posters).toBe(150)
    const humanB = rows.reduce((s, i) => s + human[i * G + 1], 0)
    expect(done.evaluation.genres.find((m) => m.genre === 'B')!.support).toBe(humanB)
    expect(done.oof.length).toBe(n * G) // every row still gets out-of-fold probabilities
  }, 60_000)
})

describe('figures of a cross-validation dealt twice', () => {
  it('are carried to the kept ensemble (refit + every fold model), the measured ones kept beside', async () => {
    const { honestEvaluation } = await import('../../src/main/ml/eval/honest')
    const d = 16
    const { x, y } = twoGenreRows(240, d, 11, 0.8)
    const done = await trainCv({ dims: d, y, folds: 3, repeats: 2, foldEnsemble: true, head: { epochs: 6, hidden: 0 } }, x)
    const ev = done.evaluation
    expect(ev.ensemble?.members).toBe(7)
    expect(ev.ensemble?.deals).toBe(2)
    // The measured figures are those of the stored out-of-fold probabilities (the deals' mean).
    const measured = honestEvaluation(done.oof, y, ['A', 'B'], Int32Array.from(done.fold), 3, [0.5, 0.3], { replicates: 0 }).evaluation.model
    expect(ev.ensemble!.outOfFold.macroAp).toBeCloseTo(measured.macroAp, 10)
    expect(ev.model.macroAp).not.toBe(measured.macroAp)
  }, 60_000)
})
