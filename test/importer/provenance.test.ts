// Label provenance through export and re-import, re-imports that update the posters their
// files made, and titles read from file names: real library files, sharp-made JPEGs.
import { mkdirSync, renameSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import type { Core } from '../../src/main/core'
import { titleFromName } from '../../src/main/importer/naming'
import { call, importInto, jpeg, labelsWithSources, open, useLibrary } from '../library/helpers'

let src: string
const t = useLibrary({ sub: 'lib', before: (dir) => mkdirSync((src = join(dir, 'posters'))) })

const labelsOf = (c: Core) => labelsWithSources(c)

describe('provenance through export and re-import', () => {
  for (const format of ['csv', 'json'] as const) {
    it(`keeps every label's source through a ${format} export and an import into a new library`, async () => {
      for (let i = 1; i <= 5; i++) await jpeg(join(src, `tt000000${i}.jpg`), { seed: i })
      const labels = join(t.dir, 'train.csv')
      writeFileSync(labels, 'Id,Genre,Drama,Comedy\ntt0000001,x,1,0\ntt0000002,x,1,1\ntt0000003,x,0,1\n')
      await importInto(t.core, [src], labels)
      await call(t.core, 'labels.edit', { ids: ['tt0000002'], add: ['Horror'] }) // user
      await call(t.core, 'labels.edit', { ids: ['tt0000004'], labelled: true }) // labelled, no genre
      const comedy = t.core.db.prepare(`SELECT id FROM genres WHERE name = 'Comedy'`).pluck().get()
      t.core.db.prepare(`INSERT INTO labels (poster_id, genre_id, source) VALUES ('tt0000001', ?, 'prediction')`).run(comedy)
      const drama = t.core.db.prepare(`SELECT id FROM genres WHERE name = 'Drama'`).pluck().get()
      t.core.db.prepare(`UPDATE labels SET source = 'nfo' WHERE poster_id = 'tt0000003' AND genre_id = ?`).run(drama)
      t.core.db.prepare(`INSERT OR REPLACE INTO labels (poster_id, genre_id, source) VALUES ('tt0000003', ?, 'nfo')`).run(drama)
      const want = await labelsOf(t.core)
      expect(want).toEqual([
        ['tt0000001', true, ['Drama:imported', 'Comedy:prediction']],
        ['tt0000002', true, ['Drama:imported', 'Comedy:imported', 'Horror:user']],
        ['tt0000003', true, ['Drama:nfo', 'Comedy:imported']],
        ['tt0000004', true, []],
        ['tt0000005', false, []],
      ])
      const exp = await call(t.core, 'library.export', { format })
      expect(exp).toMatchObject({ format, filename: `lib-labels.${format}`, posters: format === 'csv' ? 4 : 5 })
      // In parts (what `posterity export` writes): joined, the parts are the same text, whatever the part size.
      for (const limit of [1, 2, 4, 5, 6]) {
        let text = ''
        let posters = 0
        let parts = 0
        let after: string | undefined
        do {
          const part = await call(t.core, 'library.exportPart', { format, after, limit })
          text += part.text
          posters += part.posters
          parts++
          after = part.next ?? undefined
        } while (after !== undefined)
        expect(text, `limit ${limit}`).toBe(exp.text)
        expect(posters).toBe(exp.posters)
        expect(parts).toBe(Math.max(1, Math.ceil(5 / limit)))
      }
      const file = join(t.dir, `export.${format}`)
      writeFileSync(file, exp.text)
      const other = open(join(t.dir, 'lib2'))
      try {
        const r = await importInto(other, [src], file)
        expect(r).toMatchObject({ added: 5, warnings: [] })
        expect(await labelsOf(other)).toEqual(want)
        // Re-importing the same export again changes nothing.
        expect(await importInto(other, [src], file)).toMatchObject({ added: 0, updated: 0, unchanged: 5 })
        // A plain labels file later: a person's labels (source "user", come back through the
        // export) stay; imported labels and the model's accepted genres give way.
        const plain = join(t.dir, `plain-${format}.csv`)
        writeFileSync(plain, 'Id,Genre,Drama,Comedy,Western\ntt0000001,x,0,0,1\ntt0000002,x,0,0,1\n')
        await importInto(other, [src], plain)
        const now = await labelsOf(other)
        expect(now.find((r) => r[0] === 'tt0000002')).toEqual(want.find((r) => r[0] === 'tt0000002'))
        expect(now.find((r) => r[0] === 'tt0000001')).toEqual(['tt0000001', true, ['Western:imported']])
      } finally {
        await other.close()
      }
    })
  }
})

describe('re-import', () => {
  it('turns posters an older import marked "no genre" for N/A back to unlabelled; a person\'s mark stays', async () => {
    await jpeg(join(src, 'tt0000001.jpg'), { seed: 1 })
    await jpeg(join(src, 'tt0000002.jpg'), { seed: 2 })
    // What older versions wrote for N/A rows: labelled, no genre.
    await importInto(t.core, [src], (writeFileSync(join(t.dir, 'old.csv'), 'Id,Genre,Drama\ntt0000001,[],0\ntt0000002,[],0\n'), join(t.dir, 'old.csv')))
    // A person looks at tt0000002 and decides: no genre.
    await call(t.core, 'labels.edit', { ids: ['tt0000002'], add: ['Drama'] })
    await call(t.core, 'labels.edit', { ids: ['tt0000002'], remove: ['Drama'] })
    const na = join(t.dir, 'na.csv')
    writeFileSync(na, "Id,Genre,Drama,N/A\ntt0000001,['N/A'],0,1\ntt0000002,['N/A'],0,1\n")
    expect(await importInto(t.core, [src], na)).toMatchObject({ updated: 1, unchanged: 1 })
    expect(await call(t.core, 'library.get', { id: 'tt0000001' })).toMatchObject({ labelled: false })
    expect(await call(t.core, 'library.get', { id: 'tt0000002' })).toMatchObject({ labelled: true })
    expect(await importInto(t.core, [src], na)).toMatchObject({ updated: 0, unchanged: 2 })
  })

  it('updates the posters its files already made (same path, or same bytes after a move) instead of adding copies', async () => {
    await jpeg(join(src, 'poster-one.jpg'), { seed: 1 })
    await jpeg(join(src, 'poster-two.jpg'), { seed: 2 })
    const first = await importInto(t.core, [src])
    expect(first.added).toBe(2)
    const before = (await call(t.core, 'library.ids', { sort: 'id' })).ids as string[]
    expect(before.every((id) => /^f-/.test(id))).toBe(true)
    // The same files again, now with a labels file naming them: updated, not added.
    const labels = join(t.dir, 'l.csv')
    writeFileSync(labels, 'Id,Genre,Drama,Comedy\nposter-one,x,1,0\nposter-two,x,0,1\n')
    const again = await importInto(t.core, [src], labels)
    expect(again).toMatchObject({ added: 0, updated: 2 })
    expect((await call(t.core, 'library.ids', { sort: 'id' })).ids).toEqual(before)
    expect((await call(t.core, 'library.stats')).genres).toEqual({ Drama: 1, Comedy: 1 })
    // Moved to another folder: the bytes match the poster the old path made.
    const moved = join(t.dir, 'moved')
    mkdirSync(moved)
    renameSync(join(src, 'poster-one.jpg'), join(moved, 'poster-one.jpg'))
    const third = await importInto(t.core, [moved])
    expect(third).toMatchObject({ added: 0, updated: 1 })
    expect((await call(t.core, 'library.stats')).posters).toBe(2)
    const paths = t.core.db.prepare('SELECT path FROM posters ORDER BY path').pluck().all()
    expect(paths).toContain(join(moved, 'poster-one.jpg'))
  })

  it('keeps byte-identical posters with their own ids apart (the dataset has such pairs)', async () => {
    await jpeg(join(src, 'tt0000001.jpg'), { seed: 7 })
    await jpeg(join(src, 'tt0000002.jpg'), { seed: 7 })
    expect(await importInto(t.core, [src])).toMatchObject({ added: 2, duplicates: 2 })
    expect(await importInto(t.core, [src])).toMatchObject({ added: 0, unchanged: 2 })
  })

  it('reads titles and years from file names', async () => {
    expect(titleFromName('Blade Runner 2049 (2017)')).toEqual({ title: 'Blade Runner 2049', year: 2017 })
    expect(titleFromName('2001 A Space Odyssey (1968)')).toEqual({ title: '2001 A Space Odyssey', year: 1968 })
    expect(titleFromName('copy-tt0101902')).toEqual({ title: 'copy-tt0101902', year: null })
    expect(titleFromName('The.Matrix.1999.1080p.BluRay')).toEqual({ title: 'The Matrix', year: 1999 })
    expect(titleFromName('Heat [1995]')).toEqual({ title: 'Heat', year: 1995 })
    expect(titleFromName('Blade Runner 2049')).toEqual({ title: 'Blade Runner 2049', year: null })
    expect(titleFromName('1917 (2019)')).toEqual({ title: '1917', year: 2019 })
    expect(titleFromName('2012')).toEqual({ title: '2012', year: null })
    await jpeg(join(src, 'Blade Runner 2049 (2017).jpg'), { seed: 3 })
    await jpeg(join(src, 'copy-tt0101902.jpg'), { seed: 4 })
    await importInto(t.core, [src])
    const items = (await call(t.core, 'library.query', { sort: 'title' })).items.map((p: { title: string; year: number | null }) => [p.title, p.year])
    expect(items).toEqual([
      ['Blade Runner 2049', 2017],
      ['copy-tt0101902', null],
    ])
  })

  it('labels files named by title or by a bare number, and their export imports back into a new library', async () => {
    await jpeg(join(src, 'Blade Runner 2049 (2017).jpg'), { seed: 3 })
    await jpeg(join(src, 'copy-tt0101902.jpg'), { seed: 4 })
    await jpeg(join(src, '1917.jpg'), { seed: 5 })
    const labels = join(t.dir, 'by-name.csv')
    writeFileSync(labels, ['Id,Genre,Drama,Sci-Fi,War', `Blade Runner 2049 (2017),"['Sci-Fi']",0,1,0`, `1917,"['Drama', 'War']",1,0,1`].join('\n') + '\n')
    const r = await importInto(t.core, [src], labels)
    expect(r).toMatchObject({ added: 3, warnings: [] })
    const byTitle = async (c: Core) =>
      Object.fromEntries(((await call(c, 'library.query', { sort: 'title' })).items as { title: string; genres: string[] }[]).map((p) => [p.title, p.genres]))
    expect(await byTitle(t.core)).toEqual({ 'Blade Runner 2049': ['Sci-Fi'], 'copy-tt0101902': [], '1917': ['Drama', 'War'] })
    // A JSON labels file names them the same ways (a bare number also as a JSON number).
    const json = join(t.dir, 'by-name.json')
    writeFileSync(json, JSON.stringify([{ id: 'Blade Runner 2049 (2017)', genres: ['Sci-Fi'] }, { id: 1917, genres: ['Drama', 'War'] }]))
    const viaJson = open(join(t.dir, 'by-name-json'))
    try {
      expect(await importInto(viaJson, [src], json)).toMatchObject({ added: 3, warnings: [] })
      expect(await byTitle(viaJson)).toEqual(await byTitle(t.core))
    } finally {
      await viaJson.close()
    }
    await call(t.core, 'labels.edit', { ids: [(await call(t.core, 'library.query', { search: 'copy' })).items[0].id], add: ['Drama'] })
    for (const format of ['csv', 'json'] as const) {
      const file = join(t.dir, `names.${format}`)
      writeFileSync(file, (await call(t.core, 'library.export', { format })).text)
      const other = open(join(t.dir, `names-${format}`))
      try {
        expect(await importInto(other, [src], file)).toMatchObject({ added: 3, warnings: [] })
        expect(await byTitle(other)).toEqual(await byTitle(t.core))
      } finally {
        await other.close()
      }
    }
  })
})
