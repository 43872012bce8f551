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

/** Label sources a person stands behind; "prediction" is the model's own output accepted. */
export const HUMAN_SOURCES = ['imported', 'user', 'nfo'] as const

export interface TrainingLabels {
  /** Labelled posters that count as labelled for training. */
  eligible: Set<string>
  /** Their genres (human sources, plus predictions when included). */
  labels: Map<string, string[]>
}

/**
 * The labels training and evaluation may use. Without `includePredictions` only human
 * labels count and a poster whose every label came from a prediction is left out (it is
 * unlabelled as far as training is concerned); a poster a person marked "no genre" (labelled,
 * no label) stays a negative for every genre.
 */
export function trainingLabels(db: Db, includePredictions = false): TrainingLabels {
  const human = new Map<string, string[]>()
  const predicted = new Set<string>()
  const rows = db
    .prepare('SELECT p.id AS id, g.name AS name, l.source AS source FROM posters p LEFT JOIN labels l ON l.poster_id = p.id LEFT JOIN genres g ON g.id = l.genre_id WHERE p.labelled = 1')
    .all() as { id: string; name: string | null; source: string | null }[]
  for (const r of rows) {
    if (!human.has(r.id)) human.set(r.id, [])
    if (r.name === null) continue
    if (r.source === 'prediction' && !includePredictions) predicted.add(r.id)
    else human.get(r.id)!.push(r.name)
  }
  const eligible = new Set<string>()
  for (const [id, list] of human) if (list.length > 0 || !predicted.has(id)) eligible.add(id)
  for (const id of [...human.keys()]) if (!eligible.has(id)) human.delete(id)
  return { eligible, labels: human }
}

/** Title and year of each poster (the title evidence the model may use), in the given order. */
export function titlesOf(db: Db, ids: string[]): { id: string; title: string | null; year: number | null }[] {
  const get = db.prepare('SELECT title, year FROM posters WHERE id = ?')
  return ids.map((id) => {
    const r = get.get(id) as { title: string | null; year: number | null } | undefined
    return { id, title: r?.title ?? null, year: r?.year ?? null }
  })
}
