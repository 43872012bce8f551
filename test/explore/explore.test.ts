// Explore on constructed embeddings written into a real library file: known neighbours, known
// duplicate clusters and their merge / distinct / undo, the map layout keeping separated
// groups apart, the dashboard's figures, and the two CLI commands.
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { mulberry32 } from '../../src/shared/random'
import type { Core } from '../../src/main/core'
import { modelService } from '../../src/main/ml/service/model-service'
import { putEmbeddings } from '../../src/main/ml/store/embeddings'
import { insertStubRun } from '../../src/main/ml/store/stub-run'
import { putPredictions } from '../../src/main/ml/store/runs'
import { clusterItems } from '../../src/main/ml/explore/duplicates'
import { nearDuplicatePairs, nearDuplicatePairsAsync } from '../../src/main/ml/train/groups'
import { placeAmong, umapLayout } from '../../src/main/ml/map-layout'
import { main as cli } from '../../src/main/cli/index'
import { call, open, recordEvents, seed, tempDir, type SeedPoster } from '../library/helpers'

let lib: { dir: string; cleanup: () => void }
let core: Core
beforeEach(() => {
  lib = tempDir('posterity-explore-')
  core = open(lib.dir)
})
afterEach(async () => {
  modelService(core).worker.stop()
  await core.close()
  lib.cleanup()
})

const rand = mulberry32(11)
const gauss = () => Math.sqrt(-2 * Math.log(rand() + 1e-12)) * Math.cos(2 * Math.PI * rand())

function randomVector(d: number): Float32Array {
  return Float32Array.from({ length: d }, () => gauss())
}
/** `base` plus noise of relative size `eps` (cosine ~ 1/sqrt(1+eps²) with the base). */
function near(base: Float32Array, eps: number): Float32Array {
  return base.map((v) => v + eps * gauss())
}

function embed(core: Core, rows: { hash: string; vector: Float32Array }[]): void {
  putEmbeddings(core.db, modelService(core).key, rows)
}

describe('similar posters', () => {
  it('returns the known neighbours nearest first, with their similarity, and follows new posters', async () => {
    const d = modelService(core).dims
    const base = randomVector(d)
    // p1..p5 at growing distance from the anchor; 300 unrelated posters around them.
    const posters: SeedPoster[] = [{ id: 'anchor', title: 'Anchor' }]
    const rows = [{ hash: 'hash-anchor', vector: base }]
    const eps = [0.2, 0.5, 0.8, 1.2, 1.8]
    eps.forEach((e, i) => {
      posters.push({ id: `p${i + 1}`, title: `Near ${i + 1}` })
      rows.push({ hash: `hash-p${i + 1}`, vector: near(base, e) })
    })
    for (let i = 0; i < 300; i++) {
      posters.push({ id: `x${i}`, genres: i % 2 ? ['Drama'] : null })
      rows.push({ hash: `hash-x${i}`, vector: randomVector(d) })
    }
    seed(core, posters)
    embed(core, rows)
    const r = await call(core, 'explore.similar', { id: 'anchor', k: 5 })
    expect(r.embedded).toBe(306)
    expect(r.neighbours.map((n: { id: string }) => n.id)).toEqual(['p1', 'p2', 'p3', 'p4', 'p5'])
    const sims = r.neighbours.map((n: { similarity: number }) => n.similarity)
    expect([...sims].sort((a, b) => b - a)).toEqual(sims)
    expect(sims[0]).toBeGreaterThan(0.95)
    expect(r.neighbours[0].title).toBe('Near 1')

    // A poster added later (closer than all) is found without reopening anything.
    seed(core, [{ id: 'late', title: 'Late' }])
    embed(core, [{ hash: 'hash-late', vector: near(base, 0.05) }])
    const again = await call(core, 'explore.similar', { id: 'anchor', k: 2 })
    expect(again.neighbours.map((n: { id: string }) => n.id)).toEqual(['late', 'p1'])

    // The grid order: the anchor first, then its neighbours, within the filter.
    const page = await call(core, 'explore.similarQuery', { id: 'anchor', limit: 4 })
    expect(page.items.map((p: { id: string }) => p.id)).toEqual(['anchor', 'late', 'p1', 'p2'])
    expect(page.total).toBe(307)
    const drama = await call(core, 'explore.similarIds', { id: 'anchor', genres: ['Drama'] })
    expect(drama.ids).toHaveLength(150)
    expect(drama.ids.every((id: string) => id.startsWith('x'))).toBe(true)
  })

  it('says clearly when the poster does not exist or cannot be embedded', async () => {
    seed(core, [{ id: 'a' }, { id: 'b' }])
    await expect(call(core, 'explore.similar', { id: 'nope' })).rejects.toThrow(/no poster "nope"/)
    // Nothing embedded at all: no neighbours, and no worker started for one poster.
    expect(await call(core, 'explore.similar', { id: 'a' })).toMatchObject({ embedded: 0, neighbours: [] })
    // Others embedded, this one not, and its file does not exist: an error that names the poster.
    embed(core, [{ hash: 'hash-b', vector: randomVector(modelService(core).dims) }])
    expect(await call(core, 'explore.similar', { id: 'a' })).toMatchObject({ embedded: 1, anchorEmbedded: false, neighbours: [] })
    await expect(call(core, 'explore.similar', { id: 'a', embed: true })).rejects.toThrow(/poster "a" could not be embedded|backbone is not installed/)
    await expect(call(core, 'explore.similar', { id: 'a', k: 0 })).rejects.toThrow(/k/)
  })
})

