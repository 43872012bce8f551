// Acceptance, human-only training data, activation and the Train view's error lists, through
// the real API dispatcher and the real CLI on a real library file. The model run and its
// probabilities are written directly: these rules do not depend on how they were learnt.
import { spawnSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Core } from '../../src/main/core'
import { activateRun } from '../../src/main/ml/store/runs'
import { insertStubRun } from '../../src/main/ml/store/stub-run'
import { putRunPosters, readOutOfFold } from '../../src/main/ml/store/out-of-fold'
import { putPredictions } from '../../src/main/ml/store/runs'
import { activationVerdict, distinctFixed } from '../../src/main/ml/service/activation'
import { getRun } from '../../src/main/ml/store/runs'
import { trainingLabels } from '../../src/main/ml/service/data'
import { prepareTrainingSet } from '../../src/main/ml/service/train-job'
import { modelService } from '../../src/main/ml/service/model-service'
import type { AcceptResult, PosterDetail } from '../../src/shared/api'
import { call, open, seed, tempDir } from '../library/helpers'

const repo = resolve(__dirname, '../..')
const GENRES = ['Drama', 'Comedy', 'Horror', 'Romance', 'Action']
const THRESHOLDS = [0.3, 0.4, 0.05, 0.6, 0.2]
const t = tempDir()
let core: Core
let runId = 0

function newRun(thresholds = THRESHOLDS): number {
  return insertStubRun(core.db, { backbone: 'test', features: 'test', backend: 'cpu', genres: GENRES, thresholds, weightsPath: join(t.dir, 'nowhere') }, false)
}

const labelsOf = async (id: string) => {
  const p = await call<PosterDetail>(core, 'library.get', { id })
  return { labelled: p.labelled, labels: p.labels.map((l) => `${l.genre}:${l.source}`).sort() }
}
const historyCount = () => core.db.prepare('SELECT COUNT(*) FROM history WHERE undone = 0').pluck().get() as number

beforeAll(() => {
  core = open(join(t.dir, 'lib'))
  seed(core, [
    ...['tt01', 'tt02', 'tt03', 'tt04', 'tt05', 'tt06'].map((id) => ({ id, genres: null })),
    { id: 'tt07', genres: ['Drama'] },
    { id: 'tt08', genres: null },
    { id: 'tt09', genres: [] }, // a person said: no genre applies
    { id: 'tt10', genres: ['Drama'] },
    // Enough human-labelled posters to train on.
    ...Array.from({ length: 12 }, (_, i) => ({ id: `tt2${String(i).padStart(2, '0')}`, genres: [GENRES[i % 5]] })),
  ])
  const gid = (name: string) => {
    const id = core.db.prepare('SELECT id FROM genres WHERE name = ?').pluck().get(name) as number | undefined
    return id ?? Number(core.db.prepare('INSERT INTO genres (name, position) VALUES (?, 99)').run(name).lastInsertRowid)
  }
  // tt08: labelled only by an accepted prediction; tt10: Drama by a person plus an accepted Comedy.
  core.db.prepare('UPDATE posters SET labelled = 1 WHERE id = ?').run('tt08')
  core.db.prepare(`INSERT INTO labels (poster_id, genre_id, source) VALUES ('tt08', ?, 'prediction')`).run(gid('Horror'))
  core.db.prepare(`INSERT INTO labels (poster_id, genre_id, source) VALUES ('tt10', ?, 'prediction')`).run(gid('Comedy'))
  for (const g of GENRES) gid(g)
  runId = newRun()
  activateRun(core.db, runId)
  const p = (id: string, probs: number[]) => ({ id, probs: Float32Array.from(probs) })
  putPredictions(core.db, runId, [
    p('tt01', [0.9, 0.8, 0.7, 0.65, 0.55]), // five clear both bars: the best three
    p('tt02', [0.45, 0.3, 0.02, 0.1, 0.4]), // nothing reaches 0.5: skipped
    p('tt03', [0.2, 0.1, 0.52, 0.55, 0.1]), // Horror (threshold 0.05); Romance is under its 0.6 threshold
    p('tt04', [0.6, 0, 0, 0, 0]),
    p('tt07', [0.9, 0.7, 0, 0, 0]), // already Drama: gains Comedy
    // tt05, tt06: never predicted
  ])
})
afterAll(async () => {
  await core.close()
  t.cleanup()
})

