// Finds the pooled embedding (and inner block outputs) of a classification backbone
// STRUCTURALLY, so the stock zoo file works without a hand-made "-embed" copy: the input
// of the final classifier (the global-average-pool feeding the last MatMul/Gemm), and the
// last tensor of each inner stage, given by its channel count.
import { parseModel, withExtraOutputs, type NewNode, type OnnxGraph, type OnnxNode } from './graph'

export interface FeatureTap {
  /** Graph output name we add. */
  output: string
  /** Tensor inside the graph it reads. */
  source: string
  channels: number
}

export interface FeatureGraph {
  /** Model bytes with the taps added as float graph outputs. */
  bytes: Uint8Array
  input: string
  /** The pooled embedding tap first, then inner taps in the order asked. */
  taps: FeatureTap[]
  /** Total feature length per image. */
  dims: number
}

const CLASSIFIER_OPS = new Set(['QLinearMatMul', 'MatMul', 'Gemm', 'MatMulInteger'])
const PASS_THROUGH = new Set(['Reshape', 'Flatten', 'Squeeze'])
const POOL_OPS = new Set(['QLinearGlobalAveragePool', 'GlobalAveragePool', 'ReduceMean'])

/** Tensor (by name) → the node that produces it. */
function producers(g: OnnxGraph): Map<string, OnnxNode> {
  const m = new Map<string, OnnxNode>()
  for (const n of g.nodes) for (const o of n.outputs) m.set(o, n)
  return m
}

/** Output channels of a tensor produced by a conv (weight dims[0]) or an add of such tensors. */
function channelsOf(g: OnnxGraph, prod: Map<string, OnnxNode>, tensor: string, depth = 0): number | null {
  const n = prod.get(tensor)
  if (!n || depth > 50) return null
  if (n.opType === 'QLinearConv') return g.initializers.get(n.inputs[3])?.dims[0] ?? null
  if (n.opType === 'Conv') return g.initializers.get(n.inputs[1])?.dims[0] ?? null
  if (n.opType === 'QLinearAdd' || n.opType === 'Add' || POOL_OPS.has(n.opType) || n.opType === 'Relu' || n.opType === 'Clip')
    return channelsOf(g, prod, n.inputs[0], depth + 1)
  return null
}

/** Scale / zero-point tensor names of a quantized tensor, from the QLinear node producing it. */
function quantParams(prod: Map<string, OnnxNode>, tensor: string): [string, string] | null {
  const n = prod.get(tensor)
  if (!n) return null
  // QLinearConv / QLinearAdd / QLinearMatMul: y_scale, y_zero_point are inputs 6 and 7.
  if ((n.opType === 'QLinearConv' || n.opType === 'QLinearAdd' || n.opType === 'QLinearMatMul') && n.inputs.length >= 8)
    return [n.inputs[6], n.inputs[7]]
  if (n.opType === 'QLinearGlobalAveragePool') return [n.inputs[3], n.inputs[4]]
  if (n.opType === 'QuantizeLinear') return [n.inputs[1], n.inputs[2]]
  if (PASS_THROUGH.has(n.opType)) return quantParams(prod, n.inputs[0])
  return null
}

export interface PooledInfo {
  /** The classifier's input tensor (the pooled embedding, possibly quantized). */
  tensor: string
  /** The feature map the global pool reads (for extra poolings of it). */
  map: string
  quantized: boolean
  scale?: string
  zeroPoint?: string
  channels: number | null
}

/** The input of the last classifier op, traced back to a global-average pool. */
export function findPooledEmbedding(g: OnnxGraph): PooledInfo {
  const prod = producers(g)
  const classifier = [...g.nodes].reverse().find((n) => CLASSIFIER_OPS.has(n.opType))
  if (!classifier) throw new Error('backbone: no final MatMul/Gemm classifier found; cannot locate the pooled embedding')
  const tensor = classifier.inputs[0]
  // Walk back through reshapes to the pool, to be sure this is the pooled feature vector.
  let cur = prod.get(tensor)
  for (let i = 0; cur && PASS_THROUGH.has(cur.opType) && i < 10; i++) cur = prod.get(cur.inputs[0])
  if (!cur || !POOL_OPS.has(cur.opType))
    throw new Error(`backbone: the classifier input ${tensor} does not come from a global-average pool`)
  const channels = channelsOf(g, prod, cur.inputs[0])
  const map = cur.inputs[0]
  if (classifier.opType === 'QLinearMatMul') {
    return { tensor, map, quantized: true, scale: classifier.inputs[1], zeroPoint: classifier.inputs[2], channels }
  }
  return { tensor, map, quantized: false, channels }
}

