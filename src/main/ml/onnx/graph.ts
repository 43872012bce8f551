// ONNX graph view and edits through protobuf-es and the compiled onnx.proto (onnx-buf):
// node wiring and initializer shapes for the structural search, and re-encoding a model with
// nodes and graph outputs appended or an input re-declared. protobuf-es keeps fields the
// schema does not know (a newer IR) and writes them back, so an edit loses nothing. buildModel
// writes a small model from nothing (the head's training step, train/head-onnx.ts).
import { create, fromBinary, toBinary } from '@bufbuild/protobuf'
import {
  AttributeProto_AttributeType,
  AttributeProtoSchema,
  GraphProtoSchema,
  ModelProtoSchema,
  OperatorSetIdProtoSchema,
  TensorProtoSchema,
  NodeProtoSchema,
  TensorProto_DataType,
  TensorShapeProto_DimensionSchema,
  TensorShapeProtoSchema,
  TypeProto_TensorSchema,
  TypeProtoSchema,
  ValueInfoProtoSchema,
  type GraphProto,
  type ModelProto,
  type ValueInfoProto,
} from 'onnx-buf'

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
}

export interface OnnxGraph {
  nodes: OnnxNode[]
  initializers: Map<string, OnnxInitializer>
  /** Graph inputs that are not initializers (the real model inputs). */
  inputs: string[]
  outputs: string[]
}

/** The decoded model and its graph; every malformed input says it is not an ONNX model. */
function decodeModel(bytes: Uint8Array): { model: ModelProto; graph: GraphProto } {
  let model: ModelProto
  try {
    model = fromBinary(ModelProtoSchema, bytes)
  } catch (err) {
    throw new Error(`not an ONNX model: ${(err as Error).message}`)
  }
  if (!model.graph) throw new Error('not an ONNX model: it has no graph')
  return { model, graph: model.graph }
}

export function parseModel(bytes: Uint8Array): OnnxGraph {
  const { graph } = decodeModel(bytes)
  const initializers = new Map<string, OnnxInitializer>()
  for (const t of graph.initializer) initializers.set(t.name, { name: t.name, dims: t.dims.map(Number), dataType: t.dataType })
  return {
    nodes: graph.node.map((n, index) => ({ index, opType: n.opType, domain: n.domain, inputs: [...n.input], outputs: [...n.output] })),
    initializers,
    inputs: graph.input.map((v) => v.name).filter((n) => !initializers.has(n)),
    outputs: graph.output.map((v) => v.name),
  }
}

/**
 * Numeric values of the named initializers (float32, uint8, int8, int32 or int64), for the
 * layers rebuilt outside onnxruntime (train/last-conv.ts dequantizes them).
 */
export function initializerValues(bytes: Uint8Array, names: string[]): Map<string, number[]> {
  const { graph } = decodeModel(bytes)
  const want = new Set(names)
  const out = new Map<string, number[]>()
  for (const t of graph.initializer) {
    if (!want.has(t.name)) continue
    const raw = t.rawData
    let values: number[]
    if (raw.length) {
      const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength)
      const dt = t.dataType
      values = []
      if (dt === TensorProto_DataType.FLOAT) for (let i = 0; i < raw.length; i += 4) values.push(view.getFloat32(i, true))
      else if (dt === TensorProto_DataType.UINT8) for (const b of raw) values.push(b)
      else if (dt === TensorProto_DataType.INT8) for (let i = 0; i < raw.length; i++) values.push(view.getInt8(i))
      else if (dt === TensorProto_DataType.INT32) for (let i = 0; i < raw.length; i += 4) values.push(view.getInt32(i, true))
      else if (dt === TensorProto_DataType.INT64) for (let i = 0; i < raw.length; i += 8) values.push(Number(view.getBigInt64(i, true)))
      else throw new Error(`initializer ${t.name}: unsupported data type ${dt}`)
    } else if (t.floatData.length) values = [...t.floatData]
    else if (t.int64Data.length) values = t.int64Data.map(Number)
    // uint8 / int8 / int32 without raw bytes are stored in int32_data.
    else values = [...t.int32Data]
    out.set(t.name, values)
  }
  for (const n of names) if (!out.has(n)) throw new Error(`the model has no initializer ${n}`)
  return out
}

export interface NewNode {
  opType: string
  inputs: string[]
  outputs: string[]
  name: string
  domain?: string
}

