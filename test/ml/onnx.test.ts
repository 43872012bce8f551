import { existsSync, readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import sharp from 'sharp'
import { describe, expect, it } from 'vitest'
import * as ort from 'onnxruntime-node'
import { BinaryWriter, WireType } from '@bufbuild/protobuf/wire'
import { create, fromBinary, toBinary } from '@bufbuild/protobuf'
import { GraphProtoSchema, ModelProtoSchema, NodeProtoSchema, OperatorSetIdProtoSchema, ValueInfoProtoSchema } from 'onnx-buf'
import { parseModel, withExtraOutputs, withInputDims } from '../../src/main/ml/onnx/graph'
import { buildFeatureGraph, findPooledEmbedding } from '../../src/main/ml/onnx/features'
import { DEFAULT_FEATURES, FEATURE_SETS, MOBILENET_V2, featureDims } from '../../src/main/ml/backbone/catalog'
import { Embedder } from '../../src/main/ml/embed/embedder'

const modelsDir = process.env.POSTERITY_MODELS ?? resolve(__dirname, '../../../shared/models')
const stock = resolve(modelsDir, 'mobilenetv2-12-int8.onnx')
const embedCopy = resolve(modelsDir, 'mobilenetv2-12-int8-embed.onnx')
const haveModels = existsSync(stock) && existsSync(embedCopy)
if (!haveModels) console.warn(`[test/ml] ${modelsDir} has no MobileNetV2 files: skipping the real-backbone tests (set POSTERITY_MODELS)`)

describe('the ONNX graph edit (protobuf-es, onnx.proto)', () => {
  // A hand-made ModelProto: ir_version, an opset, a graph with one node and one output, and
  // a field number onnx.proto does not declare (as a newer IR might add).
  const handMade = (): Uint8Array => {
    const model = create(ModelProtoSchema, {
      irVersion: 8n,
      producerName: 'opset-ish',
      opsetImport: [create(OperatorSetIdProtoSchema, { domain: '', version: 13n })],
      graph: create(GraphProtoSchema, {
        name: 'g',
        node: [create(NodeProtoSchema, { input: ['x'], output: ['y'], opType: 'Relu' })],
        output: [create(ValueInfoProtoSchema, { name: 'y' })],
      }),
    })
    const unknownField = new BinaryWriter().tag(99, WireType.LengthDelimited).string('from the future').finish()
    return Uint8Array.from([...toBinary(ModelProtoSchema, model), ...unknownField])
  }

  it('appends nodes and outputs to a graph without disturbing other fields', () => {
    const extended = withExtraOutputs(handMade(), [{ opType: 'Identity', inputs: ['y'], outputs: ['z'], name: 'n2' }], ['z'])
    const g = parseModel(extended)
    expect(g.nodes.map((n) => n.opType)).toEqual(['Relu', 'Identity'])
    expect(g.outputs).toEqual(['y', 'z'])
    const back = fromBinary(ModelProtoSchema, extended)
    expect(back.irVersion).toBe(8n)
    expect(back.producerName).toBe('opset-ish')
    expect(back.opsetImport.map((o) => o.version)).toEqual([13n])
    expect(back.graph?.name).toBe('g')
    // The field the schema does not know is written back.
    expect(Buffer.from(extended).includes(Buffer.from('from the future'))).toBe(true)
  })

  it('re-declares an input shape and drops the shapes inferred for the old one', () => {
    const m = fromBinary(ModelProtoSchema, handMade())
    m.graph!.input.push(create(ValueInfoProtoSchema, { name: 'x' }))
    m.graph!.valueInfo.push(create(ValueInfoProtoSchema, { name: 'y' }))
    const edited = fromBinary(ModelProtoSchema, withInputDims(toBinary(ModelProtoSchema, m), 'x', ['N', 3, 320, 224]))
    const t = edited.graph!.input[0].type!.value
    expect(t.case).toBe('tensorType')
    const dims = t.case === 'tensorType' ? t.value.shape!.dim.map((d) => d.value.value) : []
    expect(dims).toEqual(['N', 3n, 320n, 224n])
    expect(edited.graph!.valueInfo).toEqual([])
    expect(() => withInputDims(handMade(), 'nope', [1])).toThrow(/no input nope/)
  })

  it('refuses bytes that are not an ONNX model with a clear error', () => {
    expect(() => parseModel(new TextEncoder().encode('definitely not a model'))).toThrow(/not an ONNX model/)
    expect(() => buildFeatureGraph(toBinary(ModelProtoSchema, create(ModelProtoSchema, { irVersion: 8n })))).toThrow(/no graph/)
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

  it('the re-declared (any-size) input gives the stock features at the stock size, and a tall input runs', async () => {
    const bytes = readFileSync(stock)
    const free = withInputDims(bytes, parseModel(bytes).inputs[0], ['N', 3, 'H', 'W'])
    expect(parseModel(free).nodes.length).toBe(parseModel(bytes).nodes.length)
    const a = buildFeatureGraph(bytes)
    const b = buildFeatureGraph(free)
    const sa = await ort.InferenceSession.create(a.bytes)
    const sb = await ort.InferenceSession.create(b.bytes)
    const data = Float32Array.from({ length: 3 * 224 * 224 }, (_, i) => Math.sin(i / 97) * 1.5)
    const ra = (await sa.run({ input: new ort.Tensor('float32', data, [1, 3, 224, 224]) }))[a.taps[0].output].data as Float32Array
    const rb = (await sb.run({ input: new ort.Tensor('float32', data, [1, 3, 224, 224]) }))[b.taps[0].output].data as Float32Array
    expect(Array.from(rb)).toEqual(Array.from(ra))
    const tall = new Float32Array(3 * 320 * 224).fill(0.25)
    const rt = (await sb.run({ input: new ort.Tensor('float32', tall, [1, 3, 320, 224]) }))[b.taps[0].output].data as Float32Array
    expect(rt.length).toBe(1280)
    // The stock model refuses the tall input: the re-declaration is what lets it through.
    await expect(sa.run({ input: new ort.Tensor('float32', tall, [1, 3, 320, 224]) })).rejects.toThrow()
  })

  it('embeds generated posters of every colour kind (default tall input); unreadable files are reported, not fatal', async () => {
    expect(FEATURE_SETS[DEFAULT_FEATURES].input).toEqual({ width: 224, height: 320 })
    const e = await Embedder.open(readFileSync(stock), MOBILENET_V2, FEATURE_SETS[DEFAULT_FEATURES], { batch: 4 })
    const dims = featureDims(MOBILENET_V2, FEATURE_SETS[DEFAULT_FEATURES])
    expect(e.dims).toBe(dims)
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
      expect((v as Float32Array).length).toBe(dims)
      expect((v as Float32Array).every(Number.isFinite)).toBe(true)
    }
    expect(typeof out.get('bad')).toBe('string')
    // Different artwork, different features.
    expect(Array.from(out.get('rgb') as Float32Array)).not.toEqual(Array.from(out.get('grey') as Float32Array))
  })

  it('reuses its input buffers without one call\'s pixels reaching another\'s vectors (bit for bit, any batching, calls in flight)', async () => {
    // Noise posters at the input size, each different; the one-pass set and the mirrored default.
    const poster = (seed: number) => {
      const raw = Buffer.alloc(224 * 320 * 3)
      let x = seed
      for (let i = 0; i < raw.length; i++) raw[i] = (x = (x * 1103515245 + 12345) >>> 0) >>> 24
      return raw
    }
    const items = Array.from({ length: 11 }, (_, i) => ({ key: String(i), views: [poster(i + 1)] }))
    const bits = (v: Float32Array) => Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64')
    for (const set of ['multiscale-tall', 'multiscale-tall-flip']) {
      const embed = async (sizes: number[], inFlight: boolean, warm?: typeof items) => {
        const e = await Embedder.open(readFileSync(stock), MOBILENET_V2, FEATURE_SETS[set])
        if (warm) await e.embedDecoded(warm) // leaves other pixels in the spare buffer
        const calls: (typeof items)[] = []
        for (let at = 0, k = 0; at < items.length; at += sizes[k++ % sizes.length]) calls.push(items.slice(at, at + sizes[k % sizes.length]))
        const out = new Map<string, string>()
        const done = (rs: { key: string; vector: Float32Array | null }[]) => rs.forEach((r) => out.set(r.key, bits(r.vector!)))
        if (inFlight) await Promise.all(calls.map((c) => e.embedDecoded(c).then(done)))
        else for (const c of calls) done(await e.embedDecoded(c))
        await e.close()
        return items.map((it) => out.get(it.key))
      }
      const alone = await embed([1], false) // one poster a call: every run is a partial one
      expect(new Set(alone).size).toBe(items.length)
      expect(await embed([11], false), set).toEqual(alone)
      expect(await embed([3, 5], true, items.slice(6).reverse()), set).toEqual(alone)
    }
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
  it('the default features are the stretched and the centre-cropped 224x320 resizes, each averaged with its mirror, side by side', async () => {
    const svg = (w: number, h: number) =>
      Buffer.from(`<svg width="${w}" height="${h}"><rect x="10" y="20" width="${w / 3}" height="${h / 2}" fill="#e0e0a0"/><circle cx="${(2 * w) / 3}" cy="${(3 * h) / 4}" r="${w / 8}" fill="#c03030"/></svg>`)
    const image = (w: number, h: number) => sharp({ create: { width: w, height: h, channels: 3, background: '#203040' } }).composite([{ input: svg(w, h) }]).png().toBuffer()
    const embed = async (set: string, source: Buffer) => {
      const e = await Embedder.open(readFileSync(stock), MOBILENET_V2, FEATURE_SETS[set])
      let v: Float32Array | null = null
      await e.run([{ key: 'a', source }], (r) => {
        v = r[0].vector
      })
      await e.close()
      return v! as Float32Array
    }
    const f = FEATURE_SETS[DEFAULT_FEATURES]
    expect(f.views).toEqual(['fill', 'cover'])
    expect(f.mirror).toBe(true)
    // At exactly 224x320 both resizes are the identity: each half is the mirror-averaged one-view vector.
    const exact = await image(224, 320)
    const rich = await embed(DEFAULT_FEATURES, exact)
    const flip = await embed('multiscale-tall-flip', exact)
    const half = flip.length
    expect(rich.length).toBe(2 * half)
    let maxDiff = 0
    for (let k = 0; k < half; k++) maxDiff = Math.max(maxDiff, Math.abs(rich[k] - flip[k]), Math.abs(rich[half + k] - flip[k]))
    expect(maxDiff).toBeLessThan(1e-4)
    // A square poster: stretching and cropping see different pixels.
    const square = await embed(DEFAULT_FEATURES, await image(300, 300))
    expect(Array.from(square.subarray(0, half))).not.toEqual(Array.from(square.subarray(half)))
  })
})
