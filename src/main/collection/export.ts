// The collection's genres as CSV or JSON: one row a film with its NFO's genres and, when a
// model is active and a rule is given, the genres a write-back would write.
import type { ExportFormat, Film, FilmPlan } from '../../shared/api'
import { csvField } from '../formats/csv-field'

export function exportFilms(films: Film[], plans: Map<number, FilmPlan> | null, format: ExportFormat): string {
  const rows = films.map((f) => {
    const p = plans?.get(f.id)
    return {
      key: f.key,
      title: f.title,
      year: f.year,
      imdb: f.imdb,
      tmdb: f.tmdb,
      nfo: f.nfoExists ? f.nfoPath : null,
      locked: f.locked,
      genres: f.nfoGenres,
      ...(plans ? { proposed: p?.proposed.map((x) => x.genre) ?? [], write: p && (p.change === 'update' || p.change === 'create') ? p.genres : null } : {}),
    }
  })
  if (format === 'json') return `${JSON.stringify(rows, null, 2)}\n`
  const head = ['key', 'title', 'year', 'imdb', 'tmdb', 'locked', 'genres', ...(plans ? ['proposed', 'write'] : [])]
  const lines = [head.join(',')]
  for (const r of rows) {
    const cells = [r.key, r.title ?? '', r.year?.toString() ?? '', r.imdb ?? '', r.tmdb ?? '', r.locked ? '1' : '0', r.genres.join('|')]
    if (plans) cells.push((r.proposed ?? []).join('|'), r.write ? r.write.join('|') : '')
    lines.push(cells.map(csvField).join(','))
  }
  return `${lines.join('\n')}\n`
}
