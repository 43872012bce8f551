// The RFC 4180 reader and the label / metadata file readers.
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { csvField, parseCsv } from '../../src/main/importer/csv'
import { readTables } from '../../src/main/importer/tables'
import { splitGenres } from '../../src/main/importer/labels'
import { tempDir } from '../library/helpers'

describe('parseCsv', () => {
  it('handles BOM, CRLF, quoted commas, doubled quotes and line breaks in quotes', async () => {
    const { rows, lines } = await parseCsv('\uFEFFId,Title\r\ntt1,"Hello, world"\r\ntt2,"Say ""hi"""\r\n\r\ntt3,"two\nlines"\r\ntt4,""')
    expect(rows).toEqual([
      ['Id', 'Title'],
      ['tt1', 'Hello, world'],
      ['tt2', 'Say "hi"'],
      ['tt3', 'two\nlines'],
      ['tt4', ''],
    ])
    expect(lines).toEqual([1, 2, 3, 5, 7])
  })

  it('keeps empty fields and a last line without a line break', async () => {
    expect((await parseCsv('a,,c\n,,\nx')).rows).toEqual([['a', '', 'c'], ['', '', ''], ['x']])
  })

  it('fails on an unclosed quote or stray quotes, naming the line', async () => {
    await expect(parseCsv('a,b\n1,"oops\n2,3')).rejects.toThrow(/line 2: a quoted field is never closed/)
    await expect(parseCsv('a,b\n1,x"y')).rejects.toThrow(/line 2: a quote inside an unquoted field/)
    await expect(parseCsv('a,b\n1,"x"y')).rejects.toThrow(/line 2: text after a closing quote/)
  })

  it('writes fields that read back the same', async () => {
    const values = ['plain', 'with, comma', 'with "quote"', 'line\nbreak', '']
    expect((await parseCsv(values.map(csvField).join(','))).rows[0]).toEqual(values)
  })
})

