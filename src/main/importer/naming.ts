// Which poster each file of an import makes: its id (the labels or metadata file's row named
// by the file, its NFO's IMDb id, an IMDb-like name, else one derived from the path), the row
// that describes it, and a title and year from the file's name when nothing better says.
import { createHash } from 'node:crypto'
import { basename, extname } from 'node:path'
import { PosterId, type SkippedFile } from '../../shared/api'
import { printable } from '../../shared/printable'
import { nfoFor, readNfo } from './nfo'
import type { Tables } from './tables'
import { normalizeId } from './table-file'

export interface Planned {
  path: string
  id: string
  /** The row of the labels/metadata files that describes this file (its own id, unless the file already made a poster under another). */
  key: string
  title: string | null
  year: number | null
}

export const isDerived = (id: string) => /^f-[0-9a-f]{12}$/.test(id)

/** Stable id from the file when nothing names the film: `f-` + 12 hex of the absolute path. */
export function derivedId(path: string): string {
  return `f-${createHash('sha256').update(path).digest('hex').slice(0, 12)}`
}

const MAX_YEAR = new Date().getFullYear() + 3
const YEAR = '(1[89]\\d{2}|20\\d{2})'
/** A year in brackets: "Blade Runner 2049 (2017)", "Heat [1995] 1080p". */
const BRACKETED = new RegExp(`^(.*?\\S)\\s*[([]\\s*${YEAR}\\s*[)\\]]`)
/** A year as a whole word after the title: "The Matrix 1999", "Heat 1995 1080p BluRay". */
const BARE = new RegExp(`^(.*?\\S)[\\s-]+${YEAR}(?![\\p{L}\\p{N}])`, 'u')

/**
 * "The Matrix (1999)" → title and year, for files whose name is all we know. A year in
 * brackets wins over numbers in the title ("Blade Runner 2049 (2017)", "2001 A Space Odyssey
 * (1968)"); a bare year must be a whole word after some title and not in the future, so
 * "copy-tt0101902" and "Blade Runner 2049" keep their digits.
 */
export function titleFromName(stem: string): { title: string; year: number | null } {
  const s = stem.replace(/[._]+/g, ' ').replace(/\s+/g, ' ').trim()
  for (const re of [BRACKETED, BARE]) {
    const m = re.exec(s)
    const year = m ? Number(m[2]) : 0
    if (m && year <= MAX_YEAR) {
      const title = m[1].replace(/[\s-]+$/, '').trim()
      if (title) return { title, year }
    }
  }
  return { title: s, year: null }
}

/** `byPath`: posters already in the library by file path; a file that made one keeps updating it. */
export async function plan(files: string[], nfos: Set<string>, tables: Tables, skipped: SkippedFile[], byPath: Map<string, string>, warnings: string[]): Promise<Planned[]> {
  const out: Planned[] = []
  const badNfos: string[] = []
  const byId = new Map<string, string>()
  for (const path of files) {
    const stem = basename(path, extname(path))
    // A bare number names the file as MovieGenre.csv names its row (1917.jpg: the row 1917, read as tt0001917).
    const named = [stem, normalizeId(stem)].find((k) => tables.labels.has(k) || tables.meta.get(k) !== undefined)
    const meta = named === undefined ? undefined : tables.meta.get(named)
    let p: Planned
    if (named !== undefined) {
      // Without metadata a file named by title still gives its title (an IMDb id gives none).
      const t = /^tt\d{5,10}$/.test(stem) ? { title: null, year: null } : titleFromName(stem)
      p = { path, id: stem, key: named, title: meta?.title ?? t.title, year: meta?.year ?? t.year }
    }
    else {
      const nfoPath = nfoFor(path, nfos)
      const read = nfoPath ? await readNfo(nfoPath) : null
      if (read && 'problem' in read) badNfos.push(`${printable(nfoPath!)} (${printable(read.problem)})`)
      const nfo = read && 'info' in read ? read.info : null
      if (nfo?.imdb) {
        const m = tables.meta.get(nfo.imdb)
        p = { path, id: nfo.imdb, key: nfo.imdb, title: m?.title ?? nfo.title, year: m?.year ?? nfo.year }
      } else if (/^tt\d{5,10}$/.test(stem)) p = { path, id: stem, key: stem, title: nfo?.title ?? null, year: nfo?.year ?? null }
      else {
        const t = titleFromName(stem)
        p = { path, id: derivedId(path), key: stem, title: nfo?.title ?? t.title, year: nfo?.year ?? t.year }
      }
    }
    if (!PosterId.safeParse(p.id).success) p = { ...p, id: derivedId(path) }
    // Re-importing a file (now with a labels file that names it) updates the poster it made.
    const made = byPath.get(path)
    if (made !== undefined && made !== p.id) p = { ...p, id: made }
    // An export of ours names a poster by its id: one named after its path (f-…) is found by that.
    if (!tables.labels.has(p.key) && !tables.unknown.has(p.key) && (tables.labels.has(p.id) || tables.unknown.has(p.id))) p = { ...p, key: p.id }
    const other = byId.get(p.id)
    if (other) {
      skipped.push({ path, reason: `same poster id ${p.id} as ${other} (imported that one)` })
      continue
    }
    byId.set(p.id, path)
    out.push(p)
  }
  // The posters import all the same, named by their files.
  for (const b of badNfos.slice(0, 8)) warnings.push(`NFO not read, the poster beside it is named by its file: ${b}`)
  if (badNfos.length > 8) warnings.push(`${badNfos.length - 8} more NFO files not read`)
  return out
}
