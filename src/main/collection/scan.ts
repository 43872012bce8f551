// Finds the films of a collection in the layouts Kodi and Jellyfin read: a folder a film
// (`Title (Year)/`, possibly nested in letter or genre folders) with `poster.jpg`,
// `folder.jpg`, `cover.jpg` or `<video>-poster.jpg` and `movie.nfo` or `<video>.nfo`; and
// flat folders where `Title (Year).mkv`, `Title (Year)-poster.jpg` and `Title (Year).nfo`
// sit side by side. Films without a poster or an NFO are listed all the same.
import { opendir, realpath } from 'node:fs/promises'
import { basename, extname, join, relative, resolve, sep } from 'node:path'
import { throwIfCancelled } from '../jobs/registry'
import { errnoWords } from '../errno'

export const VIDEO_EXTENSIONS = new Set(['.mkv', '.mp4', '.m4v', '.avi', '.mov', '.wmv', '.mpg', '.mpeg', '.ts', '.m2ts', '.webm', '.iso', '.divx', '.ogm', '.flv', '.vob'])
const POSTER_EXT = ['.jpg', '.jpeg', '.png']
/** Folder-wide artwork names, in the order media servers prefer them. */
const FOLDER_POSTERS = ['poster', 'folder', 'cover', 'movie']

export interface ScannedFilm {
  /** Path of the video (or the NFO of a film without one) relative to the collection root, `/`-separated: the film's identity across scans. */
  key: string
  folder: string
  /** The video's file name, or null (an NFO alone, a disc folder). */
  video: string | null
  /** The NFO that describes the film, or where one would be created. */
  nfo: string
  nfoExists: boolean
  poster: string | null
  /** From the folder or file name, for films whose NFO says nothing. */
  title: string
  year: number | null
}

export interface ScanReport {
  films: ScannedFilm[]
  /** Folders that could not be read, with why. */
  problems: { path: string; reason: string }[]
}

/** `Movie-cd1.avi`, `Movie part 2.mkv`: one film in several files. */
const STACK = /[ _.-]+(?:cd|dvd|part|pt|dis[ck])[ _.-]*\d+$/i

/** "The Matrix (1999)" → title and year. */
export function titleFromName(name: string): { title: string; year: number | null } {
  const s = name.replace(/[._]+/g, ' ').trim()
  const m = /^(.*?)[\s-]*[([]((?:18|19|20)\d{2})[)\]]/.exec(s) ?? /^(.*?)\s+((?:19|20)\d{2})(?:\s|$)/.exec(s)
  return m && m[1] ? { title: m[1].trim(), year: Number(m[2]) } : { title: s, year: null }
}

const lower = (n: string) => n.toLowerCase()

function findPoster(names: Map<string, string>, stems: string[]): string | null {
  for (const stem of stems) {
    for (const ext of POSTER_EXT) {
      const hit = names.get(lower(stem + ext))
      if (hit) return hit
    }
  }
  return null
}

const why = (err: unknown): string => errnoWords(err, 'no such folder')

export async function scanCollection(root: string, signal?: AbortSignal): Promise<ScanReport> {
  const abs = resolve(root)
  const report: ScanReport = { films: [], problems: [] }
  const visited = new Set<string>()
  const keyOf = (p: string) => relative(abs, p).split(sep).join('/')

  const walk = async (dir: string): Promise<void> => {
    if (signal) throwIfCancelled(signal)
    let real: string
    try {
      real = await realpath(dir)
    } catch (err) {
      report.problems.push({ path: dir, reason: `folder cannot be read: ${why(err)}` })
      return
    }
    if (visited.has(real)) return // a symlink loop
    visited.add(real)
    const files: string[] = []
    const dirs: string[] = []
    try {
      for await (const e of await opendir(dir)) {
        if (e.name.startsWith('.') || e.name === '@eaDir' || e.name === '#recycle') continue
        if (e.isDirectory() || (e.isSymbolicLink() && !extname(e.name))) dirs.push(e.name)
        else if (e.isFile() || e.isSymbolicLink()) files.push(e.name)
      }
    } catch (err) {
      report.problems.push({ path: dir, reason: `folder cannot be read: ${why(err)}` })
      return
    }
    files.sort()
    dirs.sort()
    const names = new Map(files.map((f) => [lower(f), f]))
    // Videos grouped into films (stacked parts are one film).
    const videos = files.filter((f) => VIDEO_EXTENSIONS.has(lower(extname(f))) && !/-trailer$|[-.]sample$/i.test(basename(f, extname(f))))
    const films = new Map<string, string>() // film stem → first video
    for (const v of videos) {
      const stem = basename(v, extname(v))
      const key = stem.replace(STACK, '')
      if (!films.has(key)) films.set(key, v)
    }
    const nfos = files.filter((f) => lower(extname(f)) === '.nfo')
    const claimed = new Set<string>()
    const single = films.size === 1
    const folderName = basename(dir)
    for (const [stem, video] of films) {
      const own = [stem, basename(video, extname(video))].map((s) => names.get(lower(`${s}.nfo`))).find(Boolean)
      const nfoName = own ?? (single ? names.get('movie.nfo') : undefined)
      if (nfoName) claimed.add(lower(nfoName))
      const posterStems = [`${stem}-poster`, `${basename(video, extname(video))}-poster`, ...(single ? FOLDER_POSTERS : [])]
      const poster = findPoster(names, posterStems)
      const named = titleFromName(single && titleFromName(folderName).year ? folderName : stem)
      report.films.push({
        key: keyOf(join(dir, video)),
        folder: dir,
        video,
        nfo: join(dir, nfoName ?? `${basename(video, extname(video))}.nfo`),
        nfoExists: !!nfoName,
        poster: poster ? join(dir, poster) : null,
        ...named,
      })
    }
    // NFOs without a video (the video on another disk, a disc folder below): a film each.
    const loose = nfos.filter((n) => !claimed.has(lower(n)))
    for (const n of loose) {
      const stem = basename(n, extname(n))
      const alone = loose.length === 1 && films.size === 0
      const poster = findPoster(names, [`${stem}-poster`, ...(alone ? FOLDER_POSTERS : [])])
      report.films.push({
        key: keyOf(join(dir, n)),
        folder: dir,
        video: null,
        nfo: join(dir, n),
        nfoExists: true,
        poster: poster ? join(dir, poster) : null,
        ...titleFromName(lower(stem) === 'movie' ? folderName : stem),
      })
    }
    for (const d of dirs) {
      // A DVD / Blu-ray structure belongs to the film of the folder above, not a film of its own.
      if (/^(VIDEO_TS|BDMV|extras|featurettes|behind the scenes|deleted scenes|trailers|subs?)$/i.test(d)) continue
      await walk(join(dir, d))
    }
  }

  await walk(abs)
  report.films.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
  return report
}
