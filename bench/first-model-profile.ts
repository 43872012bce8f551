// `npm run bench -- first-model-profile [N]`: where a first model's time goes, as CPU seconds
// per stage for the 8,052 shared posters (measured on N of them, default 800, spread over the
// set, and scaled up). Each stage runs alone, one poster (or batch) at a time, so its CPU time
// is not blurred by the others; process.cpuUsage counts libvips' and onnxruntime's threads too.
// Stages: file read + hash, header probe, decode, thumbnail resize + JPEG encode for posters that
// are not their own thumbnail (beside every poster encoded, and the WebP encode before, not
// summed), thumbnail write (a hard link for the as-is ones), the backbone's input view resize,
// IPC of the views to a child process, normalisation (toChw), onnxruntime inference, SQLite writes. Then inference variants (threads, batch size,
// input size) as seconds per 1,000 posters on one core. Training and prediction are timed by
// `npm run bench -- first-model` itself.
import { createHash } from 'node:crypto'
import { fork } from 'node:child_process'
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import * as ort from 'onnxruntime-node'
import sharp, { type OutputInfo } from 'sharp'
import { thumbPath, THUMB_WIDTH } from '../src/main/library/thumbs'
import { probe, rawViews, readImageFile, thumbnailAndViews, THUMB_JPEG } from '../src/main/importer/images'
import { MOBILENET_V2, FEATURE_SETS, FIRST_FEATURES } from '../src/main/ml/backbone/catalog'
import { configuredModelsDir } from '../src/main/ml/backbone/resolve'
import { buildFeatureGraph } from '../src/main/ml/onnx/features'
import { parseModel, withInputDims } from '../src/main/ml/onnx/graph'
import { toChw } from '../src/main/ml/embed/preprocess'
import { datasetDir, sharedDataPresent } from './_shared-library'

const TOTAL = 8052

function cpu(): number {
  const u = process.cpuUsage()
  return (u.user + u.system) / 1e6
}

async function stage(name: string, n: number, rows: [string, number, number][], fn: () => Promise<void>): Promise<void> {
  const c0 = cpu()
  const t0 = performance.now()
  await fn()
  const c = cpu() - c0
  rows.push([name, (c * TOTAL) / n, ((performance.now() - t0) / 1000) * (TOTAL / n)])
}

