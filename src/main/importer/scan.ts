// Finds image files under the paths given: recursive, following symlinks once (a set of real
// paths detects loops), skipping hidden entries and the library folder itself. Things that
// look like images but cannot be read are reported, not silently dropped.
import { opendir, realpath, stat } from 'node:fs/promises'
import { basename, extname, join, resolve } from 'node:path'
import type { SkippedFile } from '../../shared/api'
import { throwIfCancelled } from '../jobs/registry'
import { errnoWords } from '../errno'

export const IMAGE_EXTENSIONS = new Set(['.jpg', '.jpeg', '.png', '.webp', '.gif', '.avif', '.tif', '.tiff'])

export interface ScanResult {
  /** Absolute paths of image files, sorted, each once. */
  files: string[]
  /** `.nfo` files found, by absolute path (Kodi/Jellyfin metadata beside posters). */
  nfos: Set<string>
  skipped: SkippedFile[]
  warnings: string[]
}

/** Image types people keep posters in that are not imported: reported, unlike other files. */
const UNSUPPORTED_IMAGES: Record<string, string> = {
  '.svg': 'a vector drawing',
  '.svgz': 'a vector drawing',
  '.bmp': 'BMP',
  '.heic': 'HEIC',
  '.ico': 'an icon',
  '.psd': 'a Photoshop document',
  '.jxl': 'JPEG XL',
}
const unsupported = (name: string): string | null => {
  const ext = extname(name).toLowerCase()
  const kind = UNSUPPORTED_IMAGES[ext]
  return kind ? `not a supported image type (${ext}: ${kind}); use jpg, png, webp, gif, avif or tiff` : null
}

export function isImagePath(p: string): boolean {
  return IMAGE_EXTENSIONS.has(extname(p).toLowerCase())
}

const why = (err: unknown): string => errnoWords(err)

export async function scan(paths: string[], options: { exclude?: string; signal?: AbortSignal } = {}): Promise<ScanResult> {
  const out: ScanResult = { files: [], nfos: new Set(), skipped: [], warnings: [] }
  const visited = new Set<string>() // real paths of folders already walked
  const seenFiles = new Set<string>() // real paths of files already listed
  const exclude = options.exclude ? await realpath(options.exclude).catch(() => resolve(options.exclude!)) : null

  const addFile = async (path: string) => {
    const real = await realpath(path).catch(() => path)
    if (seenFiles.has(real)) return
    seenFiles.add(real)
    out.files.push(path)
  }

  /** `given`: a folder the user named; named twice, or inside another named one, it is read once, silently. */
  const walk = async (dir: string, shown: string, given = false): Promise<void> => {
    if (options.signal) throwIfCancelled(options.signal)
    let real: string
    try {
      real = await realpath(dir)
    } catch (err) {
      out.skipped.push({ path: shown, reason: `folder cannot be read: ${why(err)}` })
      return
    }
    if (exclude && real === exclude) return
    if (visited.has(real) && given) return
    if (visited.has(real)) {
      out.warnings.push(`symlink loop or repeated folder not followed again: ${shown} (is ${real})`)
      return
    }
    visited.add(real)
    let handle
    try {
      handle = await opendir(dir)
    } catch (err) {
      out.skipped.push({ path: shown, reason: `folder cannot be read: ${why(err)}` })
      return
    }
    for await (const e of handle) {
      if (e.name.startsWith('.')) continue
      const path = join(dir, e.name)
      if (e.isDirectory()) await walk(path, path)
      else if (e.isFile()) {
        if (isImagePath(e.name)) await addFile(path)
        else if (extname(e.name).toLowerCase() === '.nfo') out.nfos.add(path)
        else if (unsupported(e.name)) out.skipped.push({ path, reason: unsupported(e.name)! })
      } else if (e.isSymbolicLink()) {
        try {
          const st = await stat(path)
          if (st.isDirectory()) await walk(path, path)
          else if (st.isFile() && isImagePath(e.name)) await addFile(path)
          else if (st.isFile() && extname(e.name).toLowerCase() === '.nfo') out.nfos.add(path)
        } catch (err) {
          if (isImagePath(e.name)) out.skipped.push({ path, reason: `unreadable: broken symbolic link (${why(err)})` })
        }
      } else if (isImagePath(e.name)) {
        out.skipped.push({ path, reason: 'unreadable: not a regular file (a device, pipe or socket)' })
      }
    }
  }

  for (const p of paths) {
    const abs = resolve(p)
    let st
    try {
      st = await stat(abs)
    } catch (err) {
      out.skipped.push({ path: abs, reason: why(err) })
      continue
    }
    if (st.isDirectory()) await walk(abs, abs, true)
    else if (!st.isFile()) out.skipped.push({ path: abs, reason: 'unreadable: not a regular file' })
    else if (!isImagePath(abs)) out.skipped.push({ path: abs, reason: `not a supported image type (${extname(abs) || 'no extension'}); use jpg, png, webp, gif, avif or tiff` })
    else {
      await addFile(abs)
      const nfo = join(abs, '..', `${basename(abs, extname(abs))}.nfo`)
      if (await stat(nfo).then((s) => s.isFile(), () => false)) out.nfos.add(nfo)
      const movie = join(abs, '..', 'movie.nfo')
      if (await stat(movie).then((s) => s.isFile(), () => false)) out.nfos.add(movie)
    }
  }
  out.files.sort()
  return out
}
