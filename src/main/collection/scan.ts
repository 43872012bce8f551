// Finds the films of a collection in the layouts Kodi and Jellyfin read: a folder a film
// (`Title (Year)/`, possibly nested in letter or genre folders) with `poster.jpg`,
// `folder.jpg`, `cover.jpg` or `<video>-poster.jpg` and `movie.nfo` or `<video>.nfo`; and
// flat folders where `Title (Year).mkv`, `Title (Year)-poster.jpg` and `Title (Year).nfo`
// sit side by side. Films without a poster or an NFO are listed all the same. TV shows,
// extras (trailers, featurettes... as files or folders) and disc structures are no films;
// a DVD / Blu-ray folder is the film of the folder holding it.
import { Stats } from 'node:fs'
import { opendir, readdir, realpath, stat } from 'node:fs/promises'
import { basename, extname, join, relative, resolve, sep } from 'node:path'
import { throwIfCancelled } from '../jobs/registry'
import { errnoWords } from '../errno'

export const VIDEO_EXTENSIONS = new Set(['.mkv', '.mp4', '.m4v', '.avi', '.mov', '.wmv', '.mpg', '.mpeg', '.ts', '.m2ts', '.webm', '.iso', '.divx', '.ogm', '.flv', '.vob', '.strm'])
const POSTER_EXT = ['.jpg', '.jpeg', '.png']
/** Folder-wide artwork names, in the order media servers prefer them. */
const FOLDER_POSTERS = ['poster', 'folder', 'cover', 'movie']

export interface ScannedFilm {
  /** Path of the video (or the NFO of a film without one, or the VIDEO_TS / BDMV folder of a disc) relative to the collection root, `/`-separated: the film's identity across scans. */
  key: string
  folder: string
  /** The video's file name, or null (an NFO alone, a disc folder). */
  video: string | null
  /** The NFO that describes the film, or where one would be created. */
  nfo: string
  /**
   * Other NFOs of the same film that exist: movie.nfo beside `<video>.nfo`, another version's
   * or part's NFO, the NFO inside a disc folder beside movie.nfo. Media servers read one or the
   * other, so a write-back writes them all and a scan reads them all.
   */
  otherNfos: string[]
  /**
   * NFOs created with the film's own when it has none: each further version's `<video>.nfo`.
   * Kodi reads a version's own NFO only, so one NFO named after the first version left the
   * others untagged there (Jellyfin reads the first version's, or movie.nfo).
   */
  companions: string[]
  nfoExists: boolean
  poster: string | null
  /** From the folder or file name, for films whose NFO says nothing. */
  title: string
  year: number | null
}

export interface ScanReport {
  films: ScannedFilm[]
  /** Folders that could not be read, links that lead nowhere, with why. */
  problems: { path: string; reason: string }[]
}

/** `Movie-cd1.avi`, `Movie part 2.mkv`: one film in several files. */
const STACK = /[ _.-]+(?:cd|dvd|part|pt|dis[ck])[ _.-]*\d+$/i
/**
 * Kodi's and Jellyfin's wider stacking: a part number or letter (`cd1`, `cda`) anywhere, the
 * same text after it (`Movie.cd1.x264.avi`). Taken only when another video of the folder
 * stacks with it, as the servers do, so `Dune Part 2 (2024).mkv` alone stays its own title.
 */
const STACK_WITHIN = /^(.*?)[ _.-]+(?:cd|dvd|part|pt|dis[ck])[ _.-]*(?:\d+|[a-d])((?:[ _.-].*)?)$/i
/**
 * Jellyfin's extras by name: `trailer.mkv`, `Heat-trailer.mkv`, `Heat.featurette.mkv`. Words
 * that also end film titles ("The Big Short", "The Interview", "The Other") need `-`, `.` or
 * `_` before them; a space is enough only for words no title ends with. A sample is one
 * anywhere in the name between `-`, `.` or `_` (`Film-sample-x264.mkv`), as Kodi skips it.
 */
