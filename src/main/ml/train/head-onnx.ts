// The head's training step as one ONNX graph run by onnxruntime-node: forward, the
// hand-written backward pass of head-tf.ts (headGradients) and the Adam update, in native CPU
// kernels. On the 2-core machine this project measures on, onnxruntime's MatMul runs the
// head's two big products ~5x faster than TensorFlow.js's wasm backend (one thread each), and
// those products are most of a training's time. The graph keeps the TensorFlow.js step's
// numbers (test/ml/head-onnx.test.ts compares them); TensorFlow.js stays the trainer wherever
// a native TensorFlow backend loads, and wherever this graph cannot be built or run.
import * as ort from 'onnxruntime-node'
import { buildModel, type BuiltNode } from '../onnx/graph'
import type { HeadEngine, HeadEngineSpec } from './engine'
import { l2Rows, type HeadWeights } from './head'

const ADAM = { beta1: 0.9, beta2: 0.999, eps: 1e-8 }

/** Float constants of the graphs, by name. */
function scalars(values: Record<string, number>): Record<string, { dims: number[]; values: Float32Array }> {
  return Object.fromEntries(Object.entries(values).map(([k, v]) => [k, { dims: [], values: Float32Array.of(v) }]))
}

/** Forward nodes from X to P (probabilities); Z1 is the first layer's pre-activation. */
function forward(hidden: boolean): BuiltNode[] {
  const n: BuiltNode[] = [
    { op: 'MatMul', inputs: ['X', 'W1'], outputs: ['XW1'] },
    { op: 'Add', inputs: ['XW1', 'B1'], outputs: ['Z1'] },
  ]
  if (hidden)
    n.push(
      { op: 'Relu', inputs: ['Z1'], outputs: ['A1'] },
      { op: 'MatMul', inputs: ['A1', 'W2'], outputs: ['AW2'] },
      { op: 'Add', inputs: ['AW2', 'B2'], outputs: ['Z'] },
      { op: 'Sigmoid', inputs: ['Z'], outputs: ['P'] },
    )
  else n.push({ op: 'Sigmoid', inputs: ['Z1'], outputs: ['P'] })
  return n
}

/**
 * Adam's update of each parameter `p` from its gradient `grads[p]`, with inputs M_p, V_p (the
 * moments), LR (the bias-corrected rate) and the constants BETA1, OMB1, BETA2, OMB2, EPS
 * (adamConstants); outputs NEW_p, NEWM_p, NEWV_p.
 */
export function adamNodes(params: readonly string[], grads: Record<string, string>): BuiltNode[] {
  const nodes: BuiltNode[] = []
  // m ← β1·m + (1−β1)·g; v ← β2·v + (1−β2)·g²; p ← p − lr·m / (√v + ε).
  for (const p of params) {
    const gr = grads[p]
    nodes.push(
      { op: 'Mul', inputs: [`M_${p}`, 'BETA1'], outputs: [`M1_${p}`] },
      { op: 'Mul', inputs: [gr, 'OMB1'], outputs: [`M2_${p}`] },
      { op: 'Add', inputs: [`M1_${p}`, `M2_${p}`], outputs: [`NEWM_${p}`] },
      { op: 'Mul', inputs: [gr, gr], outputs: [`SQ_${p}`] },
      { op: 'Mul', inputs: [`V_${p}`, 'BETA2'], outputs: [`V1_${p}`] },
      { op: 'Mul', inputs: [`SQ_${p}`, 'OMB2'], outputs: [`V2_${p}`] },
      { op: 'Add', inputs: [`V1_${p}`, `V2_${p}`], outputs: [`NEWV_${p}`] },
      { op: 'Sqrt', inputs: [`NEWV_${p}`], outputs: [`RV_${p}`] },
      { op: 'Add', inputs: [`RV_${p}`, 'EPS'], outputs: [`DEN_${p}`] },
      { op: 'Div', inputs: [`NEWM_${p}`, `DEN_${p}`], outputs: [`RATIO_${p}`] },
      { op: 'Mul', inputs: [`RATIO_${p}`, 'LR'], outputs: [`UPD_${p}`] },
      { op: 'Sub', inputs: [p, `UPD_${p}`], outputs: [`NEW_${p}`] },
    )
  }
  return nodes
}