/** A float32 tensor's ValueInfoProto; dims numbers are fixed, strings symbolic, none: ORT infers the shape. */
function tensorValueInfo(name: string, dims?: (number | string)[], elemType: number = TensorProto_DataType.FLOAT): ValueInfoProto {
  const shape = dims
    ? create(TensorShapeProtoSchema, {
        dim: dims.map((d) =>
          create(TensorShapeProto_DimensionSchema, { value: typeof d === 'number' ? { case: 'dimValue', value: BigInt(d) } : { case: 'dimParam', value: d } }),
        ),
      })
    : undefined
  const tensorType = create(TypeProto_TensorSchema, { elemType, shape })
  return create(ValueInfoProtoSchema, { name, type: create(TypeProtoSchema, { value: { case: 'tensorType', value: tensorType } }) })
}

/**
 * Returns new model bytes whose graph has `nodes` appended and `outputs` (float tensors)
 * added as graph outputs. Everything else is kept as it was decoded.
 */
export function withExtraOutputs(bytes: Uint8Array, nodes: NewNode[], outputs: string[]): Uint8Array {
  const { model, graph } = decodeModel(bytes)
  for (const n of nodes) {
    graph.node.push(create(NodeProtoSchema, { input: n.inputs, output: n.outputs, name: n.name, opType: n.opType, ...(n.domain ? { domain: n.domain } : {}) }))
  }
  for (const o of outputs) graph.output.push(tensorValueInfo(o))
  return toBinary(ModelProtoSchema, model)
}

/** Re-declares a graph input's shape (e.g. a taller image for a fully convolutional backbone). */
export function withInputDims(bytes: Uint8Array, input: string, dims: (number | string)[]): Uint8Array {
  const { model, graph } = decodeModel(bytes)
  const at = graph.input.findIndex((v) => v.name === input)
  if (at < 0) throw new Error(`the model has no input ${input}`)
  graph.input[at] = tensorValueInfo(input, dims)
  // Stored value_info shapes were inferred for the old input size: drop them (ORT re-infers).
  graph.valueInfo = []
  return toBinary(ModelProtoSchema, model)
}

/** A node of a graph built from nothing: integer attributes only (Gemm's transposes, Cast's type). */
export interface BuiltNode {
  op: string
  inputs: string[]
  outputs: string[]
  attrs?: Record<string, number>
}

/**
 * A new single-graph model (opset 13): float inputs (uint8 where the third entry says so) and
 * float outputs with symbolic or fixed dims,
 * constant initializers (float32, or int64 when given as a BigInt64Array), and the nodes.
 */
export function buildModel(spec: {
  name: string
  inputs: ([string, (number | string)[]] | [string, (number | string)[], 'uint8'])[]
  outputs: [string, (number | string)[]][]
  constants: Record<string, { dims: number[]; values: Float32Array | BigInt64Array }>
  nodes: BuiltNode[]
}): Uint8Array {
  const initializer = Object.entries(spec.constants).map(([name, c]) =>
    create(TensorProtoSchema, {
      name,
      dims: c.dims.map(BigInt),
      dataType: c.values instanceof BigInt64Array ? TensorProto_DataType.INT64 : TensorProto_DataType.FLOAT,
      rawData: new Uint8Array(c.values.buffer, c.values.byteOffset, c.values.byteLength).slice(),
    }),
  )
  const node = spec.nodes.map((n, i) =>
    create(NodeProtoSchema, {
      name: `${n.op}_${i}`,
      opType: n.op,
      input: n.inputs,
      output: n.outputs,
      attribute: Object.entries(n.attrs ?? {}).map(([name, v]) => create(AttributeProtoSchema, { name, type: AttributeProto_AttributeType.INT, i: BigInt(v) })),
    }),
  )
  const graph = create(GraphProtoSchema, {
    name: spec.name,
    node,
    initializer,
    input: spec.inputs.map(([n, d, t]) => tensorValueInfo(n, d, t === 'uint8' ? TensorProto_DataType.UINT8 : TensorProto_DataType.FLOAT)),
    output: spec.outputs.map(([n, d]) => tensorValueInfo(n, d)),
  })
  const model = create(ModelProtoSchema, { irVersion: 8n, producerName: 'posterity', opsetImport: [create(OperatorSetIdProtoSchema, { domain: '', version: 13n })], graph })
  return toBinary(ModelProtoSchema, model)
}