describe('accepting predictions', () => {
  const ids = ['tt01', 'tt02', 'tt03', 'tt04', 'tt05', 'tt07']

  it('previews without writing anything', async () => {
    const before = historyCount()
    const r = await call<AcceptResult>(core, 'model.accept', { ids, dryRun: true })
    expect(r).toMatchObject({ runId, dryRun: true, considered: 5, skipped: 1, unpredicted: ['tt05'] })
    expect(r.changed.sort()).toEqual(['tt01', 'tt03', 'tt04', 'tt07'])
    expect(r.gains).toEqual([
      { genre: 'Comedy', posters: 2 },
      { genre: 'Drama', posters: 2 },
      { genre: 'Horror', posters: 2 },
    ])
    expect(r.sample.find((s) => s.id === 'tt01')!.add).toEqual(['Drama', 'Comedy', 'Horror'])
    expect(historyCount()).toBe(before)
    expect(await labelsOf('tt01')).toEqual({ labelled: false, labels: [] })
    expect(await labelsOf('tt07')).toEqual({ labelled: true, labels: ['Drama:imported'] })
  })

  it('accepts at most K genres above threshold and minimum, as predictions, in one undoable entry; skipped posters stay unlabelled', async () => {
    const before = historyCount()
    const r = await call<AcceptResult>(core, 'model.accept', { ids })
    expect(r.dryRun).toBe(false)
    expect(r.changed.sort()).toEqual(['tt01', 'tt03', 'tt04', 'tt07'])
    expect(historyCount()).toBe(before + 1)
    expect(await labelsOf('tt01')).toEqual({ labelled: true, labels: ['Comedy:prediction', 'Drama:prediction', 'Horror:prediction'] })
    expect(await labelsOf('tt02')).toEqual({ labelled: false, labels: [] })
    expect(await labelsOf('tt03')).toEqual({ labelled: true, labels: ['Horror:prediction'] })
    expect(await labelsOf('tt05')).toEqual({ labelled: false, labels: [] })
    expect(await labelsOf('tt07')).toEqual({ labelled: true, labels: ['Comedy:prediction', 'Drama:imported'] })
    // Not a person's edit: a labels file imported later may still replace the model's genres.
    expect(core.db.prepare('SELECT user_edited FROM posters WHERE id = ?').pluck().get('tt01')).toBe(0)
    // Accepting is not a correction: no retrain offer from it.
    expect((await call<{ correctionsSinceActive: number }>(core, 'model.status', {})).correctionsSinceActive).toBe(0)
    await call(core, 'labels.undo', {})
    expect(await labelsOf('tt01')).toEqual({ labelled: false, labels: [] })
    expect(await labelsOf('tt07')).toEqual({ labelled: true, labels: ['Drama:imported'] })
  })

  it('honours max genres and the minimum probability', async () => {
    const r = await call<AcceptResult>(core, 'model.accept', { ids, maxGenres: 1, minProbability: 0.6, dryRun: true })
    const add = Object.fromEntries(r.sample.map((s) => [s.id, s.add]))
    expect(add).toEqual({ tt01: ['Drama'], tt04: ['Drama'] })
    // tt02; tt03 (0.52 < 0.6); tt07, whose one best genre is the Drama it already has.
    expect(r.skipped).toBe(3)
  })

  it('counts the genres a poster already has towards K', async () => {
    // tt201 is Comedy (by a person); three more genres clear both bars: two fit under K = 3.
    putPredictions(core.db, runId, [{ id: 'tt201', probs: Float32Array.from([0.9, 0.1, 0.8, 0.1, 0.7]) }])
    const r = await call<AcceptResult>(core, 'model.accept', { ids: ['tt201'], dryRun: true })
    expect(r.sample).toEqual([{ id: 'tt201', add: ['Drama', 'Horror'] }])
    const full = await call<AcceptResult>(core, 'model.accept', { ids: ['tt201'], maxGenres: 1, dryRun: true })
    expect(full.changed).toEqual([])
    // tt09 was marked "no genre" by a person: the model does not overrule that.
    putPredictions(core.db, runId, [{ id: 'tt09', probs: Float32Array.from([0.9, 0.9, 0.9, 0.9, 0.9]) }])
    const none = await call<AcceptResult>(core, 'model.accept', { ids: ['tt09'], dryRun: true })
    expect(none).toMatchObject({ changed: [], skipped: 1 })
  })

  it('without ids takes every unlabelled poster', async () => {
    const r = await call<AcceptResult>(core, 'model.accept', { dryRun: true })
    expect(r.considered).toBe(4) // tt01-tt04 have predictions
    expect(r.unpredicted.sort()).toEqual(['tt05', 'tt06'])
    expect(r.changed.sort()).toEqual(['tt01', 'tt03', 'tt04'])
  })

  it('refuses bad arguments with a clear error', async () => {
    const env = await core.dispatch('model.accept', { ids, maxGenres: 0 })
    expect(env.ok).toBe(false)
    const env2 = await core.dispatch('model.accept', { ids: [], dryRun: true })
    expect(env2.ok).toBe(false)
  })

  it('posterity accept --dry-run prints what would change and writes nothing; without it, writes', async () => {
    const lib = join(t.dir, 'lib')
    // One writer per library: the CLI gets it while this process lets go.
    await core.close()
    const count = async () => {
      const c = open(lib)
      try {
        return c.db.prepare('SELECT COUNT(*) FROM history WHERE undone = 0').pluck().get() as number
      } finally {
        await c.close()
      }
    }
    const idsFile = join(t.dir, 'ids.txt')
    writeFileSync(idsFile, ids.filter((id) => id !== 'tt05').join('\n'))
    const cli = (...args: string[]) => {
      const r = spawnSync(process.execPath, [join(repo, 'out/main/cli.js'), 'accept', '--library', lib, ...args], {
        cwd: repo,
        encoding: 'utf8',
        env: { ...process.env, POSTERITY_LIBRARY: '', POSTERITY_DEBUG: '' },
      })
      return { code: r.status, out: r.stdout, err: r.stderr }
    }
    const before = await count()
    const dry = cli('--ids', idsFile, '--dry-run', '--max-genres', '2')
    expect(dry.err).toBe('')
    expect(dry.code).toBe(0)
    expect(dry.out).toMatch(/dry run, nothing written/)
    expect(dry.out).toMatch(/4 posters would gain genres; 1 poster skipped/)
    expect(dry.out).toMatch(/tt01 {2}\+ Drama, Comedy\n/)
    expect(await count()).toBe(before)
    const bad = cli('--min-prob', '1.5')
    expect(bad.code).toBe(2)
    expect(bad.err).toMatch(/--min-prob expects a probability between 0 and 1, got "1.5"/)
    const real = cli('--ids', idsFile, '--min-prob', '0.6')
    expect(real.code).toBe(0)
    expect(real.out).toMatch(/^accepted predictions of model run \d+/)
    expect(real.out).toMatch(/3 posters gained genres; 2 posters skipped/)
    expect(real.out).toMatch(/tt07 {2}\+ Comedy\n/)
    expect(await count()).toBe(before + 1)
    core = open(lib)
    return call(core, 'labels.undo', {})
  })
})

