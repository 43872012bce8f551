// The model's end of embedding during import: the importer pushes the backbone's input views
// it resized from the decode that made each thumbnail; here they are batched to the worker
// (two batches in flight, one per inference lane, while the importer decodes the next posters
// on the other core) and the vectors are stored in the embedding cache as they come back.
import type { DecodedSink } from '../../decoded-sink'
import { missingHashes, putEmbeddings } from '../store/embeddings'
import type { EmbedPixelsArgs } from '../worker/protocol'
import { featureSetName, type ModelService } from './model-service'

const BATCH = 32
const IN_FLIGHT = 2

/** A sink for one import, or null when the backbone is not installed (nothing to embed with). */
export async function openImportSink(svc: ModelService): Promise<DecodedSink | null> {
  const resolved = svc.resolveBackbone()
  if (!resolved) return null
  const base = { modelPath: resolved.path, backbone: svc.backbone.id, features: featureSetName(svc.features) }
  const spec = await svc.worker.call('viewSpec', base)
  const queued = new Set<string>()
  let batch: EmbedPixelsArgs['items'] = []
  const inFlight = new Set<Promise<void>>()
  let embedded = 0
  let failed = 0
  let error: string | null = null
  let aborted = false

  const send = () => {
    const items = batch
    batch = []
    const call = svc.worker
      .call('embedPixels', { ...base, items })
      .then((res) => {
        if (aborted) return
        if (res.rows.length) putEmbeddings(svc.db, svc.key, res.rows.map((r) => ({ hash: r.key, vector: r.vector })))
        embedded += res.rows.length
        failed += res.failed.length
      })
      .catch((err: unknown) => {
        // Embedding is a head start, not part of the import: training computes what is missing.
        failed += items.length
        error ??= err instanceof Error ? err.message : String(err)
      })
      .finally(() => inFlight.delete(call))
    inFlight.add(call)
  }

  return {
    spec,
    wants: (hash) => !aborted && !queued.has(hash) && missingHashes(svc.db, svc.key, [hash]).length > 0,
    async push(hash, views) {
      if (aborted) return
      queued.add(hash)
      batch.push({ key: hash, views })
      if (batch.length < BATCH) return
      while (inFlight.size >= IN_FLIGHT) await Promise.race(inFlight)
      send()
    },
    async finish() {
      if (batch.length && !aborted) send()
      await Promise.all(inFlight)
      if (error) process.stderr.write(`posterity: features of ${failed} poster(s) were not computed during the import (${error}); training computes them\n`)
      return { embedded, failed }
    },
    abort() {
      aborted = true
      batch = []
    },
  }
}
