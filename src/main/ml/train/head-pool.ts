// Runs head trainings (the folds of cross-validation and the refit) on the rows of one
// feature matrix: in this thread, one after another, or in worker threads, one training per
// thread at a time. The head's engines (wasm, onnxruntime) compute on one thread, so on two
// cores two threads train two folds in the time of one (bench/review.ts, bench/honest.ts).
import { availableParallelism } from 'node:os'
import { Worker } from 'node:worker_threads'
import type { HeadEngineFactory } from './engine'
import { trainHead, type EpochReport, type HeadConfig, type HeadWeights } from './head'

export interface HeadTask {
  train: number[]
  /** Rows that decide early stopping (a fold's held-out rows); their probabilities are reported every epoch. */
  earlyStop: number[]
  cfg: HeadConfig
  /**
   * A refit: train until the epoch this resolves to (at most cfg.epochs) and return that
   * epoch's weights. It may start before the epoch is known (it keeps every epoch's weights).
   */
  target?: Promise<number>
}

export interface HeadTaskResult {
  weights: HeadWeights
  epochs: EpochReport[]
  bestEpoch: number
}

export interface HeadTaskHooks {
  onEpoch?: (r: EpochReport) => void | Promise<void>
  onEarlyStopProbs?: (epoch: number, probs: Float32Array) => void
}

export interface HeadRunner {
  /** How many tasks run at once. */
  readonly slots: number
  run(task: HeadTask, hooks: HeadTaskHooks): Promise<HeadTaskResult>
  close(): void
}

export interface HeadData {
  x: Float32Array
  y: Float32Array
  dims: number
  genres: number
}

/** Trains in this thread, one task at a time; a refit waits for its target epoch first. */
export function inThreadRunner(engines: HeadEngineFactory, data: HeadData, shouldStop: () => boolean = () => false): HeadRunner {
  return {
    slots: 1,
    async run(task, hooks) {
      const target = task.target ? await task.target : null
      const cfg = target === null ? task.cfg : { ...task.cfg, epochs: Math.min(task.cfg.epochs, target), patience: task.cfg.epochs + 1 }
      // A task with a target returns that epoch's weights (the last), as a pool thread does.
      let last: HeadWeights | null = null
      const onSnapshot = target === null ? undefined : (_: number, w: HeadWeights) => void (last = w)
      const r = await trainHead(engines, { ...data, train: task.train, earlyStop: task.earlyStop, val: [] }, cfg, { ...hooks, shouldStop, onSnapshot })
      return last === null ? { weights: r.weights, epochs: r.epochs, bestEpoch: r.bestEpoch } : { weights: last, epochs: r.epochs, bestEpoch: r.epochs.length }
    },
    close() {},
  }
}

/** Messages between the pool and a thread (train/head-thread.ts). */
export type ToThread =
  | { type: 'task'; id: number; train: number[]; earlyStop: number[]; cfg: HeadConfig; refit: boolean }
  | { type: 'target'; id: number; epoch: number }
export type FromThread =
  | { type: 'ready'; id: 0; backend: string }
  | { type: 'epoch'; id: number; report: EpochReport }
  | { type: 'early-stop-probs'; id: number; epoch: number; probs: Float32Array }
  | { type: 'done'; id: number; result: HeadTaskResult }
  | { type: 'error'; id: number; message: string }
export interface ThreadData {
  x: SharedArrayBuffer
  y: SharedArrayBuffer
  dims: number
  genres: number
}

/** Threads worth starting here: one per core, at most `max` (a single core gets none). */
export function threadCount(max = 2): number {
  const n = Math.min(max, availableParallelism())
  return n >= 2 ? n : 0
}

/** The rows' memory for the threads: their own when they already fill a SharedArrayBuffer, else a copy. */
function shared(a: Float32Array): SharedArrayBuffer {
  if (a.buffer instanceof SharedArrayBuffer && a.byteOffset === 0 && a.byteLength === a.buffer.byteLength) return a.buffer
  const buf = new SharedArrayBuffer(a.byteLength)
  new Float32Array(buf).set(a)
  return buf
}