describe('near-duplicate clusters', () => {
  it('clusters byte-identical and near-identical rows, not merely similar ones, and keeps distinct sets apart', () => {
    const d = 64
    const a = randomVector(d)
    const b = randomVector(d)
    const rows = [a, near(a, 0.05), near(a, 1.5), b, near(b, 0.04), randomVector(d), randomVector(d), randomVector(d)]
    const items = rows.map((_, i) => ({ id: `p${i}`, hash: `h${i}` }))
    items.push({ id: 'copy', hash: 'h5' })
    const x = new Float32Array(rows.length * d)
    rows.forEach((r, i) => x.set(r, i * d))
    const emb = { rows: rows.map((_, i) => i), x, dims: d }
    const ids = (cs: { members: number[] }[]) => cs.map((c) => c.members.map((m) => items[m].id).sort()).sort()
    expect(ids(clusterItems(items, emb))).toEqual([['copy', 'p5'], ['p0', 'p1'], ['p3', 'p4']])
    expect(ids(clusterItems(items, emb, [['p3', 'p4']]))).toEqual([['copy', 'p5'], ['p0', 'p1']])
    expect(ids(clusterItems(items, null))).toEqual([['copy', 'p5']])
  })

  it('finds the same pairs when the search is sliced to let the event loop through', async () => {
    const d = 32
    const bases = Array.from({ length: 40 }, () => randomVector(d))
    const rows = [...bases, ...bases.slice(0, 15).map((b) => near(b, 0.1))]
    const x = new Float32Array(rows.length * d)
    rows.forEach((r, i) => x.set(r, i * d))
    const sync = nearDuplicatePairs(x, d, 0.8)
    expect(sync.length).toBeGreaterThanOrEqual(15)
    expect(await nearDuplicatePairsAsync(x, d, 0.8)).toEqual(sync)
  })

  it('merges a cluster (labels united, others removed), marks one distinct, and undoes both', async () => {
    const d = modelService(core).dims
    const a = randomVector(d)
    const posters: SeedPoster[] = [
      { id: 'a1', title: 'A', genres: ['Drama'] },
      { id: 'a2', title: 'A (copy)', genres: ['Romance'] },
      { id: 'a3', title: 'A (same file)', genres: null, hash: 'hash-a1' },
    ]
    const rows = [
      { hash: 'hash-a1', vector: a },
      { hash: 'hash-a2', vector: near(a, 0.05) },
    ]
    for (let i = 0; i < 40; i++) {
      posters.push({ id: `x${i}`, genres: ['Comedy'] })
      rows.push({ hash: `hash-x${i}`, vector: randomVector(d) })
    }
    seed(core, posters)
    embed(core, rows)
    const ev = recordEvents(core)
    const found = await call(core, 'explore.duplicates', {})
    expect(found.clusters.map((c: { members: { id: string }[] }) => c.members.map((m) => m.id))).toEqual([['a1', 'a2', 'a3']])
    expect(found.clusters[0].members[1].labels).toEqual([{ genre: 'Romance', source: 'imported' }])

    await expect(call(core, 'explore.resolveDuplicates', { kind: 'merge', members: ['a1', 'a2'], keep: 'zz' })).rejects.toThrow(/must be one of the members/)
    await expect(call(core, 'explore.resolveDuplicates', { kind: 'merge', members: ['a1', 'gone'], keep: 'a1' })).rejects.toThrow(/no such poster: gone/)
    expect((await call(core, 'library.stats', {})).posters).toBe(43)

    // A row elsewhere that points at a removed poster (its place on the map) comes back with it.
    core.db.prepare('INSERT INTO map_points (poster_id, x, y, computed_at) VALUES (?, 1.5, -2, 1)').run('a2')
    const { decision } = await call(core, 'explore.resolveDuplicates', { kind: 'merge', members: ['a1', 'a2', 'a3'], keep: 'a1' })
    expect(core.db.prepare('SELECT COUNT(*) FROM map_points').pluck().get()).toBe(0)
    expect(decision).toMatchObject({ kind: 'merge', keep: 'a1', undone: false })
    expect((await call(core, 'library.get', { id: 'a1' })).genres).toEqual(['Drama', 'Romance'])
    await expect(call(core, 'library.get', { id: 'a2' })).rejects.toThrow(/no poster/)
    expect((await call(core, 'library.stats', {})).posters).toBe(41)
    expect((await call(core, 'explore.duplicates', {})).clusters).toEqual([])
    expect(ev.of('library.changed').at(-1)).toMatchObject({ reason: 'posters' })

    await call(core, 'explore.undoDuplicates', { id: decision.id })
    expect((await call(core, 'library.get', { id: 'a1' })).genres).toEqual(['Drama'])
    const a2 = await call(core, 'library.get', { id: 'a2' })
    expect(a2.labels).toEqual([{ genre: 'Romance', source: 'imported' }])
    expect(a2.title).toBe('A (copy)')
    expect(core.db.prepare('SELECT x, y FROM map_points WHERE poster_id = ?').get('a2')).toEqual({ x: 1.5, y: -2 })
    expect((await call(core, 'library.get', { id: 'a3' })).duplicates).toEqual(['a1'])
    await expect(call(core, 'explore.undoDuplicates', { id: decision.id })).rejects.toThrow(/already undone/)

    // Distinct: the pair near-duplicate by embedding is no longer clustered; the identical file still is.
    const distinct = await call(core, 'explore.resolveDuplicates', { kind: 'distinct', members: ['a1', 'a2'] })
    expect((await call(core, 'explore.duplicates', {})).clusters.map((c: { members: { id: string }[] }) => c.members.map((m) => m.id))).toEqual([['a1', 'a3']])
    await call(core, 'explore.undoDuplicates', { id: distinct.decision.id })
    expect((await call(core, 'explore.duplicates', {})).clusters[0].members).toHaveLength(3)
    const { decisions } = await call(core, 'explore.decisions', {})
    expect(decisions.map((x: { kind: string; undone: boolean }) => [x.kind, x.undone])).toEqual([
      ['distinct', true],
      ['merge', true],
    ])
  })
})

