// A poster's label state, read and written as a whole: the unit of the undo history.
import type { LabelSource } from '../../shared/api'
import type { Db } from './db'
import { ensureGenre } from './vocabulary'

/** `genres` holds [name, source] pairs sorted by name, so two states compare as JSON. */
export interface LabelState {
  labelled: boolean
  /** The user has edited this poster's labels (re-imports then leave them alone). */
  edited: boolean
  genres: [string, LabelSource][]
}

export function sameLabels(a: LabelState, b: LabelState): boolean {
  return a.labelled === b.labelled && JSON.stringify(a.genres) === JSON.stringify(b.genres)
}

export function sortGenres(g: [string, LabelSource][]): [string, LabelSource][] {
  return g.sort((x, y) => (x[0].toLowerCase() < y[0].toLowerCase() ? -1 : x[0].toLowerCase() > y[0].toLowerCase() ? 1 : 0))
}

const CHUNK = 5000

/** States of the posters that exist among `ids` (missing ids are absent from the map). */
export function readStates(db: Db, ids: string[]): Map<string, LabelState> {
  const out = new Map<string, LabelState>()
  const posters = db.prepare(
    'SELECT p.id, p.labelled, p.user_edited FROM posters p WHERE p.id IN (SELECT value FROM json_each(?))',
  )
  const labels = db.prepare(
    `SELECT l.poster_id AS id, g.name, l.source FROM labels l JOIN genres g ON g.id = l.genre_id
     WHERE l.poster_id IN (SELECT value FROM json_each(?))`,
  )
  for (let i = 0; i < ids.length; i += CHUNK) {
    const json = JSON.stringify(ids.slice(i, i + CHUNK))
    for (const r of posters.all(json) as { id: string; labelled: number; user_edited: number }[]) {
      out.set(r.id, { labelled: r.labelled === 1, edited: r.user_edited === 1, genres: [] })
    }
    for (const r of labels.all(json) as { id: string; name: string; source: LabelSource }[]) {
      out.get(r.id)?.genres.push([r.name, r.source])
    }
  }
  for (const s of out.values()) sortGenres(s.genres)
  return out
}

/**
 * Writes states; call inside a transaction. With `current` (the states now), only the
 * differences are written: a bulk "add one genre" is one insert a poster, not a rewrite.
 * Genre names missing from the vocabulary are created.
 */
export function writeStates(db: Db, states: Map<string, LabelState>, current?: Map<string, LabelState>): void {
  const clear = db.prepare('DELETE FROM labels WHERE poster_id = ?')
  const insert = db.prepare('INSERT INTO labels (poster_id, genre_id, source) VALUES (?, ?, ?)')
  const drop = db.prepare('DELETE FROM labels WHERE poster_id = ? AND genre_id = ?')
  const setSource = db.prepare('UPDATE labels SET source = ? WHERE poster_id = ? AND genre_id = ?')
  const flags = db.prepare('UPDATE posters SET labelled = ?, user_edited = ? WHERE id = ?')
  const ids = new Map<string, number>()
  const genreId = (name: string) => {
    const k = name.toLowerCase()
    let id = ids.get(k)
    if (id === undefined) ids.set(k, (id = ensureGenre(db, name).id))
    return id
  }
  for (const [id, s] of states) {
    const cur = current?.get(id)
    if (!cur) {
      if (flags.run(s.labelled ? 1 : 0, s.edited ? 1 : 0, id).changes === 0) continue // poster gone
      clear.run(id)
      for (const [name, source] of s.genres) insert.run(id, genreId(name), source)
      continue
    }
    if (cur.labelled !== s.labelled || cur.edited !== s.edited) flags.run(s.labelled ? 1 : 0, s.edited ? 1 : 0, id)
    const had = new Map(cur.genres.map(([n, src]) => [n.toLowerCase(), src]))
    const want = new Set(s.genres.map(([n]) => n.toLowerCase()))
    for (const [name] of cur.genres) if (!want.has(name.toLowerCase())) drop.run(id, genreId(name))
    for (const [name, source] of s.genres) {
      const old = had.get(name.toLowerCase())
      if (old === undefined) insert.run(id, genreId(name), source)
      else if (old !== source) setSource.run(source, id, genreId(name))
    }
  }
}
