// Metadata files: Id, Title, Year (either of the last two may be missing). Streamed a row
// at a time like the label files (table-file.ts) into a compact table (meta-table.ts);
// duplicate ids: the last row wins.
import { basename } from 'node:path'
import { printable } from '../../shared/printable'
import { ApiError } from '../../shared/api'
import { MetaTable, type MetaRow } from './meta-table'
import { ById, Listed, cell, found, headerOf, headerOnly, idColumn, streamTable } from './table-file'

export type { MetaRow }
/** Titles and years by id: a Map, or the compact MetaTable a metadata file is read into. */
export interface MetaLookup {
  get(id: string): MetaRow | undefined
  readonly size: number
}

/** Read into a MetaTable: a metadata file of millions of short rows costs about 2.5x its size, not 9x. */
export async function readMetadata(path: string, warnings: string[]): Promise<MetaTable> {
  return streamTable(path, 'metadata', warnings, async (rows, w, again) => {
    const file = basename(path)
    const header = await headerOf(rows, path, 'metadata')
    const idCol = idColumn(path, 'metadata', header)
    const titleCol = header.findIndex((h) => /^(title|name)$/i.test(h))
    const yearCol = header.findIndex((h) => /^year$/i.test(h))
    if (titleCol < 0 && yearCol < 0) {
      throw new ApiError('invalid-args', `metadata file ${printable(path)} has neither a Title nor a Year column (${found(header)})`)
    }
    const badYears = new Listed()
    const byId = new ById<MetaRow, MetaTable>(file, header.length, idCol, new MetaTable())
    let any = false
    for await (const row of rows) {
      any = true
      const id = byId.id(row)
      if (id === null) continue
      const title = titleCol >= 0 ? (row.fields[titleCol] ?? '').trim() || null : null
      const y = yearCol >= 0 ? (row.fields[yearCol] ?? '').trim() : ''
      let year: number | null = null
      if (/^\d{4}$/.test(y)) year = Number(y)
      else if (y) badYears.add(`line ${row.line}: ${cell(y)}`)
      byId.set(id, row.line, { title, year })
    }
    if (!any) w.push(headerOnly(file))
    await byId.warn(w, again)
    badYears.warn(`${file}: years that are not 4 digits (left empty)`, w)
    return byId.out
  })
}
