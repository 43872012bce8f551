// The accuracy bench's feature cache: every poster embedded once per VIEW (the product's
// stretched 224x320 input, its mirror image, the centre-cropped resize and its mirror), each
// view's vector kept apart so variants can average, concatenate or augment them, plus the
// 320-channel map entering the backbone's last 1x1 convolution (uint8, exactly the quantized
// tensor) for the partial fine-tuning. Written once to a folder in /tmp, then reused.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import * as ort from 'onnxruntime-node'
import { buildFeatureGraph, findStageOutputs } from '../src/main/ml/onnx/features'
import { initializerValues, parseModel, withExtraOutputs, withInputDims } from '../src/main/ml/onnx/graph'
import { openSession } from '../src/main/ml/embed/session'
import { decodeViews, toChw } from '../src/main/ml/embed/preprocess'
import { FEATURE_SETS, MOBILENET_V2, featureDims } from '../src/main/ml/backbone/catalog'

export const VIEW_NAMES = ['fill', 'fill-mirror', 'cover', 'cover-mirror'] as const
export type ViewName = (typeof VIEW_NAMES)[number]

export interface ViewCache {
  ids: string[]
  dims: number
  /** Per view: rows × dims float32 (the product's feature layout: pooled, then inner stages). */
  views: Record<ViewName, Float32Array>
  /** The last block's output (input of the final 1x1 conv), per poster, fill and its mirror: uint8 [n × hw × 320], channels last. */
  map: { fill: Uint8Array; mirror: Uint8Array; hw: number; channels: number; scale: number; zeroPoint: number }
  seconds: number
}

const FS = FEATURE_SETS['multiscale-tall']
const SIZE = FS.input!

/** The ONNX graph with the product's taps plus the dequantized 320-channel map as outputs. */
export function viewGraph(modelBytes: Uint8Array): { bytes: Uint8Array; input: string; taps: string[]; map: string; scale: number; zeroPoint: number } {
  const tall = withInputDims(modelBytes, parseModel(modelBytes).inputs[0], ['N', 3, 'H', 'W'])
  const fg = buildFeatureGraph(tall, MOBILENET_V2.innerStages)
  const g = parseModel(tall)
  const [m] = findStageOutputs(g, [320])
  if (!m.scale) throw new Error('the 320-channel map is not quantized: the cache expects uint8')
  const bytes = withExtraOutputs(fg.bytes, [{ opType: 'DequantizeLinear', inputs: [m.tensor, m.scale, m.zeroPoint!], outputs: ['acc_map'], name: 'acc_map_dq' }], ['acc_map'])
  const q = initializerValues(tall, [m.scale, m.zeroPoint!])
  const scale = q.get(m.scale)![0]
  const zeroPoint = q.get(m.zeroPoint!)![0]
  return { bytes, input: fg.input, taps: fg.taps.map((t) => t.output), map: 'acc_map', scale, zeroPoint }
}