export default async function main(args: string[]): Promise<number> {
  if (!sharedDataPresent({ backbone: true })) return 1
  const n = Number(args.find((a) => /^\d+$/.test(a)) ?? 800)
  const dir = join(datasetDir, 'posters')
  const all = readdirSync(dir).filter((f) => f.endsWith('.jpg')).sort()
  const step = Math.max(1, Math.floor(all.length / n))
  const files = all.filter((_, i) => i % step === 0).slice(0, n).map((f) => join(dir, f))
  const work = mkdtempSync(join(tmpdir(), 'posterity-profile-'))
  // A first model's features: the quick fit learns from the one-pass set.
  const features = FEATURE_SETS[FIRST_FEATURES]
  const p = MOBILENET_V2.preprocessing
  const size = features.input ?? { width: p.size, height: p.size }
  const rows: [string, number, number][] = []
  try {
    for (const f of files) readFileSync(f) // the file cache warm, as after the floor pass
    console.log(`posters: ${files.length} of ${all.length}, scaled to ${TOTAL}; features ${features.version} (${size.width}x${size.height})`)

    const bufs: Buffer[] = []
    await stage('file read + sha256', n, rows, async () => {
      for (const f of files) {
        const b = await readImageFile(f, statSync(f).size)
        createHash('sha256').update(b).digest('hex')
        bufs.push(b)
      }
    })
    const asIs: boolean[] = []
    await stage('header probe (sharp metadata)', n, rows, async () => {
      for (const b of bufs) asIs.push((await probe(b)).asIs)
    })
    const raws: { data: Buffer; info: OutputInfo }[] = []
    await stage('decode to raw RGB (full size)', n, rows, async () => {
      for (const b of bufs) raws.push(await sharp(b, { failOn: 'truncated' }).rotate().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true }))
    })
    const thumbs: Buffer[] = []
    const thumbnail = (r: { data: Buffer; info: OutputInfo }) =>
      sharp(r.data, { raw: { width: r.info.width, height: r.info.height, channels: r.info.channels } }).resize({ width: THUMB_WIDTH, withoutEnlargement: true }).flatten({ background: '#ffffff' })
    // Small upright sRGB JPEGs are their own thumbnails (importer/images.ts servesAsThumbnail).
    await stage('thumbnail resize + JPEG encode (the others)', n, rows, async () => {
      for (let i = 0; i < raws.length; i++) thumbs.push(asIs[i] ? bufs[i] : await thumbnail(raws[i]).jpeg(THUMB_JPEG).toBuffer())
    })
    console.log(`posters that are their own thumbnail: ${asIs.filter(Boolean).length} of ${asIs.length}`)
    let jpegBytes = 0
    await stage('  (same, every poster encoded as before)', n, rows, async () => {
      for (const r of raws) jpegBytes += (await thumbnail(r).jpeg(THUMB_JPEG).toBuffer()).length
    })
    // What the thumbnails were before (WebP, quality 78, effort 0), for comparison only.
    let webpBytes = 0
    await stage('  (same with the WebP encode used before)', n, rows, async () => {
      for (const r of raws) webpBytes += (await thumbnail(r).webp({ quality: 78, effort: 0 }).toBuffer()).length
    })
    const kib = (b: number) => (b / n / 1024).toFixed(1)
    console.log(`thumbnails: ${kib(thumbs.reduce((a, t) => a + t.length, 0))} KiB a poster; every one encoded: JPEG ${kib(jpegBytes)} KiB, WebP ${kib(webpBytes)} KiB`)
    const { mkdir, writeFile, rename, link } = await import('node:fs/promises')
    const writeThumbs = async (sub: string, linked: boolean) => {
      for (let i = 0; i < thumbs.length; i++) {
        const t = thumbPath(join(work, sub), `${i.toString(16).padStart(2, '0')}x${i}`)
        await mkdir(join(t, '..'), { recursive: true })
        if (linked && asIs[i]) await link(files[i], t)
        else {
          await writeFile(`${t}.tmp`, thumbs[i])
          await rename(`${t}.tmp`, t)
        }
      }
    }
    await stage('thumbnail write (as-is: hard link; others: write, rename)', n, rows, () => writeThumbs('linked', true))
    await stage('  (same, every one written and renamed)', n, rows, () => writeThumbs('written', false))
    const views: Buffer[] = []
    await stage(`backbone view resize (lanczos3 ${size.width}x${size.height})`, n, rows, async () => {
      for (const { data, info } of raws) views.push(...(await rawViews(data, info, size, ['fill'])))
    })
    await stage('  (same, the import path end to end: thumbnailAndViews)', n, rows, async () => {
      for (let i = 0; i < bufs.length; i++) await thumbnailAndViews(bufs[i], join(work, 'tv', `${i}.jpg`), { ...size, views: features.views }, asIs[i])
    })

    // IPC: the views to a child process with advanced serialization, 32 posters a message (as the import sink sends them).
    const childFile = join(work, 'echo.cjs')
    writeFileSync(childFile, "process.on('message', (m) => { if (m === 'end') { const u = process.cpuUsage(); process.send({ cpu: (u.user + u.system) / 1e6 }) } else process.send('ok') })")
    const child = fork(childFile, [], { serialization: 'advanced', stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
    const reply = () => new Promise<unknown>((r) => child.once('message', r))
    child.send('ok')
    await reply() // started
    const childCpu0 = await (async () => {
      child.send('end')
      return ((await reply()) as { cpu: number }).cpu
    })()
    let childCpu = 0
    await stage('IPC of the views to the worker (both sides)', n, rows, async () => {
      for (let s = 0; s < views.length; s += 32) {
        child.send({ type: 'call', id: s, method: 'embedPixels', args: { items: views.slice(s, s + 32).map((v, i) => ({ key: String(i), views: [v] })) } })
        await reply()
      }
      child.send('end')
      childCpu = ((await reply()) as { cpu: number }).cpu - childCpu0
    })
    rows[rows.length - 1][1] += (childCpu * TOTAL) / n
    child.kill()

    const plane = 3 * size.width * size.height
    const batch = 4
    const chw = new Float32Array(batch * plane)
    await stage('normalise to CHW floats (toChw)', n, rows, async () => {
      for (let i = 0; i < views.length; i++) toChw(views[i], p, chw, (i % batch) * plane, false, size)
    })

    // Inference as the embedder runs it: the feature graph, one thread.
    const model = readFileSync(join(configuredModelsDir(), MOBILENET_V2.file))
    const graphFor = (inner: boolean, tall: boolean) => {
      const bytes = tall ? withInputDims(model, parseModel(model).inputs[0], ['N', 3, 'H', 'W']) : model
      return buildFeatureGraph(bytes, inner ? MOBILENET_V2.innerStages : [])
    }
    const open = (bytes: Uint8Array, o: ort.InferenceSession.SessionOptions = {}) =>
      ort.InferenceSession.create(bytes, { executionProviders: ['cpu'], intraOpNumThreads: 1, interOpNumThreads: 1, graphOptimizationLevel: 'all', ...o })
    const fg = graphFor(features.inner, !!features.input)
    const infer = async (s: ort.InferenceSession, w: number, h: number, b: number, count: number, outs: string[]) => {
      const data = new Float32Array(b * 3 * w * h)
      for (let i = 0; i < b; i++) toChw(views[i % views.length].subarray(0, w * h * 3), p, data, i * 3 * w * h, false, { width: w, height: h })
      await s.run({ [fg.input]: new ort.Tensor('float32', data, [b, 3, h, w]) }, outs) // warm-up
      const c0 = cpu()
      const t0 = performance.now()
      for (let done = 0; done < count; done += b) await s.run({ [fg.input]: new ort.Tensor('float32', data, [b, 3, h, w]) }, outs)
      return { cpu: ((cpu() - c0) * 1000) / count, wall: ((performance.now() - t0) / 1000) * (1000 / count) }
    }
    const outs = fg.taps.map((t) => t.output)
    const s1 = await open(fg.bytes)
    // As the embedder runs it: a few images per run (embed/embedder.ts).
    const base = await infer(s1, size.width, size.height, 4, n, outs)
    rows.push([`onnxruntime inference (1 thread, runs of 4 images)`, (base.cpu * TOTAL) / 1000, (base.wall * TOTAL) / 1000])

    // SQLite: the embedding rows in transactions of 32, as the import sink stores them.
    const db = new Database(join(work, 'profile.sqlite'))
    db.pragma('journal_mode = WAL')
    db.exec('CREATE TABLE embeddings (hash TEXT, backbone TEXT, features TEXT, dims INTEGER, vector BLOB, created_at INTEGER, PRIMARY KEY (hash, backbone, features))')
    const dims = fg.dims
    const ins = db.prepare('INSERT OR REPLACE INTO embeddings VALUES (?, ?, ?, ?, ?, ?)')
    await stage('SQLite: embedding rows (transactions of 32)', n, rows, async () => {
      const v = Buffer.alloc(dims * 4)
      for (let s = 0; s < n; s += 32) db.transaction(() => {
        for (let i = s; i < Math.min(n, s + 32); i++) ins.run(`h${i}`, 'b', 'f', dims, v, Date.now())
      })()
    })
    db.close()
    await s1.release()

    const total = rows.filter((r) => !r[0].startsWith(' ')).reduce((a, r) => a + r[1], 0)
    console.log('\nCPU seconds per stage for 8,052 posters (one at a time, scaled from the sample):')
    for (const [name, c, w] of rows) console.log(`  ${name.padEnd(52)} ${c.toFixed(1).padStart(6)} s CPU  ${w.toFixed(1).padStart(6)} s wall`)
    console.log(`  ${'sum (without the indented lines)'.padEnd(52)} ${total.toFixed(1).padStart(6)} s CPU = ${(total / 2).toFixed(1)} s on 2 cores at best`)

    // Inference variants: seconds per 1,000 posters.
    const sample = Math.min(n, 256)
    console.log(`\ninference variants (${sample} posters each; CPU and wall seconds per 1,000 posters):`)
    const variant = async (label: string, bytes: Uint8Array, w: number, h: number, b: number, o: ort.InferenceSession.SessionOptions = {}, names = outs) => {
      const s = await open(bytes, o)
      const r = await infer(s, w, h, b, sample, names)
      console.log(`  ${label.padEnd(56)} ${r.cpu.toFixed(2).padStart(6)} s CPU ${r.wall.toFixed(2).padStart(6)} s wall`)
      await s.release()
    }
    await variant(`as embedded: ${size.width}x${size.height}, runs of 4, 1 thread`, fg.bytes, size.width, size.height, 4)
    for (const b of [1, 8, 16, 32, 64]) await variant(`runs of ${b}`, fg.bytes, size.width, size.height, b)
    await variant('2 intra-op threads (one session)', fg.bytes, size.width, size.height, 4, { intraOpNumThreads: 2 })
    await variant('graph optimisation "basic"', fg.bytes, size.width, size.height, 4, { graphOptimizationLevel: 'basic' })
    await variant('graph optimisation "extended"', fg.bytes, size.width, size.height, 4, { graphOptimizationLevel: 'extended' })
    await variant('no memory pattern / arena', fg.bytes, size.width, size.height, 4, { enableMemPattern: false, enableCpuMemArena: false })
    const sq = graphFor(features.inner, false)
    await variant('224x224 input (other features: not used)', sq.bytes, 224, 224, 4, {}, sq.taps.map((t) => t.output))
    return 0
  } finally {
    rmSync(work, { recursive: true, force: true })
  }
}