describe('the map layout', () => {
  it('keeps separated groups apart and places new rows beside their group', () => {
    const d = 24
    const centres = [0, 1, 2].map(() => randomVector(d).map((v) => v * 3))
    const groupOf: number[] = []
    const rows: Float32Array[] = []
    for (let i = 0; i < 150; i++) {
      groupOf.push(i % 3)
      rows.push(near(centres[i % 3], 0.5))
    }
    const unit = (v: Float32Array) => {
      const n = Math.hypot(...v)
      return v.map((x) => x / n)
    }
    const x = new Float32Array(rows.length * d)
    rows.forEach((r, i) => x.set(unit(r), i * d))
    const xy = umapLayout(x, d, { seed: 3, nEpochs: 200 })
    const dist = (i: number, j: number) => Math.hypot(xy[2 * i] - xy[2 * j], xy[2 * i + 1] - xy[2 * j + 1])
    let within = 0, across = 0, nw = 0, na = 0
    for (let i = 0; i < 150; i++)
      for (let j = i + 1; j < 150; j++) {
        if (groupOf[i] === groupOf[j]) {
          within += dist(i, j)
          nw++
        } else {
          across += dist(i, j)
          na++
        }
      }
    expect(across / na).toBeGreaterThan(3 * (within / nw))
    // Each point's nearest point on the map is in its own group.
    for (let i = 0; i < 150; i++) {
      let best = -1
      for (let j = 0; j < 150; j++) if (j !== i && (best < 0 || dist(i, j) < dist(i, best))) best = j
      expect(groupOf[best]).toBe(groupOf[i])
    }
    // A new member of group 1 lands nearer group 1's points than any other group's.
    const fresh = unit(near(centres[1], 0.5))
    const [px, py] = placeAmong(x, xy, fresh, d)
    const meanDist = (g: number) => {
      const m = groupOf.map((gg, i) => (gg === g ? Math.hypot(xy[2 * i] - px, xy[2 * i + 1] - py) : NaN)).filter((v) => !Number.isNaN(v))
      return m.reduce((s, v) => s + v, 0) / m.length
    }
    expect(meanDist(1)).toBeLessThan(Math.min(meanDist(0), meanDist(2)))
  })
})