/** Loads the cache for these posters (same ids, same order) or computes and writes it. */
export async function viewCache(dir: string, modelPath: string, posters: { id: string; path: string }[], log: (s: string) => void): Promise<ViewCache> {
  const n = posters.length
  const dims = featureDims(MOBILENET_V2, FS)
  const meta = join(dir, 'meta.json')
  if (existsSync(meta)) {
    const m = JSON.parse(readFileSync(meta, 'utf8')) as { ids: string[]; dims: number; hw: number; channels: number; scale: number; zeroPoint: number; seconds: number }
    if (m.dims === dims && m.ids.length === n && m.ids.every((id, i) => id === posters[i].id)) {
      const f32 = (name: string) => {
        const b = readFileSync(join(dir, name))
        return new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4)
      }
      const views = Object.fromEntries(VIEW_NAMES.map((v) => [v, f32(`${v}.f32`)])) as Record<ViewName, Float32Array>
      const u8 = (name: string) => new Uint8Array(readFileSync(join(dir, name)))
      log(`view cache: ${dir} (computed in ${m.seconds.toFixed(0)} s)`)
      return { ids: m.ids, dims, views, map: { fill: u8('map-fill.u8'), mirror: u8('map-mirror.u8'), hw: m.hw, channels: m.channels, scale: m.scale, zeroPoint: m.zeroPoint }, seconds: m.seconds }
    }
  }
  const t0 = performance.now()
  const vg = viewGraph(new Uint8Array(readFileSync(modelPath)))
  const lanes = [await openSession(vg.bytes, { threads: 1, providers: ['cpu'] }), await openSession(vg.bytes, { threads: 1, providers: ['cpu'] })]
  const views = Object.fromEntries(VIEW_NAMES.map((v) => [v, new Float32Array(n * dims)])) as Record<ViewName, Float32Array>
  const hw = (SIZE.width / 32) * (SIZE.height / 32)
  const channels = 320
  const mapFill = new Uint8Array(n * hw * channels)
  const mapMirror = new Uint8Array(n * hw * channels)
  const plane = 3 * SIZE.width * SIZE.height
  const p = MOBILENET_V2.preprocessing
  let next = 0
  let done = 0
  const batch = 8
  const lane = async (s: ort.InferenceSession) => {
    while (next < n) {
      const start = next
      const end = Math.min(n, start + batch)
      next = end
      const decoded = await Promise.all(posters.slice(start, end).map((q) => decodeViews(q.path, SIZE, ['fill', 'cover'])))
      const k = end - start
      // Images in view order per poster: fill, fill mirrored, cover, cover mirrored.
      const data = new Float32Array(k * 4 * plane)
      decoded.forEach((d, j) => {
        toChw(d[0], p, data, (j * 4) * plane, false, SIZE)
        toChw(d[0], p, data, (j * 4 + 1) * plane, true, SIZE)
        toChw(d[1], p, data, (j * 4 + 2) * plane, false, SIZE)
        toChw(d[1], p, data, (j * 4 + 3) * plane, true, SIZE)
      })
      const res = await s.run({ [vg.input]: new ort.Tensor('float32', data, [k * 4, 3, SIZE.height, SIZE.width]) })
      const tap = vg.taps.map((t) => res[t].data as Float32Array)
      const mapT = res[vg.map].data as Float32Array
      for (let j = 0; j < k; j++) {
        for (let v = 0; v < 4; v++) {
          const img = j * 4 + v
          const dst = views[VIEW_NAMES[v]].subarray((start + j) * dims, (start + j + 1) * dims)
          let off = 0
          for (const t of tap) {
            const c = t.length / (k * 4)
            dst.set(t.subarray(img * c, (img + 1) * c), off)
            off += c
          }
          if (v <= 1) {
            // NCHW float → HWC uint8, the exact quantized values.
            const out = v === 0 ? mapFill : mapMirror
            const base = (start + j) * hw * channels
            for (let c = 0; c < channels; c++)
              for (let h = 0; h < hw; h++) out[base + h * channels + c] = Math.round(mapT[(img * channels + c) * hw + h] / vg.scale) + vg.zeroPoint
          }
        }
      }
      for (const r of Object.values(res)) r.dispose?.()
      done += k
      if (Math.floor(done / 1000) !== Math.floor((done - k) / 1000)) log(`view cache: ${done} of ${n} posters (${((performance.now() - t0) / 1000).toFixed(0)} s)`)
    }
  }
  await Promise.all(lanes.map((l) => lane(l.session)))
  await Promise.all(lanes.map((l) => l.session.release()))
  const seconds = (performance.now() - t0) / 1000
  mkdirSync(dir, { recursive: true })
  const put = (name: string, a: ArrayBufferView) => writeFileSync(join(dir, name), new Uint8Array(a.buffer, a.byteOffset, a.byteLength))
  for (const v of VIEW_NAMES) put(`${v}.f32`, views[v])
  put('map-fill.u8', mapFill)
  put('map-mirror.u8', mapMirror)
  writeFileSync(`${meta}.tmp`, JSON.stringify({ ids: posters.map((q) => q.id), dims, hw, channels, scale: vg.scale, zeroPoint: vg.zeroPoint, seconds }))
  renameSync(`${meta}.tmp`, meta)
  log(`view cache: ${n} posters x 4 views in ${seconds.toFixed(0)} s (${((n * 4) / seconds).toFixed(0)} images/s), written to ${dir}`)
  return { ids: posters.map((q) => q.id), dims, views, map: { fill: mapFill, mirror: mapMirror, hw, channels, scale: vg.scale, zeroPoint: vg.zeroPoint }, seconds }
}