/** LOSS: the mean binary cross-entropy of P against Y over every cell (as head-tf.ts's bceLoss); needs ONE, E7, ONEE7. */
/**
 * Back through the hidden-layer head from DZ (d loss / d logits, already over the batch):
 * DW2 and GB2, then through the ReLU (active where Z1 > 0) to DZ1, DW1 and GB1 against the
 * head's input `x`. Gemm's transA / transB read the transposed operand in place.
 */
export function hiddenBackwardNodes(x: string): BuiltNode[] {
  return [
    { op: 'Gemm', inputs: ['A1', 'DZ'], outputs: ['DW2'], attrs: { transA: 1 } },
    { op: 'ReduceSum', inputs: ['DZ', 'AXIS0'], outputs: ['GB2'], attrs: { keepdims: 0 } },
    { op: 'Gemm', inputs: ['DZ', 'W2'], outputs: ['DA1'], attrs: { transB: 1 } },
    { op: 'Greater', inputs: ['Z1', 'ZERO'], outputs: ['ACTIVE'] },
    { op: 'Cast', inputs: ['ACTIVE'], outputs: ['MASK'], attrs: { to: 1 } },
    { op: 'Mul', inputs: ['DA1', 'MASK'], outputs: ['DZ1'] },
    { op: 'Gemm', inputs: [x, 'DZ1'], outputs: ['DW1'], attrs: { transA: 1 } },
    { op: 'ReduceSum', inputs: ['DZ1', 'AXIS0'], outputs: ['GB1'], attrs: { keepdims: 0 } },
  ]
}

export function meanBceNodes(): BuiltNode[] {
  return [
    { op: 'Add', inputs: ['P', 'E7'], outputs: ['PE'] },
    { op: 'Log', inputs: ['PE'], outputs: ['LOGP'] },
    { op: 'Mul', inputs: ['Y', 'LOGP'], outputs: ['YLOGP'] },
    { op: 'Sub', inputs: ['ONEE7', 'P'], outputs: ['QE'] },
    { op: 'Log', inputs: ['QE'], outputs: ['LOGQ'] },
    { op: 'Sub', inputs: ['ONE', 'Y'], outputs: ['NYL'] },
    { op: 'Mul', inputs: ['NYL', 'LOGQ'], outputs: ['NYLOGQ'] },
    { op: 'Add', inputs: ['YLOGP', 'NYLOGQ'], outputs: ['LL'] },
    { op: 'ReduceMean', inputs: ['LL'], outputs: ['MLL'], attrs: { keepdims: 0 } },
    { op: 'Neg', inputs: ['MLL'], outputs: ['LOSS'] },
  ]
}

/** The constants adamNodes and meanBceNodes read. */
export const stepConstants = () => scalars({ ONE: 1, E7: 1e-7, ONEE7: 1 + 1e-7, BETA1: ADAM.beta1, OMB1: 1 - ADAM.beta1, BETA2: ADAM.beta2, OMB2: 1 - ADAM.beta2, EPS: ADAM.eps })

/** The head's parameters in HeadEngineSpec.init's order, with their shapes: [W1, B1] or [W1, B1, W2, B2]. */
function headParams(d: number, g: number, h: number): [string, number[]][] {
  return h
    ? [
        ['W1', [d, h]],
        ['B1', [h]],
        ['W2', [h, g]],
        ['B2', [g]],
      ]
    : [
        ['W1', [d, g]],
        ['B1', [g]],
      ]
}

const tensor = (a: Float32Array, dims: number[]) => new ort.Tensor('float32', a, dims)

/** Feeds of the parameters (and of Adam's moments, `prefix` M_ / V_), values in headParams' order. */
const paramFeeds = (params: [string, number[]][], values: Float32Array[], prefix = '') => Object.fromEntries(params.map(([n, dims], i) => [prefix + n, tensor(values[i], dims)]))

