// Kodi / Jellyfin `.nfo` files beside a poster: the IMDb id, title and year of the film,
// read by the collection's one NFO reader (saxes, no DTDs or external entities).
import { readFile, stat } from 'node:fs/promises'
import { basename, dirname, extname, join } from 'node:path'
import { MAX_NFO_BYTES, parseNfo } from '../formats/nfo'

export interface NfoInfo {
  imdb: string | null
  title: string | null
  year: number | null
}

/** The .nfo describing an image: `<stem>.nfo`, `<name>.nfo` for `<name>-poster.jpg`, `movie.nfo`, or the folder's only .nfo. */
export function nfoFor(image: string, nfos: Set<string>): string | null {
  const dir = dirname(image)
  const stem = basename(image, extname(image))
  const candidates = [join(dir, `${stem}.nfo`), join(dir, `${stem.replace(/[-_. ](poster|cover|folder)$/i, '')}.nfo`), join(dir, 'movie.nfo')]
  const found = candidates.find((c) => nfos.has(c))
  if (found) return found
  // Kodi names it after the film ("Heat (1995).nfo") while the art is plain "poster.jpg":
  // a folder's only .nfo describes its film.
  const inDir = [...nfos].filter((n) => dirname(n) === dir)
  return inDir.length === 1 ? inDir[0] : null
}

/** What an NFO says about its film; null when it is unreadable or says nothing usable. */
export async function readNfo(path: string): Promise<NfoInfo | null> {
  try {
    if ((await stat(path)).size > MAX_NFO_BYTES) return null
    const buf = await readFile(path)
    try {
      const d = parseNfo(buf)
      return { imdb: d.imdb, title: d.title, year: d.year }
    } catch {
      // Kodi also accepts an NFO that is only the film's IMDb address.
      const imdb = /imdb\.com\/(?:[a-z]{2}\/)?title\/(tt\d{5,10})/i.exec(buf.toString('latin1'))?.[1] ?? null
      return imdb ? { imdb, title: null, year: null } : null
    }
  } catch {
    return null
  }
}