describe('label and metadata files', () => {
  let t: ReturnType<typeof tempDir>
  beforeEach(() => (t = tempDir()))
  afterEach(() => t.cleanup())
  const file = (name: string, text: string) => {
    const p = join(t.dir, name)
    writeFileSync(p, text)
    return p
  }

  it('reads the Kaggle layout: 0/1 columns are the truth, N/A means genre unknown (no row), all zeros is labelled with no genre, unknown columns become genres', async () => {
    const p = file(
      'train.csv',
      "\uFEFFId,Genre,Action,Drama,N/A,Space Opera\r\ntt0000001,\"['Action', 'Drama']\",1,1,0,0\r\ntt0000002,\"['N/A']\",0,0,1,0\r\ntt0000003,\"['Space Opera']\",0,0,0,1\r\ntt0000004,[],0,0,0,0\r\n",
    )
    const tb = await readTables(p)
    expect(tb.labels.get('tt0000001')).toMatchObject({ genres: ['Action', 'Drama'] })
    expect(tb.labels.has('tt0000002')).toBe(false)
    expect(tb.labels.get('tt0000003')).toMatchObject({ genres: ['Space Opera'] })
    expect(tb.labels.get('tt0000004')).toMatchObject({ genres: [] })
    expect(tb.genreOrder).toEqual(['Action', 'Drama', 'Space Opera'])
    expect(tb.warnings).toEqual([])
  })

  it('warns about duplicate ids (the last row wins), bad ids and non-0/1 cells', async () => {
    const p = file('l.csv', 'Id,Genre,Drama,Comedy\ntt1,x,1,0\ntt1,x,0,1\n,x,1,1\ntt2,x,yes,1\n')
    const tb = await readTables(p)
    expect(tb.labels.get('tt1')).toEqual({ genres: ['Comedy'] })
    expect(tb.labels.get('tt2')).toEqual({ genres: ['Comedy'] })
    expect(tb.warnings.join('\n')).toMatch(/duplicate ids, the last row wins: tt1 \(lines 2 and 3\)/)
    expect(tb.warnings.join('\n')).toMatch(/line 4: empty id/)
    expect(tb.warnings.join('\n')).toMatch(/line 5 column Drama: "yes"/)
  })

  it('ignores a column that is not 0/1 with a warning', async () => {
    const p = file('l.csv', 'Id,Drama,Budget,Rating\ntt1,1,7.5,3\ntt2,0,6,2\n')
    const tb = await readTables(p)
    expect(tb.labels.get('tt1')).toEqual({ genres: ['Drama'] })
    expect(tb.warnings).toEqual(['l.csv: column "Budget" ignored (not 0/1 values, so not a genre column)'])
    expect(tb.genreOrder).toEqual(['Drama']) // Rating is a known non-genre column
  })

  it('reads MovieGenre.csv: bare imdbId numbers, genres split on |, titles with years, Latin-1', async () => {
    const text = 'imdbId,Imdb Link,Title,IMDB Score,Genre,Poster\n114709,http://x,Toy Story (1995),8.3,Animation|Adventure|Comedy,http://p\n113497,http://x,"Jumanji, Again (1995)",6.9,Action|N/A,http://p\n9,http://x,Caf\xe9,5,,http://p\n'
    const p = join(t.dir, 'MovieGenre.csv')
    writeFileSync(p, Buffer.from(text, 'latin1'))
    const tb = await readTables(p)
    expect(tb.labels.get('tt0114709')).toEqual({ genres: ['Animation', 'Adventure', 'Comedy'] })
    expect(tb.labels.get('tt0113497')).toEqual({ genres: ['Action'] })
    expect(tb.labels.has('tt0000009')).toBe(false) // no genre information: stays unlabelled
    expect(tb.meta.get('tt0114709')).toEqual({ title: 'Toy Story', year: 1995 })
    expect(tb.meta.get('tt0113497')).toEqual({ title: 'Jumanji, Again', year: 1995 })
    expect(tb.meta.get('tt0000009')).toEqual({ title: 'Café', year: null })
    expect(tb.warnings).toEqual(['MovieGenre.csv: not valid UTF-8; read as Windows-1252 (Latin-1)'])
  })

  it('refuses a labels file without an Id column, naming the file and the columns found', async () => {
    const p = file('bad.csv', 'Name,Genre\nx,Drama\n')
    await expect(readTables(p)).rejects.toThrow(`labels file ${p} has no Id column (expected Id or imdbId; found: "Name", "Genre")`)
  })

  it('refuses missing, empty, genre-less and broken files with specific reasons', async () => {
    await expect(readTables(join(t.dir, 'none.csv'))).rejects.toThrow(/cannot read labels file .*none\.csv: no such file/)
    await expect(readTables(file('empty.csv', ''))).rejects.toThrow(/is empty/)
    await expect(readTables(file('g.csv', 'Id,Title\ntt1,x\n'))).rejects.toThrow(/has no genres: expected a Genre column or one 0\/1 column per genre/)
    await expect(readTables(file('q.csv', 'Id,Genre\ntt1,"Drama\n'))).rejects.toThrow(/is not valid CSV: line 2: a quoted field is never closed/)
  })

  it('reads metadata Id,Title,Year; it overrides titles from the labels file', async () => {
    const labels = file('l.csv', 'imdbId,Title,Genre\n1,Old Title (1990),Drama\n')
    const meta = file('m.csv', 'Id,Title,Year\r\ntt0000001,"New, Title",1991\r\ntt2,Other,19x1\r\n')
    const tb = await readTables(labels, meta)
    expect(tb.meta.get('tt0000001')).toEqual({ title: 'New, Title', year: 1991 })
    expect(tb.meta.get('tt2')).toEqual({ title: 'Other', year: null })
    expect(tb.warnings.join('\n')).toMatch(/years that are not 4 digits \(left empty\): line 3: "19x1"/)
    await expect(readTables(undefined, file('m2.csv', 'Id,Foo\ntt1,x\n'))).rejects.toThrow(/neither a Title nor a Year column/)
  })

  it('warns about a file that is only a header, and adds no genres from it', async () => {
    const tb = await readTables(file('h.csv', 'Id,Drama,Comedy\r\n'), file('m.csv', 'Id,Title,Year\n'))
    expect(tb.labels.size).toBe(0)
    expect(tb.genreOrder).toEqual([])
    expect(tb.warnings).toEqual(['h.csv: a header and no rows; nothing read from it', 'm.csv: a header and no rows; nothing read from it'])
  })

  it('reads the whole file again as Latin-1 when a byte far into it is not UTF-8', async () => {
    const rows = Array.from({ length: 5000 }, (_, i) => `tt${String(i).padStart(7, '0')},Drama`)
    const p = join(t.dir, 'late.csv')
    writeFileSync(p, Buffer.concat([Buffer.from(`Id,Genre\n${rows.join('\n')}\n`), Buffer.from('tt9999999,Com\xe9die\n', 'latin1')]))
    const tb = await readTables(p)
    expect(tb.labels.size).toBe(5001)
    expect(tb.labels.get('tt9999999')).toEqual({ genres: ['Comédie'] })
    expect(tb.warnings).toEqual(['late.csv: not valid UTF-8; read as Windows-1252 (Latin-1)']) // once, not once per pass
  })

  it('reads mixed line ends, and refuses a row longer than the limit naming its line', async () => {
    expect((await parseCsv('a,b\nc,d\r\ne,f\rg,h')).rows).toEqual([['a', 'b'], ['c', 'd'], ['e', 'f'], ['g', 'h']])
    await expect(parseCsv(`a,b\n1,2\n${'x'.repeat(3000)}\n`, { maxRowBytes: 1024 })).rejects.toThrow(/^line 3: a row longer than/)
  })

  it('counts lines through quoted line breaks of either kind', async () => {
    expect((await parseCsv('a\r\n"b\r\nc"\r\n\r\nd\r\n"e\nf"\ng')).lines).toEqual([1, 2, 5, 6, 8])
  })

  it('splits Genre cells in every common spelling', async () => {
    expect(splitGenres("['Comedy', 'Drama']")).toEqual(['Comedy', 'Drama'])
    expect(splitGenres('Comedy|Drama|N/A')).toEqual(['Comedy', 'Drama'])
    expect(splitGenres('Comedy, Drama')).toEqual(['Comedy', 'Drama'])
    expect(splitGenres("['N/A']")).toEqual([])
  })
})
