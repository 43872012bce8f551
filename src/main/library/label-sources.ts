// Label sources beyond the first schema's three. SQLite cannot alter a CHECK constraint, so
// the labels table is rebuilt from its own stored SQL with the new source added to the list:
// sources another migration may have added before this one are kept, and a schema that
// already admits the source is left as it is.
import type { Db } from './db'

export function addLabelSource(db: Db, source: string): void {
  const objects = db
    .prepare(`SELECT type, name, sql FROM sqlite_master WHERE tbl_name = 'labels' AND sql IS NOT NULL`)
    .all() as { type: string; name: string; sql: string }[]
  const table = objects.find((o) => o.type === 'table')
  if (!table) throw new Error('the labels table is missing')
  const check = /source\s+TEXT\s+NOT\s+NULL\s+CHECK\s*\(\s*source\s+IN\s*\(([^)]*)\)\s*\)/i.exec(table.sql)
  if (!check) throw new Error('the labels table has no source list to extend')
  if (check[1].split(',').some((s) => s.trim() === `'${source}'`)) return
  const sql = table.sql.replace(check[0], check[0].replace(check[1], `${check[1]}, '${source}'`))
  const dependants = objects.filter((o) => o.type !== 'table')
  db.exec(sql.replace(/^CREATE TABLE\s+"?labels"?/i, 'CREATE TABLE labels_rebuilt'))
  // Copying into the new table fires no mask triggers: posters.genre_mask is already right.
  db.exec('INSERT INTO labels_rebuilt SELECT * FROM labels')
  db.exec('DROP TABLE labels')
  db.exec('ALTER TABLE labels_rebuilt RENAME TO labels')
  for (const o of dependants) db.exec(o.sql)
}
