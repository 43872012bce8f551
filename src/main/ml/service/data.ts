// Reads what the model needs from the library: posters, their labels, and feature rows,
// in chunks that yield to the event loop so the API stays responsive during big reads.
import type { Db } from '../../library/db'
import { readEmbeddings, type FeatureKey } from '../store/embeddings'

export interface PosterRow {
  id: string
  hash: string
  path: string
  labelled: boolean
}

export const yieldToLoop = (): Promise<void> => new Promise((r) => setImmediate(r))

export function postersFor(db: Db, opts: { ids?: string[]; scope?: 'all' | 'labelled' | 'unlabelled' } = {}): PosterRow[] {
  const where = opts.scope === 'labelled' ? 'WHERE labelled = 1' : opts.scope === 'unlabelled' ? 'WHERE labelled = 0' : ''
  const rows = (db.prepare(`SELECT id, hash, path, labelled FROM posters ${where} ORDER BY id`).all() as {
    id: string
    hash: string
    path: string
    labelled: number
  }[]).map((r) => ({ ...r, labelled: r.labelled === 1 }))
  if (!opts.ids) return rows
  const want = new Set(opts.ids)
  return rows.filter((r) => want.has(r.id))
}

/** Genre names of every labelled poster (vocabulary order kept by the caller). */
export function labelsOf(db: Db): Map<string, string[]> {
  const out = new Map<string, string[]>()
  for (const r of db.prepare('SELECT l.poster_id AS id, g.name FROM labels l JOIN genres g ON g.id = l.genre_id').all() as { id: string; name: string }[]) {
    const list = out.get(r.id)
    if (list) list.push(r.name)
    else out.set(r.id, [r.name])
  }
  return out
}

/** Feature rows [posters × dims] from the cache; throws if one is missing. */
export async function featureMatrix(db: Db, key: FeatureKey, posters: { id: string; hash: string }[], dims: number): Promise<Float32Array> {
  const x = new Float32Array(posters.length * dims)
  const CHUNK = 500
  for (let s = 0; s < posters.length; s += CHUNK) {
    const part = posters.slice(s, s + CHUNK)
    const vecs = readEmbeddings(db, key, part.map((p) => p.hash))
    part.forEach((p, i) => {
      const v = vecs.get(p.hash)
      if (!v) throw new Error(`poster ${p.id} has no cached embedding`)
      if (v.length !== dims) throw new Error(`cached embedding of ${p.id} has ${v.length} values, ${dims} expected`)
      x.set(v, (s + i) * dims)
    })
    await yieldToLoop()
  }
  return x
}
