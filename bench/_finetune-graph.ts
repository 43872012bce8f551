// The ONNX graphs of the accuracy bench's partial fine-tuning (bench/_accuracy-finetune.ts):
// the backbone's last 1x1 convolution (the dequantized int8 weights of train/last-conv.ts)
// trained with the head, one graph a step on onnxruntime. Input: the cached uint8 320-channel
// maps [n·hw × C] (channels last), dequantized in the graph; the convolution's clamped output
// is averaged over the map, joined to the kept inner-stage features, standardised with the
// stage-1 head's mean and std, and fed to the head. The convolution is pulled towards its
// pretrained weights (L2-SP), the head's weights towards 0, as head.ts decays them.
import { buildModel, type BuiltNode } from '../src/main/ml/onnx/graph'
import { adamNodes, hiddenBackwardNodes, meanBceNodes, stepConstants } from '../src/main/ml/train/head-onnx'

export interface FineTuneShape {
  hw: number
  channels: number
  out: number
  inner: number
  hidden: number
  genres: number
  /** The quantized input: value = scale · (q − zeroPoint). */
  scale: number
  zeroPoint: number
  /** The layer's clamp (ReLU6 in the quantized range). */
  lo: number
  hi: number
}

const f32 = (v: number) => ({ dims: [] as number[], values: Float32Array.of(v) })
const i64 = (...v: number[]) => ({ dims: [v.length], values: BigInt64Array.from(v.map(BigInt)) })

function forward(): BuiltNode[] {
  return [
    { op: 'Cast', inputs: ['MQ'], outputs: ['MF'], attrs: { to: 1 } },
    { op: 'Sub', inputs: ['MF', 'XZP'], outputs: ['MC'] },
    { op: 'Mul', inputs: ['MC', 'XSCALE'], outputs: ['XM'] },
    { op: 'MatMul', inputs: ['XM', 'W'], outputs: ['ZC0'] },
    { op: 'Add', inputs: ['ZC0', 'B'], outputs: ['ZC'] },
    { op: 'Clip', inputs: ['ZC', 'LO', 'HI'], outputs: ['AC'] },
    { op: 'Reshape', inputs: ['AC', 'SHAPE3'], outputs: ['AC3'] },
    { op: 'ReduceSum', inputs: ['AC3', 'AXIS1'], outputs: ['POOLSUM'], attrs: { keepdims: 0 } },
    { op: 'Mul', inputs: ['POOLSUM', 'INVHW'], outputs: ['POOL'] },
    { op: 'Concat', inputs: ['POOL', 'INNER'], outputs: ['FEAT'], attrs: { axis: 1 } },
    { op: 'Sub', inputs: ['FEAT', 'MEAN'], outputs: ['FC'] },
    { op: 'Div', inputs: ['FC', 'STD'], outputs: ['XS'] },
    { op: 'MatMul', inputs: ['XS', 'W1'], outputs: ['XW1'] },
    { op: 'Add', inputs: ['XW1', 'B1'], outputs: ['Z1'] },
    { op: 'Relu', inputs: ['Z1'], outputs: ['A1'] },
    { op: 'MatMul', inputs: ['A1', 'W2'], outputs: ['AW2'] },
    { op: 'Add', inputs: ['AW2', 'B2'], outputs: ['Z'] },
    { op: 'Sigmoid', inputs: ['Z'], outputs: ['P'] },
  ]
}

function constants(s: FineTuneShape) {
  return {
    XZP: f32(s.zeroPoint),
    XSCALE: f32(s.scale),
    LO: f32(s.lo),
    HI: f32(s.hi),
    INVHW: f32(1 / s.hw),
    SHAPE3: i64(-1, s.hw, s.out),
    SHAPE2: i64(-1, s.out),
    AXIS0: i64(0),
    AXIS1: i64(1),
    START0: i64(0),
    POOLEND: i64(s.out),
  }
}

const PARAMS = ['W', 'B', 'W1', 'B1', 'W2', 'B2'] as const

function paramShapes(s: FineTuneShape): Record<(typeof PARAMS)[number], number[]> {
  const d = s.out + s.inner
  return { W: [s.channels, s.out], B: [s.out], W1: [d, s.hidden], B1: [s.hidden], W2: [s.hidden, s.genres], B2: [s.genres] }
}

function inputs(s: FineTuneShape): ([string, (number | string)[]] | [string, (number | string)[], 'uint8'])[] {
  const d = s.out + s.inner
  const sh = paramShapes(s)
  return [['MQ', ['m', s.channels], 'uint8'], ['INNER', ['n', s.inner]], ['MEAN', [d]], ['STD', [d]], ...PARAMS.map((p) => [p, sh[p]] as [string, number[]])]
}

