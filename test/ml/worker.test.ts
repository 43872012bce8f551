import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, expectTypeOf, it } from 'vitest'
import { WorkerCancelled, WorkerClient } from '../../src/main/ml/worker/client'
import type { TrainArgs } from '../../src/main/ml/worker/protocol'
import { mulberry32 } from '../../src/shared/random'
import { openCore } from '../../src/main/core'
import { modelService } from '../../src/main/ml/service/model-service'

const work = mkdtempSync(join(tmpdir(), 'posterity-worker-'))
const client = new WorkerClient(undefined, 5_000)
afterAll(() => {
  client.stop()
  rmSync(work, { recursive: true, force: true })
})

function data(n: number, d: number, g: number) {
  const rand = mulberry32(9)
  const x = new Float32Array(n * d).map(() => rand() - 0.5)
  const y = new Float32Array(n * g)
  for (let i = 0; i < n; i++)
    for (let c = 0; c < g; c++)
      if (rand() < 0.4) {
        y[i * g + c] = 1
        x[i * d + c] += 2
      }
  return { x, y }
}

describe('the model worker process', () => {
  it('runs in another process and answers calls', async () => {
    const r = await client.call('ping', {})
    expect(r.pid).not.toBe(process.pid)
    // @ts-expect-error an unknown method does not compile; the worker refuses it at run time too
    await expect(client.call('no-such-method', {})).rejects.toThrow(/unknown worker method/)
  })

  it('trains with uploaded rows, streams progress per epoch, and writes weights', async () => {
    const n = 300
    const d = 16
    const g = 3
    const { x, y } = data(n, d, g)
    const idx = Array.from({ length: n }, (_, i) => i)
    const args: TrainArgs = {
      genres: ['A', 'B', 'C'],
      dims: d,
      y,
      train: idx.slice(0, 200),
      earlyStop: idx.slice(200, 240),
      val: idx.slice(240),
      head: { epochs: 6, patience: 100, hidden: 0, batchSize: 16, lr: 0.02, weightDecay: 1e-4 },
      ensemble: 1,
      prior: [0.4, 0.4, 0.4],
      weightsDir: join(work, 'w'),
    }
    const epochs: number[] = []
    const done = await client.call('train', args, { upload: x, onProgress: (p) => epochs.push(p.report!.epoch) })
    expect(epochs).toEqual([1, 2, 3, 4, 5, 6])
    expect(done.evaluation.model.macroAp).toBeGreaterThan(0.8)
    expect(done.thresholds).toHaveLength(3)
    const probs: Float32Array[] = []
    await client.call('predict', { weightsDir: join(work, 'w'), chunk: 25 }, { upload: x.slice(0, 60 * d), onProgress: (p) => probs.push(p.probs) })
    expect(probs).toHaveLength(3)
    expect(probs[0]).toBeInstanceOf(Float32Array)
    expect(probs[0].length).toBe(25 * g)
  })

  it('types each call from WorkerMethods (wrong arguments or progress do not compile)', () => {
    // Never run: `npm run typecheck` fails when any line below stops being an error.
    const unchecked = (c: WorkerClient) => {
      // @ts-expect-error trainCv needs its whole arguments
      void c.call('trainCv', { genres: [] })
      // @ts-expect-error predict reports probabilities, not epochs
      void c.call('predict', { weightsDir: '' }, { onProgress: (p) => p.report })
      // @ts-expect-error ping answers { pid }
      void c.call('ping', {}).then((r) => r.provider)
    }
    expectTypeOf(unchecked).toBeFunction()
    expectTypeOf<Awaited<ReturnType<WorkerClient['call']>>>().not.toBeAny()
  })

  it('cancels a running training', async () => {
    const n = 2000
    const d = 64
    const { x, y } = data(n, d, 2)
    const idx = Array.from({ length: n }, (_, i) => i)
    const ac = new AbortController()
    const p = client.call('train', {
      genres: ['A', 'B'], dims: d, y, train: idx, earlyStop: idx.slice(0, 100), val: [], head: { epochs: 1000, patience: 1000, batchSize: 16 }, ensemble: 1, prior: [0.4, 0.4], weightsDir: join(work, 'never'),
    } satisfies TrainArgs, { upload: x, signal: ac.signal, onProgress: () => ac.abort() })
    await expect(p).rejects.toBeInstanceOf(WorkerCancelled)
    // The worker still serves calls afterwards.
    expect((await client.call('ping', {})).pid).toBeGreaterThan(0)
  })

  it('stops when the core that started it closes', async () => {
    const core = openCore({ libraryDir: join(work, 'lib') })
    const { pid } = await modelService(core).worker.call('ping', {})
    expect(alive(pid)).toBe(true)
    await core.close()
    const until = Date.now() + 5000
    while (alive(pid) && Date.now() < until) await new Promise((r) => setTimeout(r, 50))
    expect(alive(pid)).toBe(false)
  })
})

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}