/** The step graph: inputs X, Y, LR (bias-corrected rate), INVN (1/rows), POSW, the parameters and Adam's moments. */
export function stepGraph(spec: { dims: number; genres: number; hidden: number; loss: 'bce' | 'balanced'; weightDecay: number }): Uint8Array {
  const { dims: d, genres: g, hidden: h } = spec
  const table = headParams(d, g, h)
  const params = table.map(([n]) => n)
  const nodes = forward(h > 0)
  // dLoss/dlogit, averaged over the batch: bce p − y; balanced w·y·(p−1) + (1−y)·p.
  if (spec.loss === 'bce') nodes.push({ op: 'Sub', inputs: ['P', 'Y'], outputs: ['G'] })
  else
    nodes.push(
      { op: 'Mul', inputs: ['Y', 'POSW'], outputs: ['YW'] },
      { op: 'Sub', inputs: ['P', 'ONE'], outputs: ['PM1'] },
      { op: 'Mul', inputs: ['YW', 'PM1'], outputs: ['POSPART'] },
      { op: 'Sub', inputs: ['ONE', 'Y'], outputs: ['NY'] },
      { op: 'Mul', inputs: ['NY', 'P'], outputs: ['NEGPART'] },
      { op: 'Add', inputs: ['POSPART', 'NEGPART'], outputs: ['G'] },
    )
  nodes.push({ op: 'Mul', inputs: ['G', 'INVN'], outputs: ['DZ'] })
  // Gradients: Gemm's transA / transB read the transposed operand in place.
  const grads: Record<string, string> = {}
  if (h) {
    nodes.push(
      ...hiddenBackwardNodes('X'),
      { op: 'Mul', inputs: ['W2', 'WD'], outputs: ['DECAY2'] },
      { op: 'Add', inputs: ['DW2', 'DECAY2'], outputs: ['GW2'] },
    )
    Object.assign(grads, { W2: 'GW2', B2: 'GB2' })
  } else {
    nodes.push(
      { op: 'Gemm', inputs: ['X', 'DZ'], outputs: ['DW1'], attrs: { transA: 1 } },
      { op: 'ReduceSum', inputs: ['DZ', 'AXIS0'], outputs: ['GB1'], attrs: { keepdims: 0 } },
    )
  }
  // Weight decay on the weight matrices only, not the biases.
  nodes.push({ op: 'Mul', inputs: ['W1', 'WD'], outputs: ['DECAY1'] }, { op: 'Add', inputs: ['DW1', 'DECAY1'], outputs: ['GW1'] })
  Object.assign(grads, { W1: 'GW1', B1: 'GB1' })
  nodes.push(...adamNodes(params, grads), ...meanBceNodes())
  return buildModel({
    name: 'head-step',
    inputs: [
      ['X', ['n', d]],
      ['Y', ['n', g]],
      ['LR', []],
      ['INVN', []],
      ['POSW', [g]],
      ...table.flatMap(([p, dims]) => [[p, dims] as [string, number[]], [`M_${p}`, dims] as [string, number[]], [`V_${p}`, dims] as [string, number[]]]),
    ],
    outputs: [
      ['LOSS', []],
      ...table.flatMap(([p, dims]) => [[`NEW_${p}`, dims] as [string, number[]], [`NEWM_${p}`, dims] as [string, number[]], [`NEWV_${p}`, dims] as [string, number[]]]),
    ],
    constants: {
      ...stepConstants(),
      ...scalars({ ZERO: 0, WD: spec.weightDecay }),
      AXIS0: { dims: [1], values: BigInt64Array.of(0n) },
    },
    nodes,
  })
}

/**
 * Probabilities: inputs X and the parameters, output P. With `standardise`, X is raw and
 * MEAN and STD standardise it inside the graph (prediction), else X is standardised already.
 */
export function predictGraph(spec: { dims: number; genres: number; hidden: number; standardise?: boolean }): Uint8Array {
  const { dims: d, genres: g, hidden: h } = spec
  const params = headParams(d, g, h)
  if (!spec.standardise) return buildModel({ name: 'head-predict', inputs: [['X', ['n', d]], ...params], outputs: [['P', ['n', g]]], constants: {}, nodes: forward(h > 0) })
  return buildModel({
    name: 'head-predict-raw',
    inputs: [['XRAW', ['n', d]], ['MEAN', [d]], ['STD', [d]], ...params],
    outputs: [['P', ['n', g]]],
    constants: {},
    nodes: [{ op: 'Sub', inputs: ['XRAW', 'MEAN'], outputs: ['XC'] }, { op: 'Div', inputs: ['XC', 'STD'], outputs: ['X'] }, ...forward(h > 0)],
  })
}

const sessionOptions = (threads: number): ort.InferenceSession.SessionOptions => ({
  executionProviders: ['cpu'],
  intraOpNumThreads: threads,
  interOpNumThreads: 1,
  graphOptimizationLevel: 'all',
  logSeverityLevel: 3,
  // Threads that spin between ops burn a core the rest of the worker needs (measured: 1.5x the CPU for no gain).
  extra: { session: { intra_op: { allow_spinning: '0' } } },
})

