// Labels files as people make them, through real files and the import: Excel's semicolons,
// Notepad's BOM, a JSON object instead of our export's array, a genre name the library refuses
// (skipped where it appears, the rest imported) and a Genre list that disagrees with its 0/1
// columns (the columns used, with one warning).
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { headerDelimiter } from '../../src/main/importer/csv'
import { startImport } from '../../src/main/importer/handlers'
import { readTables } from '../../src/main/importer/tables'
import { call, jpeg, useLibrary } from '../library/helpers'

let src: string
const t = useLibrary({ sub: 'lib', before: (dir) => mkdirSync((src = join(dir, 'posters'))) })

const file = (name: string, text: string | Buffer) => {
  const p = join(t.dir, name)
  writeFileSync(p, text)
  return p
}

/** Imports three posters (tt0000001-3) with this labels file; the result. */
async function importWith(labels: string, metadata?: string) {
  for (let i = 1; i <= 3; i++) await jpeg(join(src, `tt000000${i}.jpg`), { seed: i, width: 40, height: 60 })
  const r = await (await startImport(t.core, { paths: [src], labels, metadata })).promise
  if (!r) throw new Error('import failed')
  return r
}

/** Each poster's [id, labelled, genres], in id order. */
const labels = async () =>
  ((await call(t.core, 'library.query', { sort: 'id' })).items as { id: string; labelled: boolean; genres: string[]; title: string | null }[]).map((p) => [p.id, p.labelled, p.genres])

const BOM = Buffer.from([0xef, 0xbb, 0xbf])

describe('separators', () => {
  it('tells comma, semicolon and tab apart on the header line, outside quotes', () => {
    expect(headerDelimiter('Id,Genre,Action\ntt1;x;y;z;w')).toBe(',')
    expect(headerDelimiter('\uFEFFId;Genre;Action\n')).toBe(';')
    expect(headerDelimiter('Id\tGenre\r\n')).toBe('\t')
    expect(headerDelimiter('Id,"a;b;c"')).toBe(',')
    expect(headerDelimiter('Id')).toBe(',')
  })

  it('reads an Excel semicolon file (BOM, CRLF, commas inside fields) and a semicolon metadata file', async () => {
    const l = file('excel.csv', Buffer.concat([BOM, Buffer.from("Id;Genre;Action;Comedy\r\ntt0000001;\"['Action', 'Comedy']\";1;1\r\ntt0000002;['Comedy'];0;1\r\n")]))
    const m = file('movies.csv', 'Id;Title;Year\ntt0000001;Hello, Dolly!;1969\n')
    const r = await importWith(l, m)
    expect(r).toMatchObject({ added: 3, warnings: [] })
    expect(await labels()).toEqual([
      ['tt0000001', true, ['Action', 'Comedy']],
      ['tt0000002', true, ['Comedy']],
      ['tt0000003', false, []],
    ])
    const one = (await call(t.core, 'library.query', { sort: 'id' })).items[0]
    expect([one.title, one.year]).toEqual(['Hello, Dolly!', 1969])
  })

  it('reads a tab-separated file', async () => {
    const tb = await readTables(file('tabs.tsv', 'Id\tGenre\ntt0000001\tDrama|Comedy\ntt0000002\t"Horror, Thriller"\n'))
    expect(tb.labels.get('tt0000001')?.genres).toEqual(['Drama', 'Comedy'])
    expect(tb.labels.get('tt0000002')?.genres).toEqual(['Horror', 'Thriller'])
    expect(tb.warnings).toEqual([])
  })
})

