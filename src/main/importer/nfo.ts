// Kodi / Jellyfin `.nfo` files beside a poster: the IMDb id, title and year of the film.
import { readFile } from 'node:fs/promises'
import { basename, dirname, extname, join } from 'node:path'

export interface NfoInfo {
  imdb: string | null
  title: string | null
  year: number | null
}

function decode(s: string): string {
  return s
    .replace(/<!\[CDATA\[([\s\S]*?)\]\]>/g, '$1')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&#(\d+);/g, (_, n) => String.fromCodePoint(Number(n)))
    .replace(/&amp;/g, '&')
    .trim()
}

export function parseNfo(text: string): NfoInfo {
  const imdb =
    /<uniqueid\b[^>]*\btype\s*=\s*["']imdb["'][^>]*>\s*(tt\d{5,10})\s*</i.exec(text)?.[1] ??
    /<imdb_?id>\s*(tt\d{5,10})\s*</i.exec(text)?.[1] ??
    /imdb\.com\/(?:[a-z]{2}\/)?title\/(tt\d{5,10})/i.exec(text)?.[1] ??
    /<id>\s*(tt\d{5,10})\s*<\/id>/i.exec(text)?.[1] ??
    null
  // The film's own <title>, not one inside <set> or <actor>: the first at the top level usually is.
  const titleRaw = /<title>([\s\S]*?)<\/title>/i.exec(text)?.[1]
  const yearRaw = /<year>\s*(\d{4})\s*<\/year>/i.exec(text)?.[1] ?? /<premiered>\s*(\d{4})-/i.exec(text)?.[1]
  return { imdb, title: titleRaw ? decode(titleRaw) || null : null, year: yearRaw ? Number(yearRaw) : null }
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

export async function readNfo(path: string): Promise<NfoInfo | null> {
  try {
    return parseNfo(await readFile(path, 'utf8'))
  } catch {
    return null
  }
}