/**
 * Predicts saved heads (raw feature rows in, probabilities out) on onnxruntime, one session
 * per head shape, kept for the next call. Like the engine, for the calling thread only.
 */
export function onnxHeadPredictor(threads = 1): { predict(w: HeadWeights, x: Float32Array): Promise<Float32Array> } {
  const sessions = new Map<string, Promise<ort.InferenceSession>>()
  return {
    async predict(w, input) {
      const key = `${w.dims}x${w.hidden}x${w.genres}`
      let session = sessions.get(key)
      if (!session) {
        session = ort.InferenceSession.create(predictGraph({ dims: w.dims, genres: w.genres, hidden: w.hidden, standardise: true }), sessionOptions(threads))
        sessions.set(key, session)
        session.catch(() => sessions.delete(key))
      }
      const x = w.l2 ? l2Rows(input, w.dims) : input
      const n = x.length / w.dims
      const values = w.hidden ? [w.w1, w.b1, w.w2!, w.b2!] : [w.w1, w.b1]
      const feeds = { XRAW: tensor(x, [n, w.dims]), MEAN: tensor(w.mean, [w.dims]), STD: tensor(w.std, [w.dims]), ...paramFeeds(headParams(w.dims, w.genres, w.hidden), values) }
      return (await (await session).run(feeds)).P.data as Float32Array
    },
  }
}

/**
 * The onnxruntime engine for `spec`, or null when its loss has no graph here (asymmetric:
 * TensorFlow.js trains it). `threads`: onnxruntime's own compute threads. It runs in the
 * calling thread only: onnxruntime-node is not safe in several worker threads
 * (microsoft/onnxruntime#24486), so trainings take turns and each step uses the cores.
 */
export async function onnxHeadEngine(spec: HeadEngineSpec, threads = 1): Promise<HeadEngine | null> {
  if (spec.loss !== 'bce' && spec.loss !== 'balanced') return null
  const { dims: d, genres: g, hidden: h } = spec
  const options = sessionOptions(threads)
  const [step, predict] = await Promise.all([
    ort.InferenceSession.create(stepGraph({ dims: d, genres: g, hidden: h, loss: spec.loss, weightDecay: spec.weightDecay }), options),
    ort.InferenceSession.create(predictGraph({ dims: d, genres: g, hidden: h }), options),
  ])
  const table = headParams(d, g, h)
  // The parameters and Adam's moments, in the table's order; each step's outputs replace them.
  let params = spec.init
  let m: Float32Array[] = params.map((a) => new Float32Array(a.length))
  let v: Float32Array[] = params.map((a) => new Float32Array(a.length))
  const batches: { x: ort.Tensor; y: ort.Tensor; invN: ort.Tensor }[] = []
  const posW = tensor(spec.posWeight, [g])
  const held: (ort.Tensor | null)[] = []
  return {
    name: 'onnxruntime',
    addBatch(x, y, n) {
      batches.push({ x: tensor(x, [n, d]), y: tensor(y, [n, g]), invN: tensor(Float32Array.of(1 / n), []) })
    },
    addHeld(x, n) {
      return held.push(n ? tensor(x, [n, d]) : null) - 1
    },
    async step(i, lr) {
      const b = batches[i]
      const feeds = { X: b.x, Y: b.y, LR: tensor(Float32Array.of(lr), []), INVN: b.invN, POSW: posW, ...paramFeeds(table, params), ...paramFeeds(table, m, 'M_'), ...paramFeeds(table, v, 'V_') }
      const out = await step.run(feeds)
      const taken = (prefix: string) => table.map(([n]) => out[prefix + n].data as Float32Array)
      ;[params, m, v] = [taken('NEW_'), taken('NEWM_'), taken('NEWV_')]
      return (out.LOSS.data as Float32Array)[0]
    },
    async predictHeld(i) {
      const x = held[i]
      if (!x) return new Float32Array(0)
      const out = await predict.run({ X: x, ...paramFeeds(table, params) })
      return out.P.data as Float32Array
    },
    weights: () => params.map((a) => a.slice()),
    dispose() {
      void step.release()
      void predict.release()
    },
  }
}