describe('encodings Excel and Notepad save', () => {
  const utf16 = (text: string, be = false) => {
    const le = Buffer.from(`\uFEFF${text}`, 'utf16le')
    return be ? le.swap16() : le
  }

  it("reads UTF-16 with a BOM (Excel's Unicode Text: tabs, CRLF), little- and big-endian, labels and metadata", async () => {
    const l = file('unicode.txt', utf16('Id\tGenre\tAction\tComédie\r\ntt0000001\t"Action, Comédie"\t1\t1\r\ntt0000002\t\t0\t1\r\n'))
    const m = file('meta.csv', utf16('Id,Title,Year\r\ntt0000001,"Amélie, ""Le"" film",2001\r\n', true))
    const r = await importWith(l, m)
    expect(r).toMatchObject({ added: 3, warnings: [] })
    expect(await labels()).toEqual([
      ['tt0000001', true, ['Action', 'Comédie']],
      ['tt0000002', true, ['Comédie']],
      ['tt0000003', false, []],
    ])
    const one = (await call(t.core, 'library.query', { sort: 'id' })).items[0]
    expect([one.title, one.year]).toEqual(['Amélie, "Le" film', 2001])
    const json = await readTables(file('labels.json', utf16('[{"id": "tt0000001", "labels": [{"genre": "Comédie", "source": "user"}]}]')))
    expect(json.labels.get('tt0000001')).toEqual({ genres: ['Comédie'], sources: { comédie: 'user' } })
  })

  it('names UTF-16 without a BOM instead of calling it binary', async () => {
    const p = file('nobom.csv', Buffer.from('Id,Genre\r\ntt0000001,Drama\r\n', 'utf16le'))
    await expect(readTables(p)).rejects.toThrow(`labels file ${p} is UTF-16 without a byte order mark: save it as UTF-8, or as UTF-16 with one`)
  })

  it("reads Windows-1252 (Excel's ANSI): curly quotes, dashes and the euro sign are letters, not control characters", async () => {
    const m = file('ansi.csv', Buffer.from('Id;Title;Year\r\ntt0000001;Schindler\x92s List \x96 \x93Redux\x94 \x80 Caf\xe9;1993\r\n', 'latin1'))
    const l = file('ansi-labels.csv', Buffer.from('Id;Genre\r\ntt0000001;Com\xe9die|\x84Noir\x93\r\n', 'latin1'))
    const r = await importWith(l, m)
    expect(r.warnings).toEqual(['ansi-labels.csv: not valid UTF-8; read as Windows-1252 (Latin-1)', 'ansi.csv: not valid UTF-8; read as Windows-1252 (Latin-1)'])
    const one = (await call(t.core, 'library.query', { sort: 'id' })).items[0]
    expect([one.title, one.year, one.genres]).toEqual(['Schindler\u2019s List \u2013 \u201cRedux\u201d \u20ac Café', 1993, ['Comédie', '\u201eNoir\u201c']])
  })
})

describe('names in another case', () => {
  it('matches an upper-cased IMDb id (TT0000001) to its poster, with or without spaces around it', async () => {
    const r = await importWith(file('upper.csv', 'Id,Genre\nTT0000001,Drama\n  Tt0000002 ,Comedy\n'))
    expect(r.warnings).toEqual([])
    expect(await labels()).toEqual([
      ['tt0000001', true, ['Drama']],
      ['tt0000002', true, ['Comedy']],
      ['tt0000003', false, []],
    ])
  })

  it('labels a genre named twice in one row, in two cases, once; the same file imported again changes nothing', async () => {
    const l = file('twice.csv', 'Id,Genre\ntt0000001,"Drama|drama |DRAMA|Comedy"\n')
    const j = file('twice.json', '[{"id": "tt0000002", "labels": [{"genre": "Western", "source": "user"}, {"genre": "western", "source": "prediction"}]}]')
    const c = file('cols.csv', 'Id,Horror,horror\ntt0000003,1,1\n')
    for (const f of [l, j, c]) expect((await importWith(f)).warnings).toEqual([])
    expect(await labels()).toEqual([
      ['tt0000001', true, ['Drama', 'Comedy']],
      ['tt0000002', true, ['Western']],
      ['tt0000003', true, ['Horror']],
    ])
    const exported = await call(t.core, 'library.export', { format: 'json' })
    expect(exported.text).toContain('{"genre":"Western","source":"user"}')
    for (const f of [l, j, c]) expect(await importWith(f)).toMatchObject({ added: 0, updated: 0, unchanged: 3 })
  })
})

describe('JSON labels files', () => {
  it('reads our JSON export with a UTF-8 BOM (Notepad)', async () => {
    const l = file('labels.json', Buffer.concat([BOM, Buffer.from('[\n  {"id": "tt0000001", "genres": ["Drama"]},\n  {"id": "tt0000002", "labels": [{"genre": "Comedy", "source": "user"}]}\n]\n')]))
    const r = await importWith(l)
    expect(r.warnings).toEqual([])
    expect(await labels()).toEqual([
      ['tt0000001', true, ['Drama']],
      ['tt0000002', true, ['Comedy']],
      ['tt0000003', false, []],
    ])
  })

  it('says what shape a JSON labels file must have when it holds an object; a CSV named .json still reads', async () => {
    const obj = file('labels.json', '{"tt0000001": ["Drama"]}\n')
    await expect(startImport(t.core, { paths: [src], labels: obj })).rejects.toThrow(
      `labels file ${obj} holds one JSON object, not an array: a JSON labels file is an array of posters, each {"id": "tt0114709", "genres": ["Comedy"]} or with "labels": [{"genre": "Comedy", "source": "user"}] to keep sources, as posterity export --format json writes`,
    )
    const csv = await readTables(file('csv.json', 'Id,Genre\ntt0000001,Drama\n'))
    expect(csv.labels.get('tt0000001')?.genres).toEqual(['Drama'])
  })
})

