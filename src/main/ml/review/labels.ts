// The labels a person vouches for: every source but 'prediction' (imported, user, and any
// later human source such as nfo files). The suspect queue audits only these.
import type { Db } from '../../library/db'

/** Human-sourced genre names per poster; posters without one are absent. */
export function humanLabels(db: Db): Map<string, string[]> {
  const out = new Map<string, string[]>()
  const rows = db
    .prepare(
      `SELECT l.poster_id AS id, g.name FROM labels l JOIN genres g ON g.id = l.genre_id JOIN posters p ON p.id = l.poster_id
       WHERE p.labelled = 1 AND l.source <> 'prediction' ORDER BY g.position, g.name`,
    )
    .all() as { id: string; name: string }[]
  for (const r of rows) {
    const list = out.get(r.id)
    if (list) list.push(r.name)
    else out.set(r.id, [r.name])
  }
  return out
}
