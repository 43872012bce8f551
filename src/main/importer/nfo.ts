// Kodi / Jellyfin `.nfo` files beside a poster: the IMDb id, title and year of the film,
// read by the collection's one NFO reader (saxes, no DTDs or external entities).
import { NotRegular, readBounded, TooLarge } from '../bounded-read'
import { stat } from 'node:fs/promises'
import { basename, dirname, extname, join } from 'node:path'
import { MAX_NFO_BYTES, NfoError, parseNfo, URL_ONLY_NFO, type NfoDoc } from '../formats/nfo'
import { errnoWords } from '../errno'

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

const isFolder = (path: string) => stat(path).then((s) => s.isDirectory(), () => false)

/**
 * An NFO's bytes, read bounded (bounded-read.ts) for the importer and the collection alike: a
 * FIFO, a device or a file over the limit is an NfoError saying so; file-system errors pass.
 */
export async function readNfoBytes(path: string): Promise<Buffer> {
  try {
    return await readBounded(path, MAX_NFO_BYTES)
  } catch (err) {
    if (err instanceof NotRegular) throw new NfoError((await isFolder(path)) ? 'a folder named like an NFO, not a file: nothing can be written to it' : 'not a regular file')
    if (err instanceof TooLarge) throw new NfoError(`larger than ${MAX_NFO_BYTES / 2 ** 20} MiB; not an NFO`)
    throw err
  }
}

/** The scraper links Kodi finds in an NFO (with or without `https://`, among other text). */
const SCRAPER_LINK = /imdb\.com\/(?:[a-z]{2}\/)?title\/tt\d{5,10}|themoviedb\.org\/movie\/\d+/i
/** One `<genre>` listing several: Kodi's " / " and Jellyfin's "/", and the lists other tools write. */
const GENRE_LIST = /\s*[/|;,]\s*/

/** `["Action / Adventure", "Drama, Romance"]` → the four genres (`N/A` is left whole: it means none). */
export function splitGenres(genres: string[]): string[] {
  return genres.flatMap((g) => (/^n\/a$/i.test(g) ? [g] : g.split(GENRE_LIST).filter((x) => x !== '')))
}

/**
 * An NFO as media servers read it: parseNfo, with a file holding no XML but a scraper link
 * (`www.imdb.com/title/tt…`, a line of text and a TMDB address) Kodi's URL-only NFO, a file
 * with no XML at all said to be none, and a genre element that lists several read as those.
 */
export function parseNfoFile(buf: Buffer): NfoDoc {
  let doc: NfoDoc
  try {
    doc = parseNfo(buf)
  } catch (err) {
    if (!(err instanceof NfoError) || err.kind !== 'broken' || buf.includes(0x3c)) throw err
    if (SCRAPER_LINK.test(buf.toString('latin1'))) throw new NfoError(URL_ONLY_NFO, 'url')
    throw new NfoError('no XML in it (a release\'s text file?), so no genres can be written into it: left as it is')
  }
  return { ...doc, genres: splitGenres(doc.genres) }
}

/** What an NFO says about its film, or why it could not be read (a one-line reason, never its text). */
export async function readNfo(path: string): Promise<{ info: NfoInfo } | { problem: string }> {
  let buf: Buffer
  try {
    buf = await readNfoBytes(path)
  } catch (err) {
    if (err instanceof NfoError) return { problem: err.message }
    return { problem: errnoWords(err, 'no such file', (code) => `unreadable (${code ?? 'read error'})`) }
  }
  try {
    const d = parseNfo(buf)
    return { info: { imdb: d.imdb, title: d.title, year: d.year } }
  } catch (err) {
    // Kodi also accepts an NFO that is only the film's IMDb address.
    const imdb = /imdb\.com\/(?:[a-z]{2}\/)?title\/(tt\d{5,10})/i.exec(buf.toString('latin1'))?.[1] ?? null
    if (imdb) return { info: { imdb, title: null, year: null } }
    return { problem: err instanceof NfoError ? nfoReason(err.message) : 'unreadable' }
  }
}

/** The parser's reason on one line, cut short (saxes may quote a name from the file). */
function nfoReason(message: string): string {
  const one = message.replace(/\s+/g, ' ').trim()
  return one.length > 160 ? `${one.slice(0, 160)}…` : one
}
