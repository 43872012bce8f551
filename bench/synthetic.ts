// A synthetic library for measurements: N posters written straight into the SQLite file with
// the real schema, genres drawn with the shared set's frequencies (1-3 a poster), about 70%
// labelled, a few byte-identical pairs. Reused by the serve RSS / first-screen measurements.
//
//   import { createSyntheticLibrary } from '../bench/synthetic'
//   await createSyntheticLibrary(dir, { posters: 100_000, thumbnails: true })
import { createHash } from 'node:crypto'
import { linkSync, mkdirSync } from 'node:fs'
import { dirname, join } from 'node:path'
import sharp from 'sharp'
import { mulberry32 as rng } from '../src/shared/random'
import { openLibraryDb as openDb } from '../src/main/schema'
import { refreshDuplicates } from '../src/main/library/query'
import { thumbPath } from '../src/main/library/thumbs'
import { THUMB_JPEG } from '../src/main/importer/images'

/** Genre → poster count in the 8,052 shared posters (its README). */
export const GENRE_FREQUENCIES: Record<string, number> = {
  Drama: 3998, Comedy: 3201, Action: 1473, Romance: 1454, Crime: 1279, Thriller: 1013, Adventure: 976,
  Documentary: 737, Horror: 568, Biography: 505, Mystery: 505, Fantasy: 502, Family: 476, 'Sci-Fi': 440,
  Music: 345, Animation: 272, History: 261, Sport: 249, War: 158, Musical: 113, Western: 57, Short: 57,
  News: 26, 'Reality-TV': 2,
}

const WORDS = ('the a of night day love last man woman city dark star war king queen house road river blood ' +
  'secret dream fire ice summer winter storm shadow heart ghost game story island mountain time return ' +
  'rise fall return lost found little big black white red golden silent wild').split(' ')

export interface SyntheticOptions {
  posters?: number
  seed?: number
  labelledShare?: number
  /** Make real thumbnails: a few distinct JPEGs (as the importer writes), hard-linked under every poster's hash (fast). */
  thumbnails?: boolean
}

export async function createSyntheticLibrary(dir: string, options: SyntheticOptions = {}): Promise<{ posters: number; seconds: number }> {
  const t0 = performance.now()
  const n = options.posters ?? 100_000
  const rand = rng(options.seed ?? 42)
  const labelledShare = options.labelledShare ?? 0.7
  const db = openDb(dir)
  const names = Object.keys(GENRE_FREQUENCIES)
  const total = Object.values(GENRE_FREQUENCIES).reduce((a, b) => a + b, 0)
  const cumulative: number[] = []
  let acc = 0
  for (const g of names) cumulative.push((acc += GENRE_FREQUENCIES[g] / total))
  const pick = () => {
    const r = rand()
    const i = cumulative.findIndex((c) => r <= c)
    return i < 0 ? names.length - 1 : i
  }
  let bases: string[] = []
  if (options.thumbnails) {
    bases = await Promise.all(
      Array.from({ length: 24 }, async (_, i) => {
        const file = join(dir, 'synthetic-base', `${i}.jpg`)
        mkdirSync(dirname(file), { recursive: true })
        await sharp({ create: { width: 240, height: 356, channels: 3, background: { r: (i * 37) % 256, g: (i * 91) % 256, b: (i * 53) % 256 } } })
          .jpeg(THUMB_JPEG)
          .toFile(file)
        return file
      }),
    )
  }
  const genreIds: number[] = []
  db.transaction(() => {
    names.forEach((g, i) => genreIds.push(Number(db.prepare('INSERT INTO genres (name, position) VALUES (?, ?)').run(g, i).lastInsertRowid)))
  })()
  const ins = db.prepare(
    `INSERT INTO posters (id, hash, path, size, mtime, width, height, title, year, labelled, added_at)
     VALUES (?, ?, ?, ?, 0, 300, 445, ?, ?, ?, ?)`,
  )
  const lab = db.prepare(`INSERT OR IGNORE INTO labels (poster_id, genre_id, source) VALUES (?, ?, 'imported')`)
  const start = Date.now() - n * 1000
  const CHUNK = 10_000
  for (let from = 0; from < n; from += CHUNK) {
    db.transaction(() => {
      for (let i = from; i < Math.min(n, from + CHUNK); i++) {
        const id = `tt${String(1_000_000 + i).padStart(7, '0')}`
        // Every 5,000th poster shares its artwork with the one before it.
        const hashOf = i % 5000 === 1 ? i - 1 : i
        const hash = createHash('sha256').update(`synthetic-${hashOf}`).digest('hex')
        const words = 1 + Math.floor(rand() * 4)
        const title = Array.from({ length: words }, () => WORDS[Math.floor(rand() * WORDS.length)])
          .join(' ')
          .replace(/^./, (c) => c.toUpperCase())
        const year = rand() < 0.03 ? null : 1920 + Math.floor(rand() * 105)
        const labelled = rand() < labelledShare ? 1 : 0
        const path = options.thumbnails ? thumbPath(dir, hash) : join(dir, 'missing', `${id}.jpg`)
        ins.run(id, hash, path, 40_000, title, year, labelled, start + i * 1000)
        if (labelled) {
          const k = 1 + Math.floor(rand() * 3)
          for (let j = 0; j < k; j++) lab.run(id, genreIds[pick()])
        }
      }
    })()
  }
  refreshDuplicates(db)
  db.pragma('optimize')
  db.exec('ANALYZE')
  db.close()
  if (options.thumbnails) {
    for (let i = 0; i < n; i++) {
      if (i % 5000 === 1) continue
      const hash = createHash('sha256').update(`synthetic-${i}`).digest('hex')
      const file = thumbPath(dir, hash)
      mkdirSync(dirname(file), { recursive: true })
      try {
        linkSync(bases[i % bases.length], file)
      } catch {
        /* exists from an earlier run */
      }
    }
  }
  return { posters: n, seconds: (performance.now() - t0) / 1000 }
}
