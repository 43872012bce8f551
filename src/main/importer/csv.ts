// A small RFC 4180 CSV reader: quoted fields with commas, doubled quotes and line breaks,
// CRLF or LF line ends, a leading BOM. Malformed input fails with the line it happened on.

export class CsvError extends Error {}

/** Rows of fields, with the 1-based line on which each row starts. Blank lines are dropped. */
export function parseCsv(text: string): { rows: string[][]; lines: number[] } {
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1)
  const rows: string[][] = []
  const lines: number[] = []
  let row: string[] = []
  let field = ''
  let quoted = false // inside a quoted field
  let wasQuoted = false // the current field was quoted (then "" is a real empty value)
  let line = 1
  let rowLine = 1
  const endRow = () => {
    row.push(field)
    if (row.length > 1 || row[0] !== '' || wasQuoted) {
      rows.push(row)
      lines.push(rowLine)
    }
    row = []
    field = ''
    wasQuoted = false
  }
  for (let i = 0; i < text.length; i++) {
    const c = text[i]
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"'
          i++
        } else quoted = false
      } else {
        if (c === '\n') line++
        field += c
      }
      continue
    }
    if (c === ',') {
      row.push(field)
      field = ''
      wasQuoted = false
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++
      endRow()
      line++
      rowLine = line
    } else if (c === '"') {
      if (field.length > 0 || wasQuoted) {
        throw new CsvError(`line ${line}: a quote inside an unquoted field (quote the whole field and double inner quotes)`)
      }
      quoted = true
      wasQuoted = true
    } else {
      if (wasQuoted) throw new CsvError(`line ${line}: text after a closing quote`)
      field += c
    }
  }
  if (quoted) throw new CsvError(`line ${rowLine}: a quoted field is never closed`)
  if (field !== '' || row.length > 0 || wasQuoted) endRow()
  return { rows, lines }
}

// The writer is in formats/ (the exports use it); the reader and the writer test each other.
export { csvField } from '../formats/csv-field'
