// Training progress and predictions stream from the core process to the window over the
// port (see desktop.ts for the stand-ins), and the model worker runs as a child of the core
// process. Needs the backbone beside the repository (../shared/models); skips without it.
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Event } from '../../src/shared/api'
import { desktop, until, type Desktop } from './desktop'

const modelsDir = process.env.POSTERITY_MODELS ?? resolve(__dirname, '../../../shared/models')
const haveBackbone = existsSync(join(modelsDir, 'mobilenetv2-12-int8.onnx'))
if (!haveBackbone) console.warn(`[test/core-host] no backbone in ${modelsDir}: skipping training over the port (set POSTERITY_MODELS)`)

const genres = ['Red', 'Green', 'Blue']
const colours: Record<string, string> = { Red: '#d02020', Green: '#20b040', Blue: '#2040d0' }
let root: string
let app: Desktop

beforeAll(async () => {
  if (!haveBackbone) return
  root = mkdtempSync(join(tmpdir(), 'posterity-model-port-'))
  const posters = join(root, 'posters')
  mkdirSync(posters)
  const rows = ['Id,Genre,Red,Green,Blue']
  for (let i = 0; i < 36; i++) {
    const g = genres[i % 3]
    const id = `tt${String(2000 + i).padStart(7, '0')}`
    const svg = `<svg width="60" height="90"><rect x="${(i * 7) % 30}" y="${(i * 11) % 50}" width="25" height="30" fill="#ffffff"/></svg>`
    await sharp({ create: { width: 60, height: 90, channels: 3, background: colours[g] } }).composite([{ input: Buffer.from(svg) }]).jpeg().toFile(join(posters, `${id}.jpg`))
    // Six stay unlabelled, for the predictions.
    if (i < 30) rows.push(`${id},"['${g}']",${genres.map((x) => (x === g ? 1 : 0)).join(',')}`)
  }
  writeFileSync(join(root, 'labels.csv'), rows.join('\n'))
  app = desktop({ open: { libraryDir: join(root, 'library') } })
  await app.supervisor.start()
})

afterAll(async () => {
  await app?.close()
  if (root) rmSync(root, { recursive: true, force: true })
})

describe.skipIf(!haveBackbone)('the model over the port', () => {
  it('streams training progress and predictions to the window, and says which backend trained and why', async () => {
    const c = app.windowClient()
    const { api } = c.bridge
    const seen: { name: string; payload: unknown }[] = []
    for (const name of ['import.finished', 'train.progress', 'train.finished', 'predict.progress', 'predict.finished'] as const) {
      c.bridge.on(name, (payload) => seen.push({ name, payload }))
    }
    const of = <N extends 'train.progress' | 'train.finished' | 'predict.progress' | 'predict.finished'>(n: N) =>
      seen.filter((e) => e.name === n).map((e) => e.payload as Event<N>)

    await api.imports.start({ paths: [join(root, 'posters')], labels: join(root, 'labels.csv') })
    await until(() => seen.some((e) => e.name === 'import.finished'))
    const { jobId } = await api.model.train({ kind: 'head', seed: 3, epochs: 15, folds: 3 })
    await until(() => of('train.finished').some((e) => e.jobId === jobId), 240_000)
    const finished = of('train.finished').find((e) => e.jobId === jobId)!
    expect(finished.status).toBe('done')
    const progress = of('train.progress').filter((e) => e.jobId === jobId)
    expect(progress.length).toBeGreaterThan(3)
    expect(progress.some((e) => e.stage === 'training')).toBe(true)

    const status = await api.model.status({})
    // onnxruntime's step graph here; a native backend where tfjs-node is installed and proves itself.
    expect(['tensorflow-gpu', 'tensorflow', 'onnxruntime', 'wasm', 'cpu']).toContain(status.backend)
    expect(status.backendReason?.startsWith(`${status.backend}: `)).toBe(true)

    const predict = await api.model.predict({ scope: 'unlabelled' })
    await until(() => of('predict.finished').some((e) => e.jobId === predict.jobId), 120_000)
    const items = of('predict.progress')
      .filter((e) => e.jobId === predict.jobId)
      .flatMap((e) => e.items)
    expect(items.map((i) => i.id).sort()).toEqual(Array.from({ length: 6 }, (_, i) => `tt${String(2030 + i).padStart(7, '0')}`))
    for (const item of items) expect(item.probs).toHaveLength(3)
  })
})