export function finetunePredictGraph(s: FineTuneShape): Uint8Array {
  return buildModel({ name: 'ft-predict', inputs: inputs(s), outputs: [['P', ['n', s.genres]]], constants: constants(s), nodes: forward() })
}

/** One Adam step; extra inputs Y, LR (bias-corrected), INVN (1/posters), W0 (pretrained W), WD, and each parameter's moments. */
export function finetuneStepGraph(s: FineTuneShape): Uint8Array {
  const nodes = forward()
  nodes.push(
    { op: 'Sub', inputs: ['P', 'Y'], outputs: ['G'] },
    { op: 'Mul', inputs: ['G', 'INVN'], outputs: ['DZ'] },
    ...hiddenBackwardNodes('XS'),
    // Back into the pooled features: d loss / d pooled = (dZ1 · W1ᵀ)[:, :out] / std[:out], spread evenly over the map.
    { op: 'Gemm', inputs: ['DZ1', 'W1'], outputs: ['DXS'], attrs: { transB: 1 } },
    { op: 'Slice', inputs: ['DXS', 'START0', 'POOLEND', 'AXIS1'], outputs: ['DPS'] },
    { op: 'Slice', inputs: ['STD', 'START0', 'POOLEND', 'AXIS0'], outputs: ['STDP'] },
    { op: 'Div', inputs: ['DPS', 'STDP'], outputs: ['DPOOL0'] },
    { op: 'Mul', inputs: ['DPOOL0', 'INVHW'], outputs: ['DPOOL'] },
    { op: 'Unsqueeze', inputs: ['DPOOL', 'AXIS1'], outputs: ['DPOOL3'] },
    { op: 'Greater', inputs: ['ZC', 'LO'], outputs: ['ABOVE'] },
    { op: 'Less', inputs: ['ZC', 'HI'], outputs: ['BELOW'] },
    { op: 'And', inputs: ['ABOVE', 'BELOW'], outputs: ['INSIDE'] },
    { op: 'Cast', inputs: ['INSIDE'], outputs: ['MASKC'], attrs: { to: 1 } },
    { op: 'Reshape', inputs: ['MASKC', 'SHAPE3'], outputs: ['MASKC3'] },
    { op: 'Mul', inputs: ['MASKC3', 'DPOOL3'], outputs: ['DZC3'] },
    { op: 'Reshape', inputs: ['DZC3', 'SHAPE2'], outputs: ['DZC'] },
    { op: 'Gemm', inputs: ['XM', 'DZC'], outputs: ['DW'], attrs: { transA: 1 } },
    { op: 'ReduceSum', inputs: ['DZC', 'AXIS0'], outputs: ['GB'], attrs: { keepdims: 0 } },
    { op: 'Sub', inputs: ['W', 'W0'], outputs: ['WDIFF'] },
    { op: 'Mul', inputs: ['WDIFF', 'WD'], outputs: ['DECAY'] },
    { op: 'Add', inputs: ['DW', 'DECAY'], outputs: ['GW'] },
    { op: 'Mul', inputs: ['W1', 'WD'], outputs: ['DECAY1'] },
    { op: 'Add', inputs: ['DW1', 'DECAY1'], outputs: ['GW1'] },
    { op: 'Mul', inputs: ['W2', 'WD'], outputs: ['DECAY2'] },
    { op: 'Add', inputs: ['DW2', 'DECAY2'], outputs: ['GW2'] },
  )
  nodes.push(...adamNodes(PARAMS, { W: 'GW', B: 'GB', W1: 'GW1', B1: 'GB1', W2: 'GW2', B2: 'GB2' }), ...meanBceNodes())
  const sh = paramShapes(s)
  return buildModel({
    name: 'ft-step',
    inputs: [
      ...inputs(s),
      ['Y', ['n', s.genres]],
      ['LR', []],
      ['INVN', []],
      ['WD', []],
      ['W0', sh.W],
      ...PARAMS.flatMap((p) => [[`M_${p}`, sh[p]] as [string, number[]], [`V_${p}`, sh[p]] as [string, number[]]]),
    ],
    outputs: [['LOSS', []], ...PARAMS.flatMap((p) => [[`NEW_${p}`, sh[p]] as [string, number[]], [`NEWM_${p}`, sh[p]] as [string, number[]], [`NEWV_${p}`, sh[p]] as [string, number[]]])],
    constants: {
      ...constants(s),
      ...stepConstants(),
      ZERO: f32(0),
    },
    nodes,
  })
}

export { PARAMS, paramShapes }
