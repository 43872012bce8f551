// Integration: a 200-poster sample of the real shared set (with its three byte-identical pairs
// and N/A posters), labels and metadata. Skipped, with a note, where ../shared is absent.
import { existsSync, mkdirSync, readdirSync, symlinkSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { startImport } from '../../src/main/importer/handlers'
import { call, open, tempDir } from '../library/helpers'

const dataset = process.env.POSTERITY_DATASET ?? resolve(__dirname, '../../../shared/datasets/movie-posters')
const present = existsSync(join(dataset, 'posters')) && existsSync(join(dataset, 'train.csv'))
if (!present) console.log(`note: shared dataset not found at ${dataset}; skipping the real-poster import test`)

const DUP_PAIRS = [
  ['tt0372763', 'tt0436070'],
  ['tt0402577', 'tt0420286'],
  ['tt2072230', 'tt4294052'],
]
const NA = ['tt0116748', 'tt0289456', 'tt0282965', 'tt0322650', 'tt0402398', 'tt0468580', 'tt2546300', 'tt2546294', 'tt3521442', 'tt4505170', 'tt4836406']

describe('the shared movie-posters set', () => {
  const t = tempDir()
  afterAll(() => t.cleanup())

  it.skipIf(!present)('imports a 200-poster sample with labels and metadata; duplicates flagged, N/A is genre unknown (unlabelled)', async () => {
    const special = [...DUP_PAIRS.flat(), ...NA]
    const rest = readdirSync(join(dataset, 'posters'))
      .filter((f) => f.endsWith('.jpg') && !special.includes(f.slice(0, -4)))
      .sort()
      .filter((_, i) => i % 40 === 0)
      .slice(0, 200 - special.length)
    const src = join(t.dir, 'posters')
    mkdirSync(src)
    for (const f of [...special.map((id) => `${id}.jpg`), ...rest]) symlinkSync(join(dataset, 'posters', f), join(src, f))
    const core = open(join(t.dir, 'lib'))
    try {
      const { promise } = await startImport(core, { paths: [src], labels: join(dataset, 'train.csv'), metadata: join(dataset, 'movies.csv') })
      const r = await promise
      expect(r).toMatchObject({ added: 200, skipped: [], duplicates: 6 })
      // The other 7,852 rows of train.csv name posters this sample leaves out.
      expect(r?.warnings).toEqual([expect.stringMatching(/^train\.csv: 7852 of its 8052 poster rows name no poster of this import, so they were not applied/)])
      const stats = await call(core, 'library.stats')
      expect(stats).toMatchObject({ posters: 200, labelled: 200 - NA.length, duplicates: 6 })
      expect(Object.keys(stats.genres)).not.toContain('N/A')
      for (const [a, b] of DUP_PAIRS) expect((await call(core, 'library.get', { id: a })).duplicates).toEqual([b])
      for (const id of NA) expect(await call(core, 'library.get', { id })).toMatchObject({ labelled: false, genres: [] })
      const saturn = await call(core, 'library.get', { id: rest.includes('tt0079285.jpg') ? 'tt0079285' : rest[0].slice(0, -4) })
      expect(saturn.title).toBeTruthy()
      expect(saturn.year).toBeGreaterThan(1900)
      expect((await call(core, 'genres.list')).genres.length).toBeGreaterThan(10)
    } finally {
      await core.close()
    }
  })
})