describe('rows for posters the import does not bring', () => {
  it('names them, also those of posters already in the library, and applies none of them', async () => {
    await importWith(file('first.csv', 'Id,Genre\ntt0000001,Drama\n'))
    const other = join(t.dir, 'other')
    mkdirSync(other)
    await jpeg(join(other, 'tt0000009.jpg'), { seed: 9, width: 40, height: 60 })
    const rows = Array.from({ length: 7 }, (_, i) => `tt000001${i},Comedy`).join('\n')
    const l = file('more.csv', `Id,Genre\ntt0000009,Horror\ntt0000001,Western\ntt0000002,N/A\n${rows}\n`)
    const r = await (await startImport(t.core, { paths: [other], labels: l })).promise
    expect(r?.warnings).toEqual([
      'more.csv: 9 of its 10 poster rows name no poster of this import, so they were not applied (a labels file labels the posters imported with it): "tt0000001", "tt0000010", "tt0000011", "tt0000012", "tt0000013" and 4 more',
    ])
    expect((await labels()).slice(0, 2)).toEqual([
      ['tt0000001', true, ['Drama']],
      ['tt0000002', false, []],
    ])
    expect((await labels()).at(-1)).toEqual(['tt0000009', true, ['Horror']])
  })
})

describe('an export edited by hand', () => {
  const known = 'read as imported; a source is one of imported, user, prediction, nfo'

  it('names each source it does not know, with the line and the value, reads it as imported; a source in another case is that source', async () => {
    const l = file('edited.csv', "Id,Genre,Sources,Drama,Horror\ntt0000001,['Drama'],Drama:robot,1,0\ntt0000002,\"['Drama', 'Horror']\",Drama:User|Horror,1,1\ntt0000003,[],,0,0\n")
    const r = await importWith(l)
    expect(r.warnings).toEqual([`edited.csv: Sources not known (${known}): line 2: "Drama:robot"; line 3: "Horror"`])
    const out = (await call(t.core, 'library.export', { format: 'csv' })).text
    expect(out).toBe('Id,Genre,Sources,Drama,Horror\ntt0000001,[\'Drama\'],Drama:imported,1,0\ntt0000002,"[\'Drama\', \'Horror\']",Drama:user|Horror:imported,1,1\ntt0000003,[],,0,0\n')
  })

  it('names a JSON item whose source is unknown, whose genres are no list, or whose label has no genre', async () => {
    const j = file(
      'edited.json',
      '[{"id": "tt0000001", "labels": [{"genre": "Drama", "source": "robot"}, {"genre": "Comedy", "source": " USER "}, {"source": "user"}]},\n {"id": "tt0000002", "genres": "Drama"},\n {"id": "tt0000003", "title": "No labels field"}]',
    )
    const r = await importWith(j)
    expect(r.warnings).toEqual([
      'edited.json: labels not read: item 1 (tt0000001): a label without a genre name, left out; item 2 (tt0000002): "genres" is not a list; the poster is left unlabelled',
      `edited.json: sources not known (${known}): item 1 (tt0000001) "Drama": "robot"`,
    ])
    const items = JSON.parse((await call(t.core, 'library.export', { format: 'json' })).text) as { id: string; labelled: boolean; labels: unknown[] }[]
    expect(items.map((i) => [i.id, i.labelled, i.labels])).toEqual([
      ['tt0000001', true, [{ genre: 'Drama', source: 'imported' }, { genre: 'Comedy', source: 'user' }]],
      ['tt0000002', false, []],
      ['tt0000003', false, []],
    ])
  })
})

