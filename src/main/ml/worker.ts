// The model worker process: embedding (onnxruntime + sharp) and training (TensorFlow.js)
// run here, away from the main process / server event loop. It speaks the same messages
// over Electron's `process.parentPort` (utilityProcess) and Node's `process.send` (child).
import type { CallMessage, FromWorker, MethodContext, MethodName, ResultOf, ToWorker } from './worker/protocol'
import { methods } from './worker/methods'

interface ParentPort {
  on(event: 'message', listener: (e: { data: unknown }) => void): void
  postMessage(msg: unknown): void
}

const parentPort = (process as unknown as { parentPort?: ParentPort }).parentPort

function post(msg: FromWorker): void {
  if (parentPort) parentPort.postMessage(msg)
  else process.send?.(msg)
}

const uploads = new Map<number, Float32Array[]>()
const controllers = new Map<number, AbortController>()

/** Runs one call: the handler and the arguments belong to the same method. */
function run<M extends MethodName>(msg: CallMessage<M>, ctx: MethodContext): Promise<ResultOf<M>> {
  const handler: (typeof methods)[M] = methods[msg.method]
  return handler(msg.args, ctx)
}

async function handle(msg: ToWorker): Promise<void> {
  if (msg.type === 'upload') {
    const list = uploads.get(msg.id) ?? []
    list.push(msg.chunk)
    uploads.set(msg.id, list)
    return
  }
  if (msg.type === 'cancel') {
    controllers.get(msg.id)?.abort()
    return
  }
  const { id, method } = msg
  const controller = new AbortController()
  controllers.set(id, controller)
  const chunks = uploads.get(id) ?? []
  uploads.delete(id)
  let data: Float32Array | null = null
  if (chunks.length === 1) data = chunks[0]
  else if (chunks.length > 1) {
    data = new Float32Array(chunks.reduce((s, c) => s + c.length, 0))
    let o = 0
    for (const c of chunks) {
      data.set(c, o)
      o += c.length
    }
  }
  const ctx: MethodContext = { signal: controller.signal, data, progress: (d) => post({ type: 'progress', id, data: d }) }
  try {
    // The name comes over IPC: a method the worker lacks (an older build) is an error, not a crash.
    if (!Object.hasOwn(methods, method)) throw new Error(`unknown worker method ${method}`)
    post({ type: 'result', id, value: await run(msg, ctx) })
  } catch (err) {
    post({ type: 'error', id, message: err instanceof Error ? err.message : String(err), cancelled: controller.signal.aborted })
  } finally {
    controllers.delete(id)
  }
}

if (parentPort) parentPort.on('message', (e) => void handle(e.data as ToWorker))
else if (process.send) process.on('message', (m) => void handle(m as ToWorker))
else {
  process.stderr.write('the model worker must be started by Posterity (no IPC channel)\n')
  process.exit(2)
}
// The worker lives as long as its parent: a closed channel ends it.
process.on('disconnect', () => process.exit(0))
post({ type: 'ready', pid: process.pid })
