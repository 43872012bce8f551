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
  // A control character breaks the CSV export and the terminal; a lone surrogate is stored one
  // way and read back another (two genres that look the same).
  .refine((s) => !/[\u0000-\u001f\u007f-\u009f]/.test(s), 'genre names cannot hold control characters')
  .refine((s) => !/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(s), 'genre names must be valid text (a broken Unicode character)')

/** Column names the label files use for something else than a genre (importer/labels.ts skips them). */
export const LABEL_FILE_COLUMNS =
  /^(id|imdb_?id|imdb|tconst|movie_?id|genres?|sources?|title|name|year|imdb ?link|imdb ?score|poster|url|link|score|rating)$/i

/**
 * Why a NEW genre may not have this name, or null: every name the app accepts must survive an
 * export and a re-import (export.ts, importer/labels.ts), so names the label files would read as
 * something else are refused when a genre is created. Existing genres keep working whatever
 * their name.
 */
export function newGenreNameProblem(name: string): string | null {
  const n = name.trim()
  if (LABEL_FILE_COLUMNS.test(n)) {
    return `"${n}" is a column name in label files (Id, Genre, Sources, Title, Year…), so an export would not bring it back as a genre; choose another name`
  }
  if (/^['"]|['"]$/.test(n)) return 'a genre name cannot begin or end with a quote mark: label files strip them'
  if (n.includes('|')) return 'a genre name cannot contain "|": label files use it between genres'
  return null
}

/** A genre name for a genre that may be created by the call. */
export const NewGenreName = GenreName.superRefine((s, ctx) => {
  const problem = newGenreNameProblem(s)
  if (problem) ctx.addIssue({ code: 'custom', message: problem })
})

/** Where a label came from: a labels file, a person, an accepted prediction, a Kodi/Jellyfin .nfo. */
export const LabelSource = z.enum(['imported', 'user', 'prediction', 'nfo'])
export type LabelSource = z.infer<typeof LabelSource>

export const JobId = z.string().min(1).max(64)

/** A path on the machine that runs the core (the desktop, or the `serve` host). */
export const FsPath = z.string().min(1).max(4096)

export const JobStatus = z.enum(['running', 'done', 'failed', 'cancelled'])
export type JobStatus = z.infer<typeof JobStatus>
