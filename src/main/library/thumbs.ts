// The thumbnail cache: one WebP per distinct artwork, keyed by content hash, so byte-identical
// posters share one file and a re-import never re-encodes.
import { join } from 'node:path'

export const THUMB_WIDTH = 240
export const THUMB_DIR = 'thumbs'

export function thumbPath(libraryDir: string, hash: string): string {
  return join(libraryDir, THUMB_DIR, hash.slice(0, 2), `${hash}.webp`)
}
