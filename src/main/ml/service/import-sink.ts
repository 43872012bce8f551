// The model's end of embedding during import: the importer pushes the backbone's input views
// it resized from the decode that made each thumbnail; here they are batched to the worker
// (two batches in flight, one per inference lane, while the importer decodes the next posters
// on the other core) and the vectors are stored in the embedding cache as they come back.
// It computes FIRST_FEATURES, the one-pass set the quick first model trains on.
import type { DecodedSink } from '../../decoded-sink'
import { FEATURE_SETS, FIRST_FEATURES } from '../backbone/catalog'
import { missingHashes, putEmbeddings } from '../store/embeddings'
import type { EmbedPixelsArgs, EmbedProgress } from '../worker/protocol'
import { featureSetName, type ModelService } from './model-service'

const BATCH = 32
const IN_FLIGHT = 2

/** A sink for one import, or null when the backbone is not installed (nothing to embed with). */
/**
 * `signal`: the import's; cancelling it cancels the batches in flight (a worker that does not
 * answer within seconds is stopped), so a cancelled import never waits on a stuck worker.
 */
export async function openImportSink(svc: ModelService, signal?: AbortSignal): Promise<DecodedSink | null> {
  const resolved = svc.resolveBackbone()
  if (!resolved) return null
  const features = FEATURE_SETS[FIRST_FEATURES]
  const key = svc.keyOf(features)
  const base = { modelPath: resolved.path, backbone: svc.backbone.id, features: featureSetName(features) }
  const spec = await svc.worker.call('viewSpec', base)
  const queued = new Set<string>()
  // Two kinds of batch: views the importer resized itself, and files the worker decodes (each
  // with the verdict its poster waits for).
  let pixels: EmbedPixelsArgs['items'] = []
  let files: { key: string; bytes: Uint8Array; verdict: (v: string | null | undefined) => void }[] = []
  const inFlight = new Set<Promise<void>>()
  let embedded = 0
  let failed = 0
  let error: string | null = null
  let aborted = false

  /** `refusals`: the failures are posters the import refuses (files), not features missed. */
  const store = (res: EmbedProgress, refusals = false) => {
    if (aborted) return
    if (res.rows.length) putEmbeddings(svc.db, key, res.rows.map((r) => ({ hash: r.key, vector: r.vector })))
    embedded += res.rows.length
    if (!refusals) failed += res.failed.length
  }
  const track = (call: Promise<void>) => {
    const p = call.finally(() => inFlight.delete(p))
    inFlight.add(p)
  }
  const lost = (n: number, err: unknown) => {
    // Embedding is a head start, not part of the import: training computes what is missing.
    failed += n
    error ??= err instanceof Error ? err.message : String(err)
  }
  const sendPixels = () => {
    const items = pixels
    pixels = []
    track(svc.worker.call('embedPixels', { ...base, items }, { signal }).then(store, (err: unknown) => lost(items.length, err)))
  }
  const sendFiles = () => {
    const items = files
    files = []
    const call = svc.worker.call('embedEncoded', { ...base, items: items.map(({ key, bytes }) => ({ key, bytes })) }, { signal })
    track(
      call.then(
        (res) => {
          store(res, true)
          const refused = new Map(res.failed.map((f) => [f.key, f.error]))
          for (const it of items) it.verdict(refused.get(it.key) ?? null)
        },
        (err: unknown) => {
          lost(items.length, err)
          for (const it of items) it.verdict(undefined) // the importer checks these itself
        },
      ),
    )
  }
  const flush = () => {
    if (aborted) return
    if (files.length) sendFiles()
    if (pixels.length) sendPixels()
  }
  const room = async () => {
    while (inFlight.size >= IN_FLIGHT) await Promise.race(inFlight)
  }

  return {
    spec,
    wants: (hash) => !aborted && !queued.has(hash) && missingHashes(svc.db, key, [hash]).length > 0,
    async push(hash, views) {
      if (aborted) return
      queued.add(hash)
      pixels.push({ key: hash, views })
      if (pixels.length < BATCH) return
      await room()
      if (pixels.length) sendPixels()
    },
    async pushEncoded(hash, bytes) {
      if (aborted) return { verdict: Promise.resolve(undefined) }
      queued.add(hash)
      const verdict = new Promise<string | null | undefined>((resolve) => files.push({ key: hash, bytes, verdict: resolve }))
      if (files.length >= BATCH) {
        await room()
        // Another push may have sent the batch while this one waited.
        if (files.length) sendFiles()
      }
      return { verdict }
    },
    flush,
    async finish() {
      flush()
      await Promise.all(inFlight)
      if (error) process.stderr.write(`posterity: features of ${failed} poster(s) were not computed during the import (${error}); training computes them\n`)
      return { embedded, failed }
    },
    abort() {
      aborted = true
      pixels = []
      // Posters still waiting are checked by the importer, if it still wants them.
      for (const it of files.splice(0)) it.verdict(undefined)
    },
  }
}