describe('genre names the library refuses', () => {
  const why = '"Title" is a column name in label files (Id, Genre, Sources, Title, Year…), so an export would not bring it back as a genre; choose another name'

  it('skips a refused name in Genre cells with a warning naming the file and line, and imports the rest', async () => {
    const l = file('l.csv', 'Id,Genre\ntt0000001,Title|Action\ntt0000002,Title\ntt0000003,Comedy\n')
    const r = await importWith(l)
    expect(r.added).toBe(3)
    expect(r.warnings).toEqual([`l.csv: genres skipped, the rest of each row imported; 1 poster(s) had no other genre and stay unlabelled: "Title" (line 2, and 1 more): ${why}`])
    // tt0000002 named only the refused genre: unlabelled, not "labelled, no genre".
    expect(await labels()).toEqual([
      ['tt0000001', true, ['Action']],
      ['tt0000002', false, []],
      ['tt0000003', true, ['Comedy']],
    ])
    expect(Object.keys((await call(t.core, 'library.stats')).genres)).toEqual(['Action', 'Comedy'])
  })

  it('skips a refused 0/1 column naming it, and a refused name in a JSON item naming the item', async () => {
    const l = file('cols.csv', 'Id,Action,Drama|Comedy\ntt0000001,1,1\ntt0000002,0,1\n')
    const r = await importWith(l)
    expect(r.warnings).toEqual([
      'cols.csv: genres skipped, the rest of each row imported; 1 poster(s) had no other genre and stay unlabelled: "Drama|Comedy" (column 3): a genre name cannot contain "|": label files use it between genres',
    ])
    expect(await labels()).toEqual([
      ['tt0000001', true, ['Action']],
      ['tt0000002', false, []],
      ['tt0000003', false, []],
    ])
    const tb = await readTables(file('l.json', '[{"id": "tt0000001", "genres": ["Drama", "Sources"]}]'), undefined, (g) => (g === 'Sources' ? 'no' : null))
    expect(tb.labels.get('tt0000001')?.genres).toEqual(['Drama'])
    expect(tb.warnings).toEqual(['l.json: genres skipped, the rest of each row imported: "Sources" (item 1): no'])
  })

  it('takes a name the library already has, whatever the rule for new genres says', async () => {
    t.core.db.prepare(`INSERT INTO genres (name, position) VALUES ('Title', 0)`).run() // from before the rule
    const r = await importWith(file('l.csv', 'Id,Genre\ntt0000001,title|Action\n'))
    expect(r.warnings).toEqual([])
    expect((await labels())[0]).toEqual(['tt0000001', true, ['Title', 'Action']])
  })
})

describe('a Genre list beside 0/1 columns', () => {
  it('uses the columns and warns once, with the count and the first line, when they disagree', async () => {
    const l = file(
      'train.csv',
      "Id,Genre,Action,Comedy,N/A\ntt0000001,\"['Comedy']\",1,0,0\ntt0000002,\"['Comedy']\",0,1,0\ntt0000003,[],0,1,0\ntt0000004,\"['N/A']\",0,0,1\n",
    )
    const r = await importWith(l)
    expect(r.warnings).toEqual([
      'train.csv: the Genre list and the 0/1 genre columns disagree on 2 row(s), first at line 2; the 0/1 columns were used',
      'train.csv: 1 of its 4 poster rows name no poster of this import, so they were not applied (a labels file labels the posters imported with it): "tt0000004"',
    ])
    expect(await labels()).toEqual([
      ['tt0000001', true, ['Action']],
      ['tt0000002', true, ['Comedy']],
      ['tt0000003', true, ['Comedy']],
    ])
  })

  it('an id listed as N/A on one row and with genres on another keeps the genres, and says so', async () => {
    for (const rows of [
      ['tt0000002,"[\'N/A\']"', 'tt0000002,"[\'Drama\']"'],
      ['tt0000002,"[\'Drama\']"', 'tt0000002,"[\'N/A\']"'],
    ]) {
      const tb = await readTables(file('twice.csv', `Id,Genre\ntt0000001,"['Comedy']"\n${rows.join('\n')}\n`))
      expect(tb.labels.get('tt0000002')?.genres).toEqual(['Drama'])
      expect(tb.warnings).toEqual(['twice.csv: 1 id(s) listed both as N/A (genre unknown) and with genres, first "tt0000002"; the genres were used'])
    }
  })

  it("reads our CSV export's lists (quotes escaped, commas inside names) as agreeing with its columns", async () => {
    const tb = await readTables(file('export.csv', `Id,Genre,Sources,"Rock, Roll",Sci'Fi\ntt0000001,"['Rock, Roll', 'Sci\\'Fi']","Rock, Roll:user|Sci'Fi:user",1,1\n`))
    expect(tb.labels.get('tt0000001')?.genres).toEqual(['Rock, Roll', "Sci'Fi"])
    expect(tb.warnings).toEqual([])
  })
})
