// ONNX graph view over the raw protobuf: nodes, initializers, inputs and outputs, and
// re-encoding the model with extra nodes and graph outputs appended.
import { concat, lenField, readFields, readInts, str, varintField, type Field } from './proto'

// Field numbers from onnx.proto.
const MODEL_GRAPH = 7
const GRAPH = { node: 1, initializer: 5, input: 11, output: 12, valueInfo: 13 }
const NODE = { input: 1, output: 2, name: 3, opType: 4, domain: 7 }
const TENSOR = { dims: 1, dataType: 2, floatData: 4, int32Data: 5, int64Data: 7, name: 8, rawData: 9 }

export interface OnnxNode {
  index: number
  opType: string
  domain: string
  inputs: string[]
  outputs: string[]
}

export interface OnnxInitializer {
  name: string
  dims: number[]
  dataType: number
  fields: Field[]
}

export interface OnnxGraph {
  bytes: Uint8Array
  nodes: OnnxNode[]
  initializers: Map<string, OnnxInitializer>
  /** Graph inputs that are not initializers (the real model inputs). */
  inputs: string[]
  outputs: string[]
}

export function parseModel(bytes: Uint8Array): OnnxGraph {
  let top: Field[]
  try {
    top = readFields(bytes)
  } catch (err) {
    throw new Error(`not an ONNX model: ${(err as Error).message}`)
  }
  const graphField = top.find((f) => f.no === MODEL_GRAPH && f.wire === 2)
  if (!graphField) throw new Error('not an ONNX model: it has no graph')
  const g = readFields(graphField.bytes!)
  const nodes: OnnxNode[] = []
  const initializers = new Map<string, OnnxInitializer>()
  const inputs: string[] = []
  const outputs: string[] = []
  for (const f of g) {
    if (f.wire !== 2) continue
    if (f.no === GRAPH.node) {
      const nf = readFields(f.bytes!)
      nodes.push({
        index: nodes.length,
        opType: str(nf.find((x) => x.no === NODE.opType)),
        domain: str(nf.find((x) => x.no === NODE.domain)),
        inputs: nf.filter((x) => x.no === NODE.input).map(str),
        outputs: nf.filter((x) => x.no === NODE.output).map(str),
      })
    } else if (f.no === GRAPH.initializer) {
      const tf = readFields(f.bytes!)
      const name = str(tf.find((x) => x.no === TENSOR.name))
      initializers.set(name, {
        name,
        dims: readInts(tf, TENSOR.dims).map(Number),
        dataType: Number(tf.find((x) => x.no === TENSOR.dataType)?.int ?? 0n),
        fields: tf,
      })
    } else if (f.no === GRAPH.input || f.no === GRAPH.output) {
      const name = str(readFields(f.bytes!).find((x) => x.no === 1))
      ;(f.no === GRAPH.input ? inputs : outputs).push(name)
    }
  }
  return { bytes, nodes, initializers, inputs: inputs.filter((n) => !initializers.has(n)), outputs }
}

/** Numeric values of a (small) initializer: float32, uint8, int8, int32 or int64. */
export function initializerValues(init: OnnxInitializer): number[] {
  const raw = init.fields.find((f) => f.no === TENSOR.rawData)?.bytes
  const dt = init.dataType
  if (raw) {
    const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength)
    const out: number[] = []
    if (dt === 1) for (let i = 0; i < raw.length; i += 4) out.push(view.getFloat32(i, true))
    else if (dt === 2) for (const b of raw) out.push(b)
    else if (dt === 3) for (let i = 0; i < raw.length; i++) out.push(view.getInt8(i))
    else if (dt === 6) for (let i = 0; i < raw.length; i += 4) out.push(view.getInt32(i, true))
    else if (dt === 7) for (let i = 0; i < raw.length; i += 8) out.push(Number(view.getBigInt64(i, true)))
    else throw new Error(`initializer ${init.name}: unsupported data type ${dt}`)
    return out
  }
  const floats = init.fields.find((f) => f.no === TENSOR.floatData && f.wire === 2)?.bytes
  if (floats) {
    const view = new DataView(floats.buffer, floats.byteOffset, floats.byteLength)
    const out: number[] = []
    for (let i = 0; i < floats.length; i += 4) out.push(view.getFloat32(i, true))
    return out
  }
  // uint8 / int8 / int32 are stored in int32_data; int64 in int64_data.
  return readInts(init.fields, dt === 7 ? TENSOR.int64Data : TENSOR.int32Data).map(Number)
}

