// Writing one CSV field: the label export, the collection export and `predict` write CSV; the
// importer reads what they write.

/** A field for writing: quoted when it holds a comma, quote or line break. */
export function csvField(value: string | number | null | undefined): string {
  const s = value === null || value === undefined ? '' : String(value)
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s
}