describe('the dashboard', () => {
  it('counts labels per genre, their co-occurrence, and labelling progress from the history', async () => {
    seed(core, [
      { id: 'a', genres: ['Drama', 'Romance'] },
      { id: 'b', genres: ['Drama'] },
      { id: 'c', genres: null },
      { id: 'd', genres: null },
    ])
    await call(core, 'labels.edit', { ids: ['c'], add: ['Romance'] })
    await call(core, 'labels.edit', { ids: ['d'], add: ['Drama'] })
    await call(core, 'labels.edit', { ids: ['a'], add: ['Comedy'] })
    const db = await call(core, 'explore.dashboard', {})
    expect(db.labelled).toBe(4)
    const counts = Object.fromEntries(db.genres.map((g: { genre: string; labelled: number }) => [g.genre, g.labelled]))
    expect(counts).toEqual({ Drama: 3, Romance: 2, Comedy: 1 })
    const names = db.genres.map((g: { genre: string }) => g.genre)
    const co = (x: string, y: string) => db.cooccurrence[names.indexOf(x)][names.indexOf(y)]
    expect(co('Drama', 'Romance')).toBe(1)
    expect(co('Romance', 'Drama')).toBe(1)
    expect(co('Drama', 'Drama')).toBe(3)
    expect(co('Comedy', 'Romance')).toBe(1)
    expect(db.ap).toBeNull()
    // One day of three edits: labelled went from 2 to 4.
    expect(db.progress).toHaveLength(1)
    expect(db.progress[0]).toMatchObject({ edits: 3, posters: 3, labelled: 4 })
  })
})

describe("the dashboard's predicted counts", () => {
  it("count what Accept would add (at most three a poster, each at least 50%), not every probability above a tiny threshold", async () => {
    seed(core, [{ id: 'p1' }, { id: 'p2' }, { id: 'p3' }])
    const genres = ['Drama', 'Romance', 'Comedy', 'Mystery']
    for (const g of genres) await call(core, 'genres.add', { name: g }).catch(() => undefined)
    // Mystery's tuned threshold is tiny, as a rare genre's can be.
    const run = insertStubRun(core.db, { genres, thresholds: [0.5, 0.5, 0.5, 0.02], weightsPath: 'none' }, true)
    putPredictions(core.db, run, [
      { id: 'p1', probs: Float32Array.from([0.9, 0.6, 0.55, 0.52]) }, // four clear both bars: the top three count
      { id: 'p2', probs: Float32Array.from([0.2, 0.1, 0.1, 0.1]) }, // Mystery above its threshold, under 50%
      { id: 'p3', probs: Float32Array.from([0.7, 0.1, 0.1, 0.04]) },
    ])
    const d = await call(core, 'explore.dashboard', {})
    const predicted = Object.fromEntries(d.genres.map((g: { genre: string; predicted: number }) => [g.genre, g.predicted]))
    expect(predicted).toMatchObject({ Drama: 2, Romance: 1, Comedy: 1, Mystery: 0 })
    expect(d.predictedPosters).toBe(3)
  })
})

describe('the CLI', () => {
  it('similar and duplicates print neighbours and clusters as JSON, and refuse bad input', async () => {
    const d = modelService(core).dims
    const a = randomVector(d)
    seed(core, [{ id: 'a1' }, { id: 'a2' }, { id: 'b1' }, { id: 'b2' }, { id: 'c1' }])
    embed(core, [
      { hash: 'hash-a1', vector: a },
      { hash: 'hash-a2', vector: near(a, 0.05) },
      { hash: 'hash-b1', vector: randomVector(d) },
      { hash: 'hash-b2', vector: randomVector(d) },
      { hash: 'hash-c1', vector: randomVector(d) },
    ])
    await core.close()
    const out: string[] = []
    const err: string[] = []
    const ow = process.stdout.write.bind(process.stdout)
    const ew = process.stderr.write.bind(process.stderr)
    process.stdout.write = ((s: string) => (out.push(s), true)) as typeof process.stdout.write
    process.stderr.write = ((s: string) => (err.push(s), true)) as typeof process.stderr.write
    try {
      expect(await cli(['similar', 'a1', '--k', '2', '--json', '--library', lib.dir])).toBe(0)
      const sim = JSON.parse(out.pop()!)
      expect(sim.neighbours[0]).toMatchObject({ id: 'a2' })
      expect(sim.neighbours).toHaveLength(2)
      expect(await cli(['duplicates', '--json', '--library', lib.dir])).toBe(0)
      expect(JSON.parse(out.pop()!).clusters).toEqual([['a1', 'a2']])
      expect(await cli(['similar', 'a1', '--k', 'x', '--library', lib.dir])).toBe(2)
      expect(await cli(['similar', '--library', lib.dir])).toBe(2)
      expect(await cli(['similar', 'zzz', '--library', lib.dir])).toBe(1)
      expect(err.join('')).toMatch(/no poster "zzz"/)
    } finally {
      process.stdout.write = ow
      process.stderr.write = ew
      core = open(lib.dir)
    }
  })
})

