// Import of poster folders, label and metadata files; a long job with progress and cancel.
import { z } from 'zod'
import { command, noArgs, ok } from './define'
import { FsPath, JobId, JobStatus } from './common'

export const ImportRequest = z.strictObject({
  paths: z.array(FsPath).min(1).max(1000),
  labels: FsPath.optional(),
  metadata: FsPath.optional(),
  /**
   * Also compute the genre model's features from the same decode that makes each thumbnail
   * (when the backbone is installed), so the first training starts at once.
   */
  embed: z.boolean().optional(),
})
export type ImportRequest = z.infer<typeof ImportRequest>

export const SkippedFile = z.object({ path: z.string(), reason: z.string() })
export type SkippedFile = z.infer<typeof SkippedFile>

export const ImportResult = z.object({
  /** New posters added. */
  added: z.number().int(),
  /** Posters already in the library whose file, metadata or imported labels changed. */
  updated: z.number().int(),
  unchanged: z.number().int(),
  /** Posters whose artwork is byte-identical to another poster's. */
  duplicates: z.number().int(),
  skipped: z.array(SkippedFile),
  /** Problems with the label / metadata files that did not stop the import. */
  warnings: z.array(z.string()),
  seconds: z.number(),
})
export type ImportResult = z.infer<typeof ImportResult>

export const Job = z.object({
  jobId: JobId,
  kind: z.string(),
  status: JobStatus,
  done: z.number().int(),
  total: z.number().int(),
  message: z.string().nullable(),
  startedAt: z.number().int(),
})
export type Job = z.infer<typeof Job>

export const imports = {
  start: command(ImportRequest, z.object({ jobId: JobId })),
}

/** Every long job (import, embedding, training, prediction) is cancelled the same way. */
export const jobs = {
  list: command(noArgs, z.object({ jobs: z.array(Job) })),
  cancel: command(z.strictObject({ jobId: JobId }), ok),
}

export const importEvents = {
  'import.progress': z.object({
    jobId: JobId,
    done: z.number().int(),
    total: z.number().int(),
    current: z.string().nullable(),
    skipped: z.number().int(),
  }),
  'import.finished': z.object({
    jobId: JobId,
    status: JobStatus,
    result: ImportResult.nullable(),
    error: z.string().nullable(),
  }),
}
