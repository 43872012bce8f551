// Schemas shared by several domains.
import { z } from 'zod'

/** A poster id: the dataset's Id, an IMDb id, or one derived from the file. */
export const PosterId = z.string().min(1).max(128).regex(/^[A-Za-z0-9._:-]+$/, 'poster ids use letters, digits and . _ : -')

/** A genre as the user names it. `N/A` means "no genre" and is refused as a name. */
export const GenreName = z
  .string()
  .trim()
  .min(1, 'a genre needs a name')
  .max(40, 'genre names are at most 40 characters')
  .refine((s) => s.toUpperCase() !== 'N/A', 'N/A means "no genre"; it cannot be a genre')

/** Where a label came from: a labels file, a person, an accepted prediction, a Kodi/Jellyfin .nfo. */
export const LabelSource = z.enum(['imported', 'user', 'prediction', 'nfo'])
export type LabelSource = z.infer<typeof LabelSource>

export const JobId = z.string().min(1).max(64)

/** A path on the machine that runs the core (the desktop, or the `serve` host). */
export const FsPath = z.string().min(1).max(4096)

export const JobStatus = z.enum(['running', 'done', 'failed', 'cancelled'])
export type JobStatus = z.infer<typeof JobStatus>