describe('the similarity index at scale', () => {
  it('finds the same neighbours through the coarse pass as exact search, above COARSE_FROM posters', async () => {
    const { SimilarityIndex, COARSE_FROM } = await import('../../src/main/ml/explore/similar-index')
    const d = modelService(core).dims
    const n = COARSE_FROM + 2000
    // 200 clusters of posters around random centres: each poster's true neighbours are its cluster's.
    const centres = Array.from({ length: 200 }, () => randomVector(d))
    const posters: SeedPoster[] = []
    const rows: { hash: string; vector: Float32Array }[] = []
    for (let i = 0; i < n; i++) {
      posters.push({ id: `p${i}` })
      rows.push({ hash: `hash-p${i}`, vector: near(centres[i % 200], 1) })
    }
    seed(core, posters)
    embed(core, rows)
    const index = new SimilarityIndex(modelService(core).key, d)
    index.refresh(core.db)
    expect(index.size).toBe(n)
    let agree = 0
    for (let q = 0; q < 5; q++) {
      const v = rows[q * 997].vector
      const exclude = new Set([`p${q * 997}`])
      const fast = index.query(core.db, v, 10, { exclude }).map((h) => h.id)
      const exact = index.exact(core.db, v, 10, exclude).map((h) => h.id)
      agree += fast.filter((id) => exact.includes(id)).length
      expect(fast.every((id) => Number(id.slice(1)) % 200 === (q * 997) % 200)).toBe(true)
    }
    expect(agree).toBeGreaterThanOrEqual(48)
  }, 120_000)
})

describe('the map follows the library', () => {
  let t: ReturnType<typeof tempDir>
  let core: Core
  beforeEach(() => {
    t = tempDir()
    core = open(join(t.dir, 'lib'))
  })
  afterEach(async () => {
    modelService(core).worker.stop()
    await core.close()
    t.cleanup()
  })

  it('says why there is nothing to lay out: an empty library, or posters without embeddings', async () => {
    const ev = recordEvents(core)
    const failure = async () => {
      const { jobId } = await call(core, 'explore.computeMap', { full: false })
      await core.jobs.wait(jobId).catch(() => undefined)
      const end = ev.of('map.progress').filter((e) => e.jobId === jobId && e.status !== 'running')
      expect(end).toHaveLength(1)
      expect(end[0].status).toBe('failed')
      return end[0].error
    }
    expect(await failure()).toBe('the library has no posters yet: import some first')
    // Seeded rows have no image files: embedded by no backbone, or by one that cannot read them.
    seed(core, [{ id: 'a' }, { id: 'b' }])
    expect(await failure()).toMatch(/^none of the 2 posters (has an embedding yet, and the .* backbone that computes them is not installed|could be embedded)/)
  })

  it('an import into a library with a map starts placing its new posters; without a map nothing starts', async () => {
    const { jpeg } = await import('../library/helpers')
    const { startImport } = await import('../../src/main/importer/handlers')
    const folder = join(t.dir, 'posters')
    mkdirSync(folder)
    await jpeg(join(folder, 'tt0000001.jpg'))
    await (await (await startImport(core, { paths: [folder] }))).promise
    expect(core.jobs.list().filter((j) => j.kind === 'map')).toHaveLength(0)
    core.db.prepare('INSERT INTO map_points (poster_id, x, y, computed_at) VALUES (?, 0, 0, 1)').run('tt0000001')
    await jpeg(join(folder, 'tt0000002.jpg'), { color: '#204080' })
    await (await (await startImport(core, { paths: [folder] }))).promise
    const maps = core.jobs.list().filter((j) => j.kind === 'map')
    expect(maps).toHaveLength(1)
    await core.jobs.wait(maps[0].jobId)
  })
})