const EXTRA_FILE = /^(?:trailer|sample)$|^sample[-._ ]|[-._]sample[-._]|[-._ ](?:trailer|sample|behindthescenes|deletedscene|featurette)$|[-._](?:deleted|interview|scene|short|clip|other|extra|theme)$/i
/** `Show.S01E02`, `show s1e2`, `Show 1x03`: TV episodes (the digits guard keeps `1920x1080` out). */
const EPISODE = /(?<![a-z\d])(?:s\d{1,3}[ ._-]*e\d{1,4}|\d{1,2}x\d{2,3}(?!\d))/i
const SEASON_DIR = /^(?:season[ ._-]*\d+|specials)$/i
/** DVD and Blu-ray structures: the film of the folder holding them, never entered. */
const DISC_DIR = /^(?:VIDEO_TS|BDMV)$/i
/** What file systems and NAS systems keep beside the films: recycle bins, snapshots, thumbnails. */
const SYSTEM_DIR = /^(?:@eaDir|#recycle|#snapshot|@Recycle|@Recently-Snapshot|\$RECYCLE\.BIN|RECYCLER|System Volume Information|lost\+found)$/i
/** Jellyfin's extras folders and subtitle folders. */
const EXTRAS_DIR = /^(?:extras|featurettes|behind the scenes|deleted scenes|interviews|samples?|trailers|theme-music|backdrops|subs?|subtitles)$/i
/** Extras folder names that are also genre or category folders ("Shorts", "Other"): extras only beside a film. */
const EXTRAS_DIR_BESIDE_FILM = /^(?:scenes|shorts|clips|other)$/i

/** "The Matrix (1999)" → title and year. */
export function titleFromName(name: string): { title: string; year: number | null } {
  // Dots part words (`The.Matrix.1999`) unless a space follows one (`Mr. Nobody`).
  const s = name.normalize('NFC').replace(/_|\.(?!\s)/g, ' ').replace(/\s+/g, ' ').trim()
  // A bare year is the last one (`Blade.Runner.2049.2017.2160p`: 2017), as Kodi's cleaning takes it.
  const m = /^(.*?)[\s-]*[([]((?:18|19|20)\d{2})[)\]]/.exec(s) ?? /^(.*)\s+((?:19|20)\d{2})(?:\s|$)/.exec(s)
  return m && m[1] ? { title: m[1].trim(), year: Number(m[2]) } : { title: s, year: null }
}

/** Names compared as one: case aside, and NFC (macOS writes names decomposed, other systems composed). */
const lower = (n: string) => n.normalize('NFC').toLowerCase()
/** Kodi's name for the NFO inside a disc structure. */
const discNfoName = (disc: string) => (lower(basename(disc)) === 'bdmv' ? 'index.nfo' : 'VIDEO_TS.nfo')
const stemOf = (f: string) => basename(f, extname(f))

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

/** A film of one folder: its videos (stacked parts, versions), or a disc folder. */
interface Film {
  stem: string
  videos: string[]
  /** Several versions of the film (`- 1080p`, `- 2160p`), none of them its video more than the others. */
  versions: boolean
  disc: string | null
}

/** One folder's films and the sub-folders a scan enters next, or null when it is no film folder to enter (unreadable, a TV show). */
async function readFolder(abs: string, dir: string, problems: ScanReport['problems']): Promise<{ films: ScannedFilm[]; subdirs: string[] } | null> {
  const keyOf = (p: string) => relative(abs, p).split(sep).join('/')

  /** Kodi's NFO inside a disc structure, if there is one. */
  const discNfo = async (disc: string): Promise<string | null> => {
    const want = lower(discNfoName(disc))
    try {
      const hit = (await readdir(disc)).find((n) => lower(n) === want)
      return hit ? join(disc, hit) : null
    } catch (err) {
      problems.push({ path: disc, reason: `folder cannot be read: ${why(err)}` })
      return null
    }
  }

  const files: string[] = []
  const dirs: string[] = []
  const links: string[] = []
  try {
    for await (const e of await opendir(dir)) {
      if (e.name.startsWith('.') || SYSTEM_DIR.test(e.name)) continue
      if (e.isDirectory()) dirs.push(e.name)
      else if (e.isFile()) files.push(e.name)
      else if (e.isSymbolicLink()) links.push(e.name)
    }
  } catch (err) {
    problems.push({ path: dir, reason: `folder cannot be read: ${why(err)}` })
    return null
  }
  // A link is what its target is (a folder's name may hold a dot: `Mr. Nobody (2009)`).
  const targets = await Promise.all(links.sort().map((l) => stat(join(dir, l)).catch((err: unknown) => err)))
  links.forEach((l, i) => {
    const st = targets[i]
    if (!(st instanceof Stats)) problems.push({ path: join(dir, l), reason: `link leads nowhere: ${errnoWords(st, 'its target is missing')}` })
    else if (st.isDirectory()) dirs.push(l)
    else if (st.isFile()) files.push(l)
  })
  files.sort()
  dirs.sort()
  const names = new Map(files.map((f) => [lower(f), f]))
  if (names.has('tvshow.nfo')) {
    // A TV show, seasons and all: said, so that a show inside a movie collection is no surprise.
    problems.push({ path: dir, reason: 'a TV show (tvshow.nfo): not a film, its folder not scanned' })
    return null
  }
  const out: ScannedFilm[] = []
  const folderName = basename(dir)
  const folderYear = titleFromName(folderName).year
  // Videos grouped into films: stacked parts, and Jellyfin's versions
  // (`Inception (2010)/Inception (2010) - 1080p.mkv`), are one film.
  const byStem = new Map<string, Film>()
  const videos = files.filter((v) => VIDEO_EXTENSIONS.has(lower(extname(v))) && !EXTRA_FILE.test(stemOf(v)) && !EPISODE.test(stemOf(v)))
  const within = (v: string) => {
    const m = STACK_WITHIN.exec(stemOf(v))
    return m ? lower(m[1] + m[2]) : null
  }
  const stacks = new Map<string, number>()
  for (const v of videos) {
    const k = within(v)
    if (k !== null) stacks.set(k, (stacks.get(k) ?? 0) + 1)
  }
  for (const v of videos) {
    const stem = stemOf(v)
    const w = STACK_WITHIN.exec(stem)
    let key = w && stacks.get(lower(w[1] + w[2]))! > 1 ? w[1] + w[2] : stem.replace(STACK, '')
    const rest = lower(key).startsWith(lower(folderName)) ? lower(key).slice(lower(folderName).length) : null
    // The folder's year keeps a collection folder (`Star Wars/Star Wars - A New Hope.mkv`) out.
    const version = !!folderYear && rest !== null && /^\s*-\s*\S|^\s*\[/.test(rest)
    if (version) key = folderName
    const film = byStem.get(lower(key))
    if (film) {
      film.videos.push(v)
      film.versions ||= version
    } else byStem.set(lower(key), { stem: key, videos: [v], versions: version, disc: null })
  }
  const films = [...byStem.values()]
  for (const d of dirs) if (DISC_DIR.test(d)) films.push({ stem: folderName, videos: [], versions: false, disc: d })
  // The film that owns the folder's movie.nfo and artwork: the only one, else the one the
  // folder is named after (a stray video beside it is no reason to lose them), else a disc.
  const owner =
    films.length === 1 ? films[0] : (films.find((f) => !f.disc && lower(f.stem) === lower(folderName)) ?? films.find((f) => f.disc)) ?? null
  const claimed = new Set<string>()
  /** The candidates that exist, in the order given (each then belongs to this film, never a film of its own). */
  const existing = (candidates: string[]) => {
    const hits = [...new Set(candidates.map((n) => names.get(lower(n))).filter((n): n is string => !!n))]
    for (const h of hits) claimed.add(lower(h))
    return hits
  }
  for (const f of films) {
    const isOwner = f === owner
    const stems = [f.stem, ...f.videos.map(stemOf)]
    const poster = findPoster(names, [...stems.map((s) => `${s}-poster`), ...(isOwner ? FOLDER_POSTERS : [])])
    const common = { folder: dir, poster: poster ? join(dir, poster) : null }
    if (f.disc) {
      const discDir = join(dir, f.disc)
      // movie.nfo beside the disc folder comes first, then `<folder>.nfo` (Jellyfin's name for a
      // disc's NFO); the disc's own NFO (Kodi's name) is the same film's.
      const beside = isOwner ? existing(['movie.nfo', `${folderName}.nfo`]).map((n) => join(dir, n)) : []
      const inDisc = await discNfo(discDir)
      const all = [...beside, ...(inDisc ? [inDisc] : [])]
      const nfo = all[0] ?? (isOwner ? join(dir, 'movie.nfo') : join(discDir, discNfoName(f.disc)))
      out.push({ key: keyOf(discDir), ...common, video: null, nfo, otherNfos: all.slice(1), companions: [], nfoExists: all.length > 0, ...titleFromName(folderName) })
      continue
    }
    const own = stems.map((s) => `${s}.nfo`)
    // `<video>.nfo` is the one Kodi reads first; movie.nfo beside it (which Jellyfin and Kodi's
    // folder-name scanning read) is the same film's, and so is each version's own NFO: the
    // first is the film's NFO, the others are written with it. Versions share no video's name,
    // so the folder's movie.nfo comes first for them.
    const hits = existing(isOwner ? (f.versions ? ['movie.nfo', ...own] : [...own, 'movie.nfo']) : own)
    const video = f.videos[0]
    out.push({
      key: keyOf(join(dir, video)),
      ...common,
      video,
      nfo: join(dir, hits[0] ?? `${stemOf(video)}.nfo`),
      otherNfos: hits.slice(1).map((h) => join(dir, h)),
      companions: f.versions && isOwner && hits.length === 0 ? f.videos.slice(1).map((v) => join(dir, `${stemOf(v)}.nfo`)) : [],
      nfoExists: hits.length > 0,
      ...titleFromName(isOwner && folderYear ? folderName : f.stem),
    })
  }
  // NFOs without a video (the video on another disk): a film each. Episodes' and extras' are not.
  const loose = files.filter((n) => lower(extname(n)) === '.nfo' && !claimed.has(lower(n)) && !EPISODE.test(stemOf(n)) && !EXTRA_FILE.test(stemOf(n)))
  for (const n of loose) {
    const stem = stemOf(n)
    const alone = loose.length === 1 && films.length === 0
    const poster = findPoster(names, [`${stem}-poster`, ...(alone ? FOLDER_POSTERS : [])])
    out.push({
      key: keyOf(join(dir, n)),
      folder: dir,
      video: null,
      nfo: join(dir, n),
      otherNfos: [],
      companions: [],
      nfoExists: true,
      poster: poster ? join(dir, poster) : null,
      ...titleFromName(lower(stem) === 'movie' ? folderName : stem),
    })
  }
  const hasFilm = films.length > 0 || loose.length > 0
  const subdirs = dirs.filter((d) => !(DISC_DIR.test(d) || SEASON_DIR.test(d) || EXTRAS_DIR.test(d) || (hasFilm && EXTRAS_DIR_BESIDE_FILM.test(d))))
  return { films: out, subdirs }
}

/**
 * The films of one folder of the collection at `root` (its sub-folders not entered), as a scan
 * lists them now: how a write-back finds every NFO of a film (one folder read).
 */
export async function scanFolder(root: string, dir: string): Promise<ScannedFilm[]> {
  return (await readFolder(resolve(root), dir, []))?.films ?? []
}

export async function scanCollection(root: string, signal?: AbortSignal): Promise<ScanReport> {
  const abs = resolve(root)
  const report: ScanReport = { films: [], problems: [] }
  const visited = new Set<string>()

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
    const found = await readFolder(abs, dir, report.problems)
    if (!found) return
    report.films.push(...found.films)
    for (const d of found.subdirs) await walk(join(dir, d))
  }

  await walk(abs)
  report.films.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
  return report
}