describe('training data: human labels only', () => {
  it('drops accepted predictions unless asked, and posters labelled only by predictions', () => {
    const human = trainingLabels(core.db)
    expect(human.eligible.has('tt08')).toBe(false) // only a prediction: unlabelled for training
    expect(human.eligible.has('tt09')).toBe(true) // "no genre" by a person: a negative
    expect(human.labels.get('tt09')).toEqual([])
    expect(human.labels.get('tt10')).toEqual(['Drama'])
    const all = trainingLabels(core.db, true)
    expect(all.eligible.has('tt08')).toBe(true)
    expect(all.labels.get('tt10')!.sort()).toEqual(['Comedy', 'Drama'])
  })

  it('the CNN refuses accepted predictions (its held-out split would score them)', async () => {
    const env = await core.dispatch('model.train', { kind: 'cnn', includePredictions: true })
    expect(env.ok ? null : env.error.message).toMatch(/CNN cannot learn from accepted predictions/)
  })

  it('the training set follows the same rule', () => {
    const svc = modelService(core)
    const prep = prepareTrainingSet(svc, { splitSeed: 42, valFraction: 0.2 })
    const ids = prep.posters.map((p) => p.id)
    expect(ids).not.toContain('tt08')
    expect(ids).toContain('tt09')
    const i = ids.indexOf('tt10')
    const row = Array.from(prep.y.subarray(i * prep.genres.length, (i + 1) * prep.genres.length))
    expect(prep.genres.filter((_, c) => row[c] > 0)).toEqual(['Drama'])
    const withPred = prepareTrainingSet(svc, { splitSeed: 42, valFraction: 0.2, includePredictions: true })
    expect(withPred.posters.map((p) => p.id)).toContain('tt08')
    // Scoring still uses human labels only: tt08 is not a scored poster, tt10 is Drama alone.
    const at = (id: string) => withPred.posters.findIndex((p) => p.id === id)
    expect(withPred.human!.labelled[at('tt08')]).toBe(false)
    const G = withPred.genres.length
    const humanRow = Array.from(withPred.human!.y.subarray(at('tt10') * G, (at('tt10') + 1) * G))
    expect(withPred.genres.filter((_, c) => humanRow[c] > 0)).toEqual(['Drama'])
    expect(prep.human).toBeNull()
  })
})

