// NFOs as real collections hold them, through scan, dry run, write-back and undo: encodings
// and their declarations, a BOM, CRLF, entities, CDATA and comments kept byte for byte; Kodi's
// scraper links without XML (with or without `https://`, among text); a release's text file;
// genre elements that list several; UTF-16 written back as UTF-16; an NFO that is a folder
// refused, nothing lost.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Core } from '../../src/main/core'
import type { Film, ScanSummary, WriteResult } from '../../src/shared/api'
import { call, tempDir } from '../library/helpers'
import { fixtureFilms, posterJpeg, openTrained, closeAll, snapshotFiles, stipulate, writeCollection } from './fixture'

const t = tempDir('posterity-messy-nfos-')
const root = join(t.dir, 'Movies')
let core: Core

const declared = (encoding: string, title: string) =>
  `<?xml version="1.0" encoding="${encoding}"?>\r\n<!-- hand-edited -->\r\n<movie>\r\n  <title>${title}</title>\r\n  <plot><![CDATA[Love & <war>]]></plot>\r\n  <genre>Drama</genre>\r\n</movie>\r\n`
const utf16 = (s: string) => Buffer.from(`\ufeff${s}`, 'utf16le')

/** The NFO of each film (its folder `<name> (2001)`, its video `<name>.mkv`). */
const nfos: Record<string, Buffer | null> = {
  Bom: Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(declared('UTF-8', 'Amélie &amp; Nino &#233;'))]),
  Latin: Buffer.from(declared('ISO-8859-1', 'Les Misérables'), 'latin1'),
  Cp: Buffer.from(declared('windows-1252', 'Caf\u00e9 \x93Noir\x94 \x96 1'), 'latin1'),
  Link: Buffer.from('www.imdb.com/title/tt0133093/\n'),
  LinkText: Buffer.from('The Matrix\r\nhttps://www.themoviedb.org/movie/603-the-matrix\r\n'),
  Release: Buffer.from('  RELEASE INFO\r\n  Source ....: BluRay\r\n'),
  Lists: Buffer.from('<movie>\n  <title>Lists</title>\n  <genre>Action / Adventure</genre>\n  <genre>Drama, Romance</genre>\n</movie>\n'),
  Already: Buffer.from('<movie>\n  <title>Already</title>\n  <genre>Red / Green</genre>\n</movie>\n'),
  Wide: utf16(declared('UTF-16', 'Wide')),
  Folder: null,
}

type Write = { writeId: number | null; results: WriteResult[] }
const rule = { minProbability: 0.5, maxGenres: 2, mode: 'merge' as const }
const nfoOf = (name: string) => join(root, `${name} (2001)`, `${name}.nfo`)

beforeAll(async () => {
  await writeCollection(root, fixtureFilms(12))
  for (const [i, [name, bytes]] of Object.entries(nfos).entries()) {
    const dir = join(root, `${name} (2001)`)
    mkdirSync(dir, { recursive: true })
    writeFileSync(join(dir, `${name}.mkv`), 'x')
    await posterJpeg(join(dir, 'poster.jpg'), 'Red', 60 + i)
    if (bytes) writeFileSync(nfoOf(name), bytes)
    else mkdirSync(nfoOf(name))
  }
  core = await openTrained(join(t.dir, 'lib'), root)
  // Every poster is stipulated Red: each film's proposal is Red alone.
  stipulate(core, () => 'Red')
})

afterAll(() => closeAll(core, t))

describe('messy NFOs', () => {
  it('reads genre lists as genres, leaves scraper links and text files alone, and says why for each file it cannot write', async () => {
    const scan = await call<ScanSummary>(core, 'collection.scan', { root })
    const films = (await call<{ films: Film[] }>(core, 'collection.films', { root })).films
    const film = (name: string) => films.find((f) => f.key.startsWith(`${name} (`))!
    expect(film('Lists').nfoGenres).toEqual(['Action', 'Adventure', 'Drama', 'Romance'])
    expect(film('Cp')).toMatchObject({ title: 'Café “Noir” – 1', nfoGenres: ['Drama'] })
    // Links without XML are Kodi's URL-only NFOs: no problem to report, nothing to write.
    const reasons = new Map(scan.problems.map((p) => [p.path, p.reason]))
    expect(reasons.has(nfoOf('Link'))).toBe(false)
    expect(reasons.has(nfoOf('LinkText'))).toBe(false)
    expect(reasons.get(nfoOf('Release'))).toMatch(/no XML in it/)

    const dry = await call<Write>(core, 'collection.write', { root, scope: 'all', dryRun: true, rule })
    const status = (r: Write, name: string) => r.results.find((x) => x.key.startsWith(`${name} (`))!
    expect(status(dry, 'Link')).toMatchObject({ status: 'skipped', reason: expect.stringMatching(/URL-only/) })
    expect(status(dry, 'LinkText')).toMatchObject({ status: 'skipped', reason: expect.stringMatching(/URL-only/) })
    expect(status(dry, 'Release')).toMatchObject({ status: 'failed', reason: expect.stringMatching(/no XML in it.*left as it is/) })
    expect(status(dry, 'Wide')).toMatchObject({ status: 'written', genres: ['Drama', 'Red'] })
    expect(status(dry, 'Folder')).toMatchObject({ status: 'failed', reason: expect.stringMatching(/^a folder named like an NFO, not a file/) })
    // Merge: "Red / Green" already holds Red, nothing to write; the lists become one genre an element.
    expect(status(dry, 'Already').status).toBe('unchanged')
    expect(status(dry, 'Lists')).toMatchObject({ status: 'written', genres: ['Action', 'Adventure', 'Drama', 'Romance', 'Red'] })

    const before = snapshotFiles(root)
    const w = await call<Write>(core, 'collection.write', { root, scope: 'all', rule })
    // Each encoding, declaration, BOM, CRLF, entity, CDATA and comment kept: only the genre line is new.
    const added = (b: Buffer, line: string) => {
      const at = b.indexOf('  <genre>Drama</genre>\r\n') + '  <genre>Drama</genre>\r\n'.length
      return Buffer.concat([b.subarray(0, at), Buffer.from(line, 'latin1'), b.subarray(at)])
    }
    for (const name of ['Bom', 'Latin', 'Cp']) expect(readFileSync(nfoOf(name)).equals(added(nfos[name]!, '  <genre>Red</genre>\r\n')), name).toBe(true)
    expect(readFileSync(nfoOf('Wide')).equals(utf16(declared('UTF-16', 'Wide').replace('</genre>\r\n', '</genre>\r\n  <genre>Red</genre>\r\n')))).toBe(true)
    expect(readFileSync(nfoOf('Lists'), 'utf8')).toBe(
      '<movie>\n  <title>Lists</title>\n  <genre>Action</genre>\n  <genre>Adventure</genre>\n  <genre>Drama</genre>\n  <genre>Romance</genre>\n  <genre>Red</genre>\n</movie>\n',
    )
    for (const name of ['Link', 'LinkText', 'Release', 'Already']) expect(readFileSync(nfoOf(name)).equals(nfos[name]!), name).toBe(true)

    await call(core, 'collection.undo', { writeId: w.writeId })
    expect(snapshotFiles(root)).toEqual(before)
  })
})