/**
 * The last tensor (in node order) with each wanted channel count among conv / add outputs:
 * for MobileNetV2 with [32, 64, 96, 160, 320] these are the outputs of the inner stages.
 */
export function findStageOutputs(g: OnnxGraph, channels: number[]): { tensor: string; channels: number; scale?: string; zeroPoint?: string }[] {
  const prod = producers(g)
  const last = new Map<number, string>()
  for (const n of g.nodes) {
    if (!['QLinearConv', 'QLinearAdd', 'Conv', 'Add'].includes(n.opType)) continue
    const c = channelsOf(g, prod, n.outputs[0])
    if (c !== null && channels.includes(c)) last.set(c, n.outputs[0])
  }
  return channels.map((c) => {
    const tensor = last.get(c)
    if (!tensor) throw new Error(`backbone: no inner tensor with ${c} channels`)
    const q = quantParams(prod, tensor)
    return q ? { tensor, channels: c, scale: q[0], zeroPoint: q[1] } : { tensor, channels: c }
  })
}

/**
 * Adds the pooled embedding (+ optional GAP of inner stages) as float graph outputs;
 * `maxPool` also adds the global max of the final feature map and of each inner stage.
 */
export function buildFeatureGraph(bytes: Uint8Array, innerChannels: number[] = [], opts: { maxPool?: boolean } = {}): FeatureGraph {
  const g = parseModel(bytes)
  if (g.inputs.length !== 1) throw new Error(`backbone: expected one image input, found ${g.inputs.length}`)
  const pooled = findPooledEmbedding(g)
  const nodes: NewNode[] = []
  const taps: FeatureTap[] = []
  const out = 'posterity_embedding'
  if (pooled.quantized) {
    nodes.push({ opType: 'DequantizeLinear', inputs: [pooled.tensor, pooled.scale!, pooled.zeroPoint!], outputs: [out], name: 'posterity_embedding_dq' })
  } else {
    nodes.push({ opType: 'Identity', inputs: [pooled.tensor], outputs: [out], name: 'posterity_embedding_id' })
  }
  taps.push({ output: out, source: pooled.tensor, channels: pooled.channels ?? 0 })
  findStageOutputs(g, innerChannels).forEach((s, i) => {
    const name = `posterity_stage${i}`
    let src = s.tensor
    if (s.scale) {
      nodes.push({ opType: 'DequantizeLinear', inputs: [s.tensor, s.scale, s.zeroPoint!], outputs: [`${name}_f`], name: `${name}_dq` })
      src = `${name}_f`
    }
    nodes.push({ opType: 'GlobalAveragePool', inputs: [src], outputs: [name], name: `${name}_gap` })
    taps.push({ output: name, source: s.tensor, channels: s.channels })
    if (opts.maxPool) {
      nodes.push({ opType: 'GlobalMaxPool', inputs: [src], outputs: [`${name}_max`], name: `${name}_gmp` })
      taps.push({ output: `${name}_max`, source: s.tensor, channels: s.channels })
    }
  })
  if (opts.maxPool) {
    const prod = producers(g)
    const q = quantParams(prod, pooled.map)
    let src = pooled.map
    if (q) {
      nodes.push({ opType: 'DequantizeLinear', inputs: [pooled.map, q[0], q[1]], outputs: ['posterity_map_f'], name: 'posterity_map_dq' })
      src = 'posterity_map_f'
    }
    nodes.push({ opType: 'GlobalMaxPool', inputs: [src], outputs: ['posterity_embedding_max'], name: 'posterity_map_gmp' })
    taps.push({ output: 'posterity_embedding_max', source: pooled.map, channels: pooled.channels ?? 0 })
  }
  return {
    bytes: withExtraOutputs(bytes, nodes, taps.map((t) => t.output)),
    input: g.inputs[0],
    taps,
    dims: taps.reduce((s, t) => s + t.channels, 0),
  }
}
