// The ONNX graph edit an embedder makes when it opens (re-declare the input for tall posters,
// add the pooled and inner-stage feature outputs) through protobuf-es and the compiled
// onnx.proto, against what follows it anyway: onnxruntime building a session from the edited
// bytes (one thread), alternated in the same process. Also: a decode and re-encode of the
// untouched model keeps every byte count and field (protobuf-es writes back unknown fields).
import { existsSync, readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { equals, fromBinary, toBinary } from '@bufbuild/protobuf'
import { ModelProtoSchema } from 'onnx-buf'
import * as ort from 'onnxruntime-node'
import { MOBILENET_V2 } from '../src/main/ml/backbone/catalog'
import { buildFeatureGraph } from '../src/main/ml/onnx/features'
import { parseModel, withInputDims } from '../src/main/ml/onnx/graph'

const repo = resolve(new URL('..', import.meta.url).pathname)
const modelsDir = process.env.POSTERITY_MODELS ?? resolve(repo, '../shared/models')

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]

export default async function (args: string[]): Promise<number> {
  const file = resolve(modelsDir, 'mobilenetv2-12-int8.onnx')
  if (!existsSync(file)) {
    console.error(`no backbone at ${file} (set POSTERITY_MODELS)`)
    return 1
  }
  const runs = Number(args[0] ?? 9)
  const bytes = readFileSync(file)
  const edit = () => buildFeatureGraph(withInputDims(bytes, parseModel(bytes).inputs[0], ['N', 3, 'H', 'W']), MOBILENET_V2.innerStages, { maxPool: true }).bytes
  const editMs: number[] = []
  const sessionMs: number[] = []
  let edited = edit() // warm-up (JIT, schema descriptors)
  for (let i = 0; i < runs; i++) {
    let t = performance.now()
    edited = edit()
    editMs.push(performance.now() - t)
    t = performance.now()
    const s = await ort.InferenceSession.create(edited, { intraOpNumThreads: 1, interOpNumThreads: 1 })
    sessionMs.push(performance.now() - t)
    await s.release()
  }
  const model = fromBinary(ModelProtoSchema, bytes)
  const again = toBinary(ModelProtoSchema, model)
  const same = equals(ModelProtoSchema, model, fromBinary(ModelProtoSchema, again))
  console.log(`model: ${file} (${bytes.length.toLocaleString()} bytes, ${parseModel(bytes).nodes.length} nodes)`)
  console.log(`graph edit (input re-declared, ${edited.length - bytes.length} bytes of outputs and nodes added): p50 ${median(editMs).toFixed(1)} ms over ${runs} runs`)
  console.log(`baseline, onnxruntime session from the edited bytes: p50 ${median(sessionMs).toFixed(1)} ms`)
  console.log(`ratio edit / session: ${(median(editMs) / median(sessionMs)).toFixed(3)}`)
  console.log(`decode + re-encode of the untouched model: ${again.length.toLocaleString()} bytes (original ${bytes.length.toLocaleString()}), same message: ${same}`)
  return same ? 0 : 1
}
