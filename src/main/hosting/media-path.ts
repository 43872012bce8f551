// The poster URL path both hosts accept: /media/<kind>/<id> under `posterity serve` and
// posterity-media://<kind>/<id> in the desktop window. Parsed here once, so the two agree.
import { PosterId } from '../../shared/api/common'
import type { MediaKind } from '../library/media'

/**
 * `<kind>/<encoded id>` (what follows /media/ here, or posterity-media:// in the desktop app)
 * → the kind and a valid poster id, or null. An encoded `/` or `..` never survives as a path.
 */
export function parseMediaPath(rest: string): { kind: MediaKind; id: string } | null {
  const parts = rest.split('/')
  if (parts.length !== 2 || (parts[0] !== 'thumb' && parts[0] !== 'full')) return null
  let id: string
  try {
    id = decodeURIComponent(parts[1])
  } catch {
    return null
  }
  return PosterId.safeParse(id).success ? { kind: parts[0], id } : null
}
