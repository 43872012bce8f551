// Opens (or builds) a library of the shared posters with cached embeddings, for the model
// benchmarks: `--library DIR` reuses one (imported and embedded once), else a temporary one.
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import Database from 'better-sqlite3'
import { openCore, type Core } from '../src/main/core'
import { DB_FILE } from '../src/main/library/db'
import { startImport } from '../src/main/importer/handlers'
import { postersFor } from '../src/main/ml/service/data'
import { modelService } from '../src/main/ml/service/model-service'
import { configuredModelsDir } from '../src/main/ml/backbone/resolve'
import { MOBILENET_V2 } from '../src/main/ml/backbone/catalog'

const repo = resolve(new URL('..', import.meta.url).pathname)
export const datasetDir = process.env.POSTERITY_DATASET ?? resolve(repo, '../shared/datasets/movie-posters')

/** The pretrained backbone's file, where the model benchmarks look for it. */
export const backboneFile = (): string => join(configuredModelsDir(), MOBILENET_V2.file)

/**
 * Whether the shared posters (and, with `backbone`, the pretrained backbone) are there; when
 * not, says what is missing and how to point at it on stderr.
 */
export function sharedDataPresent(opts: { backbone?: boolean } = {}): boolean {
  if (!existsSync(join(datasetDir, 'posters'))) {
    console.error(`no dataset at ${datasetDir} (set POSTERITY_DATASET)`)
    return false
  }
  if (opts.backbone && !existsSync(backboneFile())) {
    console.error(`no backbone at ${configuredModelsDir()} (set POSTERITY_MODELS)`)
    return false
  }
  return true
}

/** The value after `--name` on a bench's command line, if given. */
export function option(args: string[], name: string): string | undefined {
  const i = args.indexOf(name)
  return i >= 0 ? args[i + 1] : undefined
}

/** One API call through the validating dispatcher; a refusal throws with its message. */
export async function call<T>(core: Core, channel: string, args: unknown): Promise<T> {
  const env = await core.dispatch(channel, args)
  if (!env.ok) throw new Error(`${channel}: ${env.error.message}`)
  return env.value as T
}

/** Starts a job through the API and waits for it; returns its seconds, throws unless it is done. */
export async function runJob(core: Core, channel: string, args: unknown): Promise<number> {
  const t0 = performance.now()
  const { jobId } = await call<{ jobId: string }>(core, channel, args)
  await core.jobs.wait(jobId)
  const job = core.jobs.list().find((j) => j.jobId === jobId)!
  if (job.status !== 'done') throw new Error(`${channel} ${job.status}: ${job.message}`)
  return (performance.now() - t0) / 1000
}

export interface SharedLibrary {
  core: Core
  dir: string
  close(): Promise<void>
}

/** Null (after saying why on stderr) when the dataset or the backbone is missing. */
export async function sharedLibrary(args: string[]): Promise<SharedLibrary | null> {
  if (!sharedDataPresent({ backbone: true })) return null
  const li = args.indexOf('--library')
  const work = li >= 0 ? null : mkdtempSync(join(tmpdir(), 'posterity-bench-'))
  const dir = li >= 0 ? resolve(args[li + 1]) : join(work!, 'library')
  const core = openCore({ libraryDir: dir })
  if ((core.db.prepare('SELECT COUNT(*) FROM posters').pluck().get() as number) === 0) {
    console.log(`importing the shared posters into ${dir} (pass --library DIR to keep them for the next run)`)
    const { promise } = await startImport(core, { paths: [join(datasetDir, 'posters')], labels: join(datasetDir, 'train.csv'), metadata: join(datasetDir, 'movies.csv') })
    await promise
  }
  const svc = modelService(core)
  const t0 = performance.now()
  const r = await svc.ensureEmbeddings(postersFor(core.db), new AbortController().signal)
  if (r.embedded) console.log(`embedded ${r.embedded} posters in ${((performance.now() - t0) / 1000).toFixed(0)} s (cached for the next run)`)
  return {
    core,
    dir,
    async close() {
      svc.worker.stop()
      await core.close()
      if (work) rmSync(work, { recursive: true, force: true })
    },
  }
}

/** A consistent copy of the library file in `source` (WAL included) into `libDir`, through SQLite's online backup. */
export async function backupLibrary(source: string, libDir: string): Promise<void> {
  const src = new Database(join(resolve(source), DB_FILE), { readonly: true })
  try {
    mkdirSync(libDir, { recursive: true })
    await src.backup(join(libDir, DB_FILE))
  } finally {
    src.close()
  }
}

/**
 * Runs `work` while a 5 ms interval ticks: its result, its wall milliseconds and the longest gap
 * between ticks (the event loop's longest stall meanwhile; one more tick after, so a stall at
 * the very end counts).
 */
export async function stallDuring<T>(work: () => Promise<T>): Promise<{ result: T; ms: number; maxGapMs: number }> {
  let last = performance.now()
  let maxGap = 0
  const timer = setInterval(() => {
    const now = performance.now()
    maxGap = Math.max(maxGap, now - last)
    last = now
  }, 5)
  try {
    const t = performance.now()
    const result = await work()
    const ms = performance.now() - t
    await new Promise((r) => setTimeout(r, 10))
    return { result, ms, maxGapMs: maxGap }
  } finally {
    clearInterval(timer)
  }
}