/**
 * `threads` worker threads running `entry` (the built head-thread.js), each loading its own
 * TensorFlow.js and head engines (which must be `backend` when given); the feature rows are shared, not
 * copied. Throws when a thread cannot start.
 * An abort ends every thread and fails the tasks in flight as cancelled.
 */
export async function threadRunner(entry: string, data: HeadData, threads: number, signal?: AbortSignal, backend?: string): Promise<HeadRunner> {
  const workerData: ThreadData = { x: shared(data.x), y: shared(data.y), dims: data.dims, genres: data.genres }
  const pending = new Map<number, { resolve(r: HeadTaskResult): void; reject(e: Error): void; hooks: HeadTaskHooks; worker: Worker }>()
  const idle: Worker[] = []
  const waiting: ((w: Worker) => void)[] = []
  let failure: Error | null = null
  const workers: Worker[] = []
  const failAll = (err: Error) => {
    failure ??= err
    for (const p of pending.values()) p.reject(failure)
    pending.clear()
    for (const w of workers) void w.terminate()
  }
  for (let i = 0; i < threads; i++) {
    const w = new Worker(entry, { workerData })
    w.on('message', (m: FromThread) => {
      if (m.type === 'ready') return
      const p = pending.get(m.id)
      if (!p) return
      if (m.type === 'epoch') void p.hooks.onEpoch?.(m.report)
      else if (m.type === 'early-stop-probs') p.hooks.onEarlyStopProbs?.(m.epoch, m.probs)
      else {
        pending.delete(m.id)
        if (m.type === 'done') p.resolve(m.result)
        else p.reject(new Error(m.message))
        const next = waiting.shift()
        if (next) next(w)
        else idle.push(w)
      }
    })
    w.on('error', (err) => failAll(err))
    w.on('exit', (code) => {
      if (code !== 0 && !failure) failAll(new Error(`a training thread exited with code ${code}`))
    })
    workers.push(w)
    idle.push(w)
  }
  // A thread that cannot start (a missing bundle, TensorFlow.js failing to load there) fails
  // here, before any task is given out; so does one whose backend differs from the caller's.
  try {
    await Promise.all(
      workers.map(
        (w) =>
          new Promise<void>((resolve, reject) => {
            w.on('message', (m: FromThread) => {
              if (m.type !== 'ready') return
              if (backend && m.backend !== backend) reject(new Error(`a training thread loaded ${m.backend}, not ${backend}`))
              else resolve()
            })
            w.once('error', reject)
            w.once('exit', (code) => reject(new Error(`a training thread exited with code ${code} before it was ready`)))
          }),
      ),
    )
  } catch (err) {
    failAll(err as Error)
    throw err
  }
  const onAbort = () => failAll(new Error('cancelled'))
  signal?.addEventListener('abort', onAbort, { once: true })
  let nextId = 1
  return {
    slots: threads,
    async run(task, hooks) {
      if (failure) throw failure
      const w = idle.pop() ?? (await new Promise<Worker>((r) => waiting.push(r)))
      if (failure) throw failure
      const id = nextId++
      const result = new Promise<HeadTaskResult>((resolve, reject) => pending.set(id, { resolve, reject, hooks, worker: w }))
      w.postMessage({ type: 'task', id, train: task.train, earlyStop: task.earlyStop, cfg: task.cfg, refit: !!task.target } satisfies ToThread)
      void task.target?.then((epoch) => {
        if (pending.has(id)) w.postMessage({ type: 'target', id, epoch } satisfies ToThread)
      })
      return result
    },
    close() {
      signal?.removeEventListener('abort', onAbort)
      for (const w of workers) void w.terminate()
    },
  }
}