export interface NewNode {
  opType: string
  inputs: string[]
  outputs: string[]
  name: string
  domain?: string
}

function encodeNode(n: NewNode): Uint8Array {
  return concat([
    ...n.inputs.map((i) => lenField(NODE.input, i)),
    ...n.outputs.map((o) => lenField(NODE.output, o)),
    lenField(NODE.name, n.name),
    lenField(NODE.opType, n.opType),
    ...(n.domain ? [lenField(NODE.domain, n.domain)] : []),
  ])
}

/** ValueInfoProto: a float32 tensor of unspecified shape (ORT infers it). */
function encodeFloatOutput(name: string): Uint8Array {
  const tensorType = varintField(1, 1) // elem_type FLOAT
  const typeProto = lenField(1, tensorType) // TypeProto.tensor_type
  return concat([lenField(1, name), lenField(2, typeProto)])
}

/**
 * Returns new model bytes whose graph has `nodes` appended and `outputs` (float tensors)
 * added as graph outputs. Everything else is copied byte for byte.
 */
export function withExtraOutputs(bytes: Uint8Array, nodes: NewNode[], outputs: string[]): Uint8Array {
  const top = readFields(bytes)
  const graphField = top.find((f) => f.no === MODEL_GRAPH && f.wire === 2)
  if (!graphField) throw new Error('not an ONNX model: it has no graph')
  const extra = concat([
    ...nodes.map((n) => lenField(GRAPH.node, encodeNode(n))),
    ...outputs.map((o) => lenField(GRAPH.output, encodeFloatOutput(o))),
  ])
  const graph = lenField(MODEL_GRAPH, concat([graphField.bytes!, extra]))
  return concat([bytes.subarray(0, graphField.start), graph, bytes.subarray(graphField.end)])
}

/** ValueInfoProto of a float tensor with the given dims (numbers fixed, strings symbolic). */
function encodeFloatInput(name: string, dims: (number | string)[]): Uint8Array {
  const dimProtos = dims.map((d) => lenField(1, typeof d === 'number' ? varintField(1, d) : lenField(2, d)))
  const shape = concat(dimProtos)
  const tensorType = concat([varintField(1, 1), lenField(2, shape)])
  return concat([lenField(1, name), lenField(2, lenField(1, tensorType))])
}

/** Re-declares a graph input's shape (e.g. a taller image for a fully convolutional backbone). */
export function withInputDims(bytes: Uint8Array, input: string, dims: (number | string)[]): Uint8Array {
  const top = readFields(bytes)
  const graphField = top.find((f) => f.no === MODEL_GRAPH && f.wire === 2)
  if (!graphField) throw new Error('not an ONNX model: it has no graph')
  const gbytes = graphField.bytes!
  let found = false
  // Stored value_info shapes were inferred for the old input size: drop them (ORT re-infers).
  const parts = readFields(gbytes).filter((f) => f.no !== GRAPH.valueInfo).map((f) => {
    if (f.no === GRAPH.input && f.wire === 2 && str(readFields(f.bytes!).find((x) => x.no === 1)) === input) {
      found = true
      return lenField(GRAPH.input, encodeFloatInput(input, dims))
    }
    return gbytes.subarray(f.start, f.end)
  })
  if (!found) throw new Error(`the model has no input ${input}`)
  const graph = lenField(MODEL_GRAPH, concat(parts))
  return concat([bytes.subarray(0, graphField.start), graph, bytes.subarray(graphField.end)])
}