describe('activation and out-of-fold errors', () => {
  const humanIds = ['tt07', 'tt09', 'tt10', ...Array.from({ length: 12 }, (_, i) => `tt2${String(i).padStart(2, '0')}`)]
  /** Out-of-fold rows whose Drama probability ranks the true Drama posters by `quality`. */
  function oofRun(quality: 'good' | 'bad'): number {
    const id = newRun()
    const human = trainingLabels(core.db).labels
    putRunPosters(
      core.db,
      id,
      humanIds.map((pid, i) => {
        const isDrama = (human.get(pid) ?? []).includes('Drama')
        const probs = GENRES.map((g) => ((human.get(pid) ?? []).includes(g) === (quality === 'good') ? 0.8 : 0.2) + i * 1e-3)
        probs[0] = isDrama === (quality === 'good') ? 0.9 : 0.1
        return { id: pid, fold: i % 5, probs: Float32Array.from(probs) }
      }),
    )
    return id
  }

  it('a run becomes active only when its out-of-fold macro-AP is at least the active one', () => {
    const good = oofRun('good')
    const bad = oofRun('bad')
    const vsNone = activationVerdict(core.db, getRun(core.db, good)!, getRun(core.db, runId)!)
    // The active run has no out-of-fold predictions: not comparable, the cross-validated run replaces it.
    expect(vsNone.activate).toBe(true)
    activateRun(core.db, good)
    const worse = activationVerdict(core.db, getRun(core.db, bad)!, getRun(core.db, good)!)
    expect(worse.activate).toBe(false)
    expect(worse.note).toMatch(new RegExp(`^not activated: out-of-fold macro-AP 0\\.\\d{3} < 1\\.000 of the active run ${good} on the 15 posters`))
    const better = activationVerdict(core.db, getRun(core.db, good)!, getRun(core.db, bad)!)
    expect(better.activate).toBe(true)
    expect(readOutOfFold(core.db, good)!.rows.size).toBe(15)
    expect(readOutOfFold(core.db, 9999)).toBeNull()
  })

  it('shows two scores with enough decimals to tell them apart', () => {
    expect(distinctFixed(0.30391, 0.30424)).toEqual(['0.3039', '0.3042'])
    expect(distinctFixed(0.281, 0.304)).toEqual(['0.281', '0.304'])
    expect(distinctFixed(0.3, 0.3)).toEqual(['0.300', '0.300'])
    expect(distinctFixed(0.3000001, 0.3000002)).toEqual(['0.300000', '0.300000'])
  })

  it("lists a genre's false positives and false negatives from the out-of-fold predictions", async () => {
    const bad = oofRun('bad')
    const r = await call<{ falsePositives: { id: string }[]; falseNegatives: { id: string }[]; totalFalsePositives: number; threshold: number }>(core, 'model.errors', {
      runId: bad,
      genre: 'drama',
    })
    const human = trainingLabels(core.db).labels
    const drama = humanIds.filter((id) => (human.get(id) ?? []).includes('Drama'))
    expect(r.threshold).toBe(0.3)
    expect(r.falseNegatives.map((e) => e.id).sort()).toEqual(drama.sort())
    expect(r.totalFalsePositives).toBe(humanIds.length - drama.length)
    const env = await core.dispatch('model.errors', { runId: bad, genre: 'Western' })
    expect(env.ok ? null : env.error.message).toMatch(/has no genre "Western"/)
  })

  it('counts human corrections since the active run (the retrain offer)', async () => {
    await call(core, 'labels.edit', { ids: ['tt201', 'tt202'], add: ['Action'] })
    expect((await call<{ correctionsSinceActive: number }>(core, 'model.status', {})).correctionsSinceActive).toBe(2)
    // The same poster again, and a title edit: no new correction.
    await call(core, 'labels.edit', { ids: ['tt201'], remove: ['Action'] })
    await call(core, 'library.setMeta', { id: 'tt203', title: 'Renamed' })
    expect((await call<{ correctionsSinceActive: number }>(core, 'model.status', {})).correctionsSinceActive).toBe(2)
  })
})
