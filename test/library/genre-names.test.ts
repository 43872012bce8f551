// Every genre name the app accepts survives an export and a re-import (CSV and JSON, through
// real files); names the label files would read as something else are refused when a genre is
// created, with the reason; a genre named "__proto__" is counted like any other.
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import type { Core } from '../../src/main/core'
import { call, importInto, jpeg, labelsWithSources, open, useLibrary } from './helpers'

let src: string
const t = useLibrary({ sub: 'lib', before: (dir) => mkdirSync((src = join(dir, 'posters'))) })

const NAMES = ['__proto__', 'constructor', 'Sci-Fi, Noir', 'It\'s "quoted" inside', 'Ünïcødé 映画', 'a:b', 'toString']

const importPosters = (c: Core, labels?: string) => importInto(c, [src], labels)
const labelsOf = (c: Core) => labelsWithSources(c, true)

describe('genre names', () => {
  it('refuses, when a genre is created, names an export would not bring back, saying why', async () => {
    for (const [name, why] of [
      ['Title', /column name in label files/],
      ['year', /column name in label files/],
      ['Genre', /column name in label files/],
      ['Id', /column name in label files/],
      ['Sources', /column name in label files/],
      ["'Quoted'", /begin or end with a quote/],
      ['Drama"', /begin or end with a quote/],
      ['Drama|Comedy', /cannot contain "\|"/],
    ] as const) {
      await expect(call(t.core, 'genres.add', { name })).rejects.toThrow(why)
      await expect(call(t.core, 'labels.edit', { ids: ['tt1'], add: [name] })).rejects.toThrow(why)
    }
    await call(t.core, 'genres.add', { name: 'Drama' })
    await expect(call(t.core, 'genres.rename', { name: 'Drama', to: 'Title' })).rejects.toThrow(/column name in label files/)
    expect((await call(t.core, 'genres.list', {})).genres.map((g: { name: string }) => g.name)).toEqual(['Drama'])
  })

  for (const format of ['csv', 'json'] as const) {
    it(`carries every accepted name through a ${format} export and an import into a new library`, async () => {
      for (let i = 1; i <= 4; i++) await jpeg(join(src, `tt000000${i}.jpg`), { seed: i, width: 40, height: 60 })
      await importPosters(t.core)
      for (const name of NAMES) await call(t.core, 'genres.add', { name })
      await call(t.core, 'labels.edit', { ids: ['tt0000001', 'tt0000002'], add: ['__proto__', 'Sci-Fi, Noir'] })
      await call(t.core, 'labels.edit', { ids: ['tt0000002', 'tt0000003'], add: ['It\'s "quoted" inside', 'Ünïcødé 映画', 'a:b', 'constructor'] })
      await call(t.core, 'labels.edit', { ids: ['tt0000003'], add: ['toString'] })
      // Sources other than 'user' too.
      const proto = t.core.db.prepare(`SELECT id FROM genres WHERE name = '__proto__'`).pluck().get()
      t.core.db.prepare(`UPDATE labels SET source = 'prediction' WHERE poster_id = 'tt0000001' AND genre_id = ?`).run(proto)

      const stats = await call(t.core, 'library.stats', {})
      expect(Object.keys(stats.genres).sort()).toEqual([...NAMES].sort())
      expect(stats.genres['__proto__']).toBe(2)
      const want = await labelsOf(t.core)
      expect(want[0]).toEqual(['tt0000001', true, ['Sci-Fi, Noir:user', '__proto__:prediction']])

      const file = join(t.dir, `export.${format}`)
      writeFileSync(file, (await call(t.core, 'library.export', { format })).text)
      const other = open(join(t.dir, 'lib2'))
      try {
        const r = await importPosters(other, file)
        expect(r.warnings).toEqual([])
        expect(await labelsOf(other)).toEqual(want)
        const again = await call(other, 'library.stats', {})
        expect(again.genres).toEqual(stats.genres)
        expect(Object.keys(again.genres)).toContain('__proto__')
      } finally {
        await other.close()
      }
    })
  }
})
