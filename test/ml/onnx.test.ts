import { existsSync, readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import sharp from 'sharp'
import { describe, expect, it } from 'vitest'
import * as ort from 'onnxruntime-node'
import { concat, lenField, readFields, readVarint, str, varintField, writeVarint } from '../../src/main/ml/onnx/proto'
import { parseModel, withExtraOutputs } from '../../src/main/ml/onnx/graph'
import { buildFeatureGraph, findPooledEmbedding } from '../../src/main/ml/onnx/features'
import { DEFAULT_FEATURES, FEATURE_SETS, MOBILENET_V2 } from '../../src/main/ml/backbone/catalog'
import { Embedder } from '../../src/main/ml/embed/embedder'

const modelsDir = process.env.POSTERITY_MODELS ?? resolve(__dirname, '../../../shared/models')
const stock = resolve(modelsDir, 'mobilenetv2-12-int8.onnx')
const embedCopy = resolve(modelsDir, 'mobilenetv2-12-int8-embed.onnx')
const haveModels = existsSync(stock) && existsSync(embedCopy)
if (!haveModels) console.warn(`[test/ml] ${modelsDir} has no MobileNetV2 files: skipping the real-backbone tests (set POSTERITY_MODELS)`)

describe('protobuf reader / writer', () => {
  it('round-trips varints, including 64-bit ones', () => {
    for (const v of [0n, 1n, 127n, 128n, 300n, 2n ** 35n, 2n ** 63n - 1n]) {
      const [back, end] = readVarint(writeVarint(v), 0)
      expect(back).toBe(v)
      expect(end).toBe(writeVarint(v).length)
    }
  })

  it('appends nodes and outputs to a graph without disturbing other fields', () => {
    // A hand-made ModelProto: ir_version (1), graph (7) with one node and one output.
    const node = lenField(1, concat([lenField(1, 'x'), lenField(2, 'y'), lenField(4, 'Relu')]))
    const out = lenField(12, lenField(1, 'y'))
    const model = concat([varintField(1, 8), lenField(7, concat([node, lenField(2, 'g'), out])), lenField(8, 'opset-ish')])
    const extended = withExtraOutputs(model, [{ opType: 'Identity', inputs: ['y'], outputs: ['z'], name: 'n2' }], ['z'])
    const g = parseModel(extended)
    expect(g.nodes.map((n) => n.opType)).toEqual(['Relu', 'Identity'])
    expect(g.outputs).toEqual(['y', 'z'])
    const top = readFields(extended)
    expect(top.map((f) => f.no)).toEqual([1, 7, 8])
    expect(str(top[2])).toBe('opset-ish')
    expect(top[0].int).toBe(8n)
  })

  it('refuses bytes that are not an ONNX model with a clear error', () => {
    expect(() => parseModel(new TextEncoder().encode('definitely not a model'))).toThrow(/not an ONNX model/)
    expect(() => buildFeatureGraph(concat([varintField(1, 8)]))).toThrow(/no graph/)
  })
})

describe.skipIf(!haveModels)('the real MobileNetV2 backbone', () => {
  it('finds the pooled embedding structurally, equal to the -embed copy output', async () => {
    const bytes = readFileSync(stock)
    const pooled = findPooledEmbedding(parseModel(bytes))
    expect(pooled.quantized).toBe(true)
    expect(pooled.channels).toBe(1280)
    const fg = buildFeatureGraph(bytes)
    const ours = await ort.InferenceSession.create(fg.bytes)
    const ref = await ort.InferenceSession.create(embedCopy)
    // Real pixels: a generated gradient poster, normalised the catalogue's way.
    const s = 224
    const rgb = await sharp({ create: { width: s, height: s, channels: 3, background: '#336699' } })
      .composite([{ input: Buffer.from(`<svg width="${s}" height="${s}"><rect x="20" y="30" width="120" height="90" fill="#f0c020"/><circle cx="150" cy="160" r="50" fill="#aa1133"/></svg>`) }])
      .raw()
      .toBuffer()
    const data = new Float32Array(3 * s * s)
    const { mean, std } = MOBILENET_V2.preprocessing
    for (let i = 0; i < s * s; i++) for (let c = 0; c < 3; c++) data[c * s * s + i] = (rgb[i * 3 + c] / 255 - mean[c]) / std[c]
    const t = new ort.Tensor('float32', data, [1, 3, s, s])
    const a = (await ours.run({ input: t }))[fg.taps[0].output].data as Float32Array
    const b = (await ref.run({ input: t })).embedding.data as Float32Array
    expect(a.length).toBe(1280)
    expect(Array.from(a)).toEqual(Array.from(b))
    expect(a.some((v) => v !== 0)).toBe(true)
  })

  it('embeds generated posters of every colour kind (default tall input); unreadable files are reported, not fatal', async () => {
    expect(FEATURE_SETS[DEFAULT_FEATURES].input).toEqual({ width: 224, height: 320 })
    const e = await Embedder.open(readFileSync(stock), MOBILENET_V2, FEATURE_SETS[DEFAULT_FEATURES], { batch: 4 })
    expect(e.dims).toBe(1952)
    expect(['cpu', 'cuda', 'dml', 'coreml']).toContain(e.provider)
    const rgb = await sharp({ create: { width: 60, height: 90, channels: 3, background: '#884422' } }).jpeg().toBuffer()
    const grey = await sharp({ create: { width: 50, height: 80, channels: 3, background: '#777777' } }).greyscale().png().toBuffer()
    const alpha = await sharp({ create: { width: 40, height: 70, channels: 4, background: { r: 10, g: 200, b: 30, alpha: 0.5 } } }).png().toBuffer()
    const cmyk = await sharp({ create: { width: 40, height: 60, channels: 3, background: '#2040c0' } }).toColourspace('cmyk').jpeg().toBuffer()
    const items = [
      { key: 'rgb', source: rgb },
      { key: 'grey', source: grey },
      { key: 'alpha', source: alpha },
      { key: 'cmyk', source: cmyk },
      { key: 'bad', source: Buffer.from('not an image') },
    ]
    const out = new Map<string, Float32Array | string>()
    await e.run(items, (rs) => rs.forEach((r) => out.set(r.key, r.vector ?? r.error ?? '')))
    await e.close()
    for (const k of ['rgb', 'grey', 'alpha', 'cmyk']) {
      const v = out.get(k)
      expect(v, k).toBeInstanceOf(Float32Array)
      expect((v as Float32Array).length).toBe(1952)
      expect((v as Float32Array).every(Number.isFinite)).toBe(true)
    }
    expect(typeof out.get('bad')).toBe('string')
    // Different artwork, different features.
    expect(Array.from(out.get('rgb') as Float32Array)).not.toEqual(Array.from(out.get('grey') as Float32Array))
  })

  it('the mirrored view is the left-right flipped poster, averaged in', async () => {
    // At the input size (224x224) resizing is the identity, so sharp's flop is the exact mirror.
    const a = await sharp({ create: { width: 224, height: 224, channels: 3, background: '#203040' } })
      .composite([{ input: Buffer.from('<svg width="224" height="224"><rect x="20" y="30" width="60" height="100" fill="#e0e0a0"/><circle cx="170" cy="170" r="30" fill="#c03030"/></svg>') }])
      .png()
      .toBuffer()
    const b = await sharp(a).flop().png().toBuffer()
    const embed = async (set: string, inputs: Buffer[]) => {
      const e = await Embedder.open(readFileSync(stock), MOBILENET_V2, FEATURE_SETS[set])
      const out: Float32Array[] = []
      await e.run(inputs.map((source, i) => ({ key: String(i), source })), (r) => r.forEach((x) => (out[Number(x.key)] = x.vector!)))
      await e.close()
      return out
    }
    const [pa, pb] = await embed('multiscale', [a, b])
    const [fa] = await embed('multiscale-flip', [a])
    let maxDiff = 0
    for (let i = 0; i < fa.length; i++) maxDiff = Math.max(maxDiff, Math.abs(fa[i] - (pa[i] + pb[i]) / 2))
    expect(maxDiff).toBeLessThan(1e-4)
    expect(Array.from(pa)).not.toEqual(Array.from(pb))
  })
})
