// STUB — to be implemented: which file on disk serves a poster's thumbnail or full image.
// Only files that belong to the library are ever returned.
import type { CoreContext } from '../context'

export type MediaKind = 'thumb' | 'full'

export function mediaFile(_ctx: CoreContext, _kind: MediaKind, _id: string): { path: string; mime: string } | null {
  return null
}
