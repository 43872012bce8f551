// Layouts real collections grow: names written by macOS (decomposed) beside names written
// elsewhere, parts with a release tag after the number, a disc folder with Jellyfin's
// `<folder>.nfo`, NAS recycle bins and snapshots, samples named anywhere, a TV show among
// the films, and years inside titles.
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { scanCollection, titleFromName } from '../../src/main/collection/scan'
import { useFolder } from './folders'

const folder = useFolder('posterity-messy-')
const touch = folder.touch

async function scan() {
  const r = await scanCollection(folder.dir)
  const rel = (p: string | null) => (p === null ? null : p.slice(folder.dir.length + 1))
  return { ...r, keys: r.films.map((f) => f.key), by: new Map(r.films.map((f) => [f.key, { ...f, nfo: rel(f.nfo), poster: rel(f.poster), otherNfos: f.otherNfos.map(rel) }])) }
}

const nfd = (s: string) => s.normalize('NFD')
const nfc = (s: string) => s.normalize('NFC')

describe('messy collection layouts', () => {
  it('matches names however their accents are encoded: one film, its NFO and poster found, no second NFO created', async () => {
    // The folder and NFO renamed on a Mac (decomposed), the video copied from Linux (composed).
    touch(nfd('Amélie (2001)'), `${nfc('Amélie (2001)')}.mkv`)
    touch(nfd('Amélie (2001)'), `${nfd('Amélie (2001)')}.nfo`)
    touch(nfd('Amélie (2001)'), `${nfc('Amélie (2001)')} - 4K.mkv`)
    touch('Léon (1994)', `${nfc('Léon (1994)')}.mkv`)
    touch('Léon (1994)', `${nfd('Léon (1994)')}-poster.jpg`)
    const { keys, by } = await scan()
    expect(keys).toEqual([`${nfd('Amélie (2001)')}/${nfc('Amélie (2001)')} - 4K.mkv`, `Léon (1994)/${nfc('Léon (1994)')}.mkv`])
    const amelie = by.get(keys[0])!
    // The NFO on disk, under its own (decomposed) name: a write-back updates it instead of creating a twin.
    expect(amelie).toMatchObject({ nfo: `${nfd('Amélie (2001)')}/${nfd('Amélie (2001)')}.nfo`, nfoExists: true, title: nfc('Amélie'), year: 2001 })
    expect(by.get(keys[1])).toMatchObject({ poster: `Léon (1994)/${nfd('Léon (1994)')}-poster.jpg` })
  })

  it('stacks parts with a release tag after the number or a letter, when the parts agree', async () => {
    touch('Kill Bill (2003)', 'Kill.Bill.2003.cd1.x264.mkv')
    touch('Kill Bill (2003)', 'Kill.Bill.2003.cd2.x264.mkv')
    touch('Kill Bill (2003)', 'Kill.Bill.2003.x264.nfo') // Kodi's name for the stack: the parts' name without the part
    touch('Brazil (1985)', 'Brazil (1985)-cda.avi')
    touch('Brazil (1985)', 'Brazil (1985)-cdb.avi')
    // A lone "Part 2" is a title, not a part: its name stays whole.
    touch('flat', 'Dune Part 2 (2024).mkv')
    touch('flat', 'Dune (2021).mkv')
    const { keys, by } = await scan()
    expect(keys).toEqual(['Brazil (1985)/Brazil (1985)-cda.avi', 'Kill Bill (2003)/Kill.Bill.2003.cd1.x264.mkv', 'flat/Dune (2021).mkv', 'flat/Dune Part 2 (2024).mkv'])
    expect(by.get('Kill Bill (2003)/Kill.Bill.2003.cd1.x264.mkv')).toMatchObject({ nfo: join('Kill Bill (2003)', 'Kill.Bill.2003.x264.nfo'), nfoExists: true })
    expect(by.get('flat/Dune Part 2 (2024).mkv')).toMatchObject({ title: 'Dune Part 2', year: 2024 })
  })

  it("reads a disc film's Jellyfin-named <folder>.nfo as its NFO, not as a film of its own", async () => {
    touch('Brazil (1985)', 'VIDEO_TS', 'VTS_01_1.VOB')
    touch('Brazil (1985)', 'Brazil (1985).nfo')
    touch('Brazil (1985)', 'poster.jpg')
    touch('Tron (1982)', 'BDMV', 'index.bdmv')
    touch('Tron (1982)', 'Tron (1982).nfo')
    touch('Tron (1982)', 'movie.nfo')
    const { keys, by } = await scan()
    expect(keys).toEqual(['Brazil (1985)/VIDEO_TS', 'Tron (1982)/BDMV'])
    expect(by.get('Brazil (1985)/VIDEO_TS')).toMatchObject({ nfo: join('Brazil (1985)', 'Brazil (1985).nfo'), nfoExists: true, otherNfos: [] })
    expect(by.get('Tron (1982)/BDMV')).toMatchObject({ nfo: join('Tron (1982)', 'movie.nfo'), otherNfos: [join('Tron (1982)', 'Tron (1982).nfo')] })
  })

  it('never walks recycle bins, snapshots and system folders; samples anywhere in a name are no films', async () => {
    touch('Heat (1995)', 'Heat (1995).mkv')
    touch('Heat (1995)', 'poster.jpg')
    touch('Heat (1995)', 'sample-heat.mkv')
    touch('Heat (1995)', 'Heat.1995.sample.x264.mkv')
    for (const d of ['$RECYCLE.BIN', 'RECYCLER', 'System Volume Information', 'lost+found', '@Recycle', '@Recently-Snapshot', '#snapshot', '#recycle', '@eaDir'])
      touch(d, 'Old (2000)', 'Old (2000).mkv')
    touch('Heat (1995)', '@eaDir', 'Heat (1995).mkv@SynoEAStream')
    touch('Heat (1995)', '._Heat (1995).nfo')
    const { keys, by, problems } = await scan()
    expect(problems).toEqual([])
    expect(keys).toEqual(['Heat (1995)/Heat (1995).mkv'])
    // The stray sample no longer takes the folder's poster from the film.
    expect(by.get(keys[0])).toMatchObject({ poster: join('Heat (1995)', 'poster.jpg'), nfoExists: false })
  })

  it('says that a TV show folder inside the collection is skipped', async () => {
    touch('Heat (1995)', 'Heat.mkv')
    touch('Breaking Bad', 'tvshow.nfo')
    touch('Breaking Bad', 'Season 01', 'Breaking Bad S01E01.mkv')
    const { keys, problems } = await scan()
    expect(keys).toEqual(['Heat (1995)/Heat.mkv'])
    expect(problems).toEqual([{ path: join(folder.dir, 'Breaking Bad'), reason: expect.stringMatching(/TV show \(tvshow\.nfo\).*not scanned/) }])
  })

  it('takes the last year of a dotted name, so a year in the title stays in the title', () => {
    expect(titleFromName('Blade.Runner.2049.2017.2160p')).toEqual({ title: 'Blade Runner 2049', year: 2017 })
    expect(titleFromName('2001.A.Space.Odyssey.1968.1080p')).toEqual({ title: '2001 A Space Odyssey', year: 1968 })
    expect(titleFromName('1917.2019')).toEqual({ title: '1917', year: 2019 })
    expect(titleFromName('Blade Runner 2049 (2017)')).toEqual({ title: 'Blade Runner 2049', year: 2017 })
  })
})
