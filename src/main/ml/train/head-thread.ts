// A worker thread of the head pool (head-pool.ts): its own TensorFlow.js (onnxruntime-node is
// not safe in several worker threads, so its engine trains in the worker's own), the pool's shared
// feature rows, one training at a time. A refit keeps every epoch's weights until the pool
// says which epoch cross-validation chose, then returns that one.
import { parentPort, workerData } from 'node:worker_threads'
import { loadTf } from './tf-backend'
import { trainHead, type HeadWeights } from './head'
import { tfEngines } from './head-tf'
import type { FromThread, ThreadData, ToThread } from './head-pool'

const data = workerData as ThreadData
const x = new Float32Array(data.x)
const y = new Float32Array(data.y)
const port = parentPort!
const post = (m: FromThread) => port.postMessage(m)
const targets = new Map<number, number>()

async function run(task: Extract<ToThread, { type: 'task' }>): Promise<void> {
  const { tf } = await loadTf()
  const snapshots: HeadWeights[] = []
  const cfg = task.refit ? { ...task.cfg, patience: task.cfg.epochs + 1 } : task.cfg
  const r = await trainHead(tfEngines(tf), { x, y, dims: data.dims, genres: data.genres, train: task.train, earlyStop: task.earlyStop, val: [] }, cfg, {
    onEarlyStopProbs: (epoch, probs) => post({ type: 'early-stop-probs', id: task.id, epoch, probs }),
    onSnapshot: task.refit ? (epoch, w) => (snapshots[epoch - 1] = w) : undefined,
    enough: task.refit ? (epoch) => epoch >= (targets.get(task.id) ?? Infinity) : undefined,
    onEpoch: async (report) => {
      post({ type: 'epoch', id: task.id, report })
      // Lets the pool's "target epoch" message in between epochs.
      await new Promise((res) => setImmediate(res))
    },
  })
  if (!task.refit) {
    post({ type: 'done', id: task.id, result: { weights: r.weights, epochs: r.epochs, bestEpoch: r.bestEpoch } })
    return
  }
  // Ran out of epochs before the target arrived: wait for it (it comes once the folds end).
  while (!targets.has(task.id)) await new Promise((res) => setTimeout(res, 10))
  const epoch = Math.min(targets.get(task.id)!, snapshots.length)
  targets.delete(task.id)
  post({ type: 'done', id: task.id, result: { weights: snapshots[epoch - 1], epochs: r.epochs.slice(0, epoch), bestEpoch: epoch } })
}

// Ready once TensorFlow.js has loaded here (a failure is this thread's uncaught error).
void loadTf().then(({ backend }) => post({ type: 'ready', id: 0, backend }))

port.on('message', (m: ToThread) => {
  if (m.type === 'target') targets.set(m.id, m.epoch)
  else run(m).catch((err: unknown) => post({ type: 'error', id: m.id, message: err instanceof Error ? err.message : String(err) }))
})
