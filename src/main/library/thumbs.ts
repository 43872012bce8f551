// The thumbnail cache: one file per distinct artwork, keyed by content hash, so byte-identical
// posters share one file and a re-import never re-encodes. New thumbnails are JPEG (libjpeg-turbo
// encodes one in about half the CPU of WebP at effort 0, the largest single cost of an import);
// libraries made before keep their WebP files, which are found, served and cleaned up alike.
import { lstatSync } from 'node:fs'
import { lstat, mkdir, unlink } from 'node:fs/promises'
import { dirname, join } from 'node:path'

export const THUMB_WIDTH = 240
export const THUMB_DIR = 'thumbs'

/** What new thumbnails are written as, then what older libraries may hold. */
export const THUMB_FORMATS = [
  { ext: '.jpg', mime: 'image/jpeg' },
  { ext: '.webp', mime: 'image/webp' },
] as const

/** A cached thumbnail's file name: its content hash and one of THUMB_FORMATS' extensions. */
export const THUMB_FILE = /^([0-9a-f]{64})\.(jpg|webp)$/

/** Where a new thumbnail of this artwork is written. */
export function thumbPath(libraryDir: string, hash: string): string {
  return thumbPaths(libraryDir, hash)[0]
}

/** Every name the artwork's thumbnail may have, the current format first. */
export function thumbPaths(libraryDir: string, hash: string): string[] {
  const base = join(libraryDir, THUMB_DIR, hash.slice(0, 2), hash)
  return THUMB_FORMATS.map((f) => base + f.ext)
}

/**
 * Whether the folders between the library and a thumbnail (thumbs/ and its two-letter shard)
 * are real folders: a link there would serve, or take, files outside the library.
 */
export function plainShard(libraryDir: string, hash: string): boolean {
  for (const dir of [join(libraryDir, THUMB_DIR), join(libraryDir, THUMB_DIR, hash.slice(0, 2))]) {
    try {
      if (!lstatSync(dir).isDirectory()) return false
    } catch {
      return false
    }
  }
  return true
}

/**
 * Makes the folders a thumbnail (thumbPath's) is written to; a link found in the place of
 * thumbs/ or its shard (the cache is ours alone) is removed first, so nothing is written
 * through it to another folder.
 */
export async function makeShardOf(thumbFile: string): Promise<void> {
  const shard = dirname(thumbFile)
  for (const dir of [dirname(shard), shard]) {
    const st = await lstat(dir).catch(() => null)
    if (st?.isDirectory()) continue
    // Only a link is removed: anything else in the way fails the write, as it did. Several
    // import workers may find the same link at once: one removes it, the others see it gone.
    if (st?.isSymbolicLink())
      await unlink(dir).catch((e: NodeJS.ErrnoException) => {
        if (e.code !== 'ENOENT') throw e
      })
    await mkdir(dir, { recursive: true })
  }
}

export function thumbMime(path: string): string {
  return THUMB_FORMATS.find((f) => path.endsWith(f.ext))?.mime ?? 'application/octet-stream'
}

/**
 * The artwork's cached thumbnail (a non-empty regular file in either format), or null. A
 * symlink is no thumbnail, as the poster protocol will not serve one: the import writes a
 * file over it (a version linked symlinked posters' links themselves into the cache).
 */
export async function findThumb(libraryDir: string, hash: string): Promise<string | null> {
  if (!plainShard(libraryDir, hash)) return null
  for (const p of thumbPaths(libraryDir, hash)) {
    const found = await lstat(p).then(
      (s) => s.isFile() && s.size > 0,
      () => false,
    )
    if (found) return p
  }
  return null
}
