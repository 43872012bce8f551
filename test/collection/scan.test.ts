// Collection layouts on real folders: a folder a film (nested too), flat folders, every
// poster name media servers use, films without a poster or an NFO; and what is no film
// (TV shows, extras), versions, disc folders, linked folders.
import { mkdirSync, symlinkSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { scanCollection, titleFromName } from '../../src/main/collection/scan'
import { useFolder } from './folders'

const folder = useFolder('posterity-scan-')
const touch = folder.touch

/** A link at `at` (under the temp dir) to `target` (absolute, or relative to the link). */
function link(target: string, ...at: string[]): void {
  const p = join(folder.dir, ...at)
  mkdirSync(join(p, '..'), { recursive: true })
  symlinkSync(target, p)
}

/** The films of a scan by key, and the paths of one film relative to the temp dir. */
async function scan(...parts: string[]) {
  const r = await scanCollection(join(folder.dir, ...parts))
  const rel = (p: string | null) => (p === null ? null : p.slice(folder.dir.length + 1).split('\\').join('/'))
  const by = new Map(r.films.map((f) => [f.key, { ...f, folder: rel(f.folder), nfo: rel(f.nfo), poster: rel(f.poster) }]))
  return { ...r, keys: [...by.keys()], by }
}

describe('collection layouts', () => {
  it('finds a film a folder, nested in letter and genre folders, with each poster name', async () => {
    touch('A', 'Alien (1979)', 'Alien (1979).mkv')
    touch('A', 'Alien (1979)', 'movie.nfo')
    touch('A', 'Alien (1979)', 'poster.jpg')
    touch('Drama', 'Heat (1995)', 'heat.1995.1080p.mp4')
    touch('Drama', 'Heat (1995)', 'heat.1995.1080p.nfo')
    touch('Drama', 'Heat (1995)', 'folder.png')
    touch('Up (2009)', 'Up.avi')
    touch('Up (2009)', 'cover.jpg')
    touch('Up (2009)', 'fanart.jpg') // not a poster
    touch('Her (2013)', 'Her.mkv')
    touch('Her (2013)', 'Her-poster.jpg')
    touch('Her (2013)', 'Her-trailer.mkv') // not a film
    touch('Nope (2022)', 'Nope.m4v') // no poster, no NFO: listed anyway
    const { films, problems } = await scanCollection(folder.dir)
    expect(problems).toEqual([])
    const by = new Map(films.map((f) => [f.key, f]))
    expect([...by.keys()]).toEqual(['A/Alien (1979)/Alien (1979).mkv', 'Drama/Heat (1995)/heat.1995.1080p.mp4', 'Her (2013)/Her.mkv', 'Nope (2022)/Nope.m4v', 'Up (2009)/Up.avi'])
    expect(by.get('A/Alien (1979)/Alien (1979).mkv')).toMatchObject({ nfo: join(folder.dir, 'A/Alien (1979)/movie.nfo'), nfoExists: true, poster: join(folder.dir, 'A/Alien (1979)/poster.jpg'), title: 'Alien', year: 1979 })
    expect(by.get('Drama/Heat (1995)/heat.1995.1080p.mp4')).toMatchObject({ nfo: join(folder.dir, 'Drama/Heat (1995)/heat.1995.1080p.nfo'), nfoExists: true, poster: join(folder.dir, 'Drama/Heat (1995)/folder.png'), title: 'Heat', year: 1995 })
    expect(by.get('Up (2009)/Up.avi')).toMatchObject({ poster: join(folder.dir, 'Up (2009)/cover.jpg'), nfoExists: false, nfo: join(folder.dir, 'Up (2009)/Up.nfo') })
    expect(by.get('Her (2013)/Her.mkv')?.poster).toBe(join(folder.dir, 'Her (2013)/Her-poster.jpg'))
    expect(by.get('Nope (2022)/Nope.m4v')).toMatchObject({ poster: null, nfoExists: false, title: 'Nope', year: 2022 })
  })

  it('reads a flat folder: each video with its own -poster and .nfo, no folder-wide art', async () => {
    touch('flat', 'Heat (1995).mkv')
    touch('flat', 'Heat (1995).nfo')
    touch('flat', 'Heat (1995)-poster.jpg')
    touch('flat', 'Alien (1979).mp4')
    touch('flat', 'Alien (1979)-poster.png')
    touch('flat', 'Up (2009).avi')
    touch('flat', 'poster.jpg') // belongs to no film when several share the folder
    const { films } = await scanCollection(join(folder.dir, 'flat'))
    expect(films.map((f) => [f.key, f.poster && f.poster.slice(folder.dir.length + 6), f.nfoExists])).toEqual([
      ['Alien (1979).mp4', 'Alien (1979)-poster.png', false],
      ['Heat (1995).mkv', 'Heat (1995)-poster.jpg', true],
      ['Up (2009).avi', null, false],
    ])
  })

  it('stacks multi-part films, lists NFO-only films, skips disc structures and hidden folders', async () => {
    touch('Kill Bill (2003)', 'Kill Bill-cd1.avi')
    touch('Kill Bill (2003)', 'Kill Bill-cd2.avi')
    touch('Kill Bill (2003)', 'Kill Bill-poster.jpg')
    touch('Brazil (1985)', 'movie.nfo')
    touch('Brazil (1985)', 'poster.jpg')
    touch('Brazil (1985)', 'VIDEO_TS', 'VTS_01_1.VOB')
    touch('.trash', 'Old (2000)', 'Old.mkv')
    const { films } = await scanCollection(folder.dir)
    expect(films.map((f) => f.key)).toEqual(['Brazil (1985)/VIDEO_TS', 'Kill Bill (2003)/Kill Bill-cd1.avi'])
    expect(films[0]).toMatchObject({ video: null, nfo: join(folder.dir, 'Brazil (1985)/movie.nfo'), nfoExists: true, title: 'Brazil', year: 1985, poster: join(folder.dir, 'Brazil (1985)/poster.jpg') })
    expect(films[1].poster).toBe(join(folder.dir, 'Kill Bill (2003)/Kill Bill-poster.jpg'))
  })

  it('skips TV shows: a tvshow.nfo folder whole, episode videos and season folders anywhere', async () => {
    touch('Breaking Bad', 'tvshow.nfo')
    touch('Breaking Bad', 'poster.jpg')
    touch('Breaking Bad', 'folder.jpg')
    touch('Breaking Bad', 'Season 01', 'Breaking Bad S01E01.mkv')
    touch('Breaking Bad', 'Season 01', 'Breaking Bad S01E01.nfo') // <episodedetails>
    touch('Breaking Bad', 'Season 01', 'folder.jpg')
    touch('Breaking Bad', 'Season 01', 'Pilot.mkv') // no episode pattern: the show's all the same
    touch('Misc', 'Show.s1e02.mkv')
    touch('Misc', 'Show.s1e02.nfo')
    touch('Misc', 'Show 1x03.avi')
    touch('Misc', 'Show 1x03.nfo')
    touch('Loose Show', 'Season 2', 'Episode.mkv')
    touch('Loose Show', 'Season 2', 'Episode.nfo')
    touch('Loose Show', 'Specials', 'Christmas.mkv')
    touch('Heat (1995)', 'Heat.1995.1920x1080.mkv') // a resolution, not an episode
    const { keys, problems } = await scan()
    // The show's folder is said to be skipped; the loose episodes and seasons are simply no films.
    expect(problems.map((p) => p.path)).toEqual([join(folder.dir, 'Breaking Bad')])
    expect(keys).toEqual(['Heat (1995)/Heat.1995.1920x1080.mkv'])
  })

  it('keeps extras out: trailer and sample files, Jellyfin suffixes, extras folders', async () => {
    touch('Her (2013)', 'Her.mkv')
    touch('Her (2013)', 'movie.nfo')
    touch('Her (2013)', 'poster.jpg')
    touch('Her (2013)', 'trailer.mp4')
    touch('Her (2013)', 'SAMPLE.mkv')
    for (const x of ['-trailer', '.trailer', '_sample', ' sample', '-behindthescenes', ' behindthescenes', '.deleted', '-deletedscene', ' featurette', '_interview', '-scene', '.short', '-clip', '-other', '_extra', '-theme'])
      touch('Her (2013)', `Her${x}.mkv`)
    touch('Her (2013)', 'Her-trailer.nfo') // an extra's NFO is no film either
    for (const d of ['Extras', 'featurettes', 'Behind The Scenes', 'deleted scenes', 'Interviews', 'scenes', 'Samples', 'sample', 'Shorts', 'clips', 'other', 'Trailers', 'theme-music', 'backdrops', 'Subs', 'Subtitles']) {
      touch('Her (2013)', d, 'Making Of.mkv')
      touch('Her (2013)', d, 'Making Of.nfo')
    }
    // Film titles ending in those words stay films when a space sets them apart.
    touch('flat', 'The Big Short.mkv')
    touch('flat', 'The Interview.mkv')
    // Category folders named like extras are walked where they hold no film of their own.
    touch('Shorts', 'Tiny (2001)', 'Tiny.mkv')
    touch('Other', 'Thing (1982)', 'Thing.mkv')
    const { keys, by, problems } = await scan()
    expect(problems).toEqual([])
    expect(keys).toEqual(['Her (2013)/Her.mkv', 'Other/Thing (1982)/Thing.mkv', 'Shorts/Tiny (2001)/Tiny.mkv', 'flat/The Big Short.mkv', 'flat/The Interview.mkv'])
    expect(by.get('Her (2013)/Her.mkv')).toMatchObject({ nfo: 'Her (2013)/movie.nfo', nfoExists: true, poster: 'Her (2013)/poster.jpg', title: 'Her', year: 2013 })
  })

  it("groups Jellyfin's versions of one film; a stray video costs the film named after the folder nothing", async () => {
    touch('Inception (2010)', 'Inception (2010) - 2160p.mkv')
    touch('Inception (2010)', 'Inception (2010) - 1080p.mkv')
    touch('Inception (2010)', 'Inception (2010) - 2160p.nfo')
    touch('Inception (2010)', 'folder.jpg')
    touch('Dune (2021)', 'Dune (2021) - 4K.mkv')
    touch('Dune (2021)', 'Dune (2021) - 4K.nfo')
    touch('Dune (2021)', 'Dune (2021) - Extended [1080p].mkv')
    touch('Dune (2021)', 'movie.nfo')
    touch('Dune (2021)', 'poster.png')
    // No year: a collection folder, each a film of its own.
    touch('Star Wars', 'Star Wars - A New Hope.mkv')
    touch('Star Wars', 'Star Wars - The Empire Strikes Back.mkv')
    touch('Alien (1979)', 'Alien (1979).mkv')
    touch('Alien (1979)', 'Making of.mkv')
    touch('Alien (1979)', 'movie.nfo')
    touch('Alien (1979)', 'poster.jpg')
    const { keys, by } = await scan()
    expect(keys).toEqual([
      'Alien (1979)/Alien (1979).mkv',
      'Alien (1979)/Making of.mkv',
      'Dune (2021)/Dune (2021) - 4K.mkv',
      'Inception (2010)/Inception (2010) - 1080p.mkv',
      'Star Wars/Star Wars - A New Hope.mkv',
      'Star Wars/Star Wars - The Empire Strikes Back.mkv',
    ])
    expect(by.get('Inception (2010)/Inception (2010) - 1080p.mkv')).toMatchObject({
      video: 'Inception (2010) - 1080p.mkv',
      nfo: 'Inception (2010)/Inception (2010) - 2160p.nfo',
      nfoExists: true,
      poster: 'Inception (2010)/folder.jpg',
      title: 'Inception',
      year: 2010,
    })
    expect(by.get('Dune (2021)/Dune (2021) - 4K.mkv')).toMatchObject({ nfo: 'Dune (2021)/movie.nfo', nfoExists: true, poster: 'Dune (2021)/poster.png', title: 'Dune', year: 2021 })
    // The 4K version's own NFO is the same film's: written with movie.nfo.
    expect(by.get('Dune (2021)/Dune (2021) - 4K.mkv')?.otherNfos).toEqual([join(folder.dir, 'Dune (2021)/Dune (2021) - 4K.nfo')])
    expect(by.get('Alien (1979)/Alien (1979).mkv')).toMatchObject({ nfo: 'Alien (1979)/movie.nfo', nfoExists: true, poster: 'Alien (1979)/poster.jpg' })
    expect(by.get('Alien (1979)/Making of.mkv')).toMatchObject({ nfo: 'Alien (1979)/Making of.nfo', nfoExists: false, poster: null })
  })

  it('follows a linked film folder whose name holds a dot; a broken link is a problem, a loop is walked once', async () => {
    touch('elsewhere', 'nobody', 'Mr. Nobody.mkv')
    touch('elsewhere', 'nobody', 'poster.jpg')
    touch('elsewhere', 'up.bin')
    link(join(folder.dir, 'elsewhere', 'nobody'), 'lib', 'Mr. Nobody (2009)')
    link(join(folder.dir, 'lib'), 'elsewhere', 'nobody', 'Back to the library') // a loop through the link
    link(join(folder.dir, 'elsewhere', 'up.bin'), 'lib', 'Up (2009)', 'Up.mkv')
    link(join(folder.dir, 'gone'), 'lib', 'Lost (2000)')
    link('Lost.mkv', 'lib', 'Found (2001)', 'Found.mkv')
    touch('lib', 'Found (2001)', 'movie.nfo')
    const { keys, by, problems } = await scan('lib')
    expect(keys).toEqual(['Found (2001)/movie.nfo', 'Mr. Nobody (2009)/Mr. Nobody.mkv', 'Up (2009)/Up.mkv'])
    expect(by.get('Mr. Nobody (2009)/Mr. Nobody.mkv')).toMatchObject({ poster: 'lib/Mr. Nobody (2009)/poster.jpg', title: 'Mr. Nobody', year: 2009 })
    expect(problems.map((p) => [p.path.slice(folder.dir.length + 1), p.reason])).toEqual([
      [join('lib', 'Lost (2000)'), 'link leads nowhere: its target is missing'],
      [join('lib', 'Found (2001)', 'Found.mkv'), 'link leads nowhere: its target is missing'],
    ])
  })

  it('lists a DVD or Blu-ray folder as the film of the folder holding it, once, with the NFO Kodi reads', async () => {
    touch('Brazil (1985)', 'movie.nfo')
    touch('Brazil (1985)', 'VIDEO_TS', 'VTS_01_1.VOB')
    touch('Brazil (1985)', 'VIDEO_TS', 'VIDEO_TS.nfo') // movie.nfo comes first
    touch('Baraka (1992)', 'folder.jpg')
    touch('Baraka (1992)', 'VIDEO_TS', 'VIDEO_TS.IFO')
    touch('Baraka (1992)', 'VIDEO_TS', 'VIDEO_TS.nfo')
    touch('Tron (1982)', 'BDMV', 'index.bdmv')
    touch('Tron (1982)', 'BDMV', 'index.nfo')
    touch('Tron (1982)', 'BDMV', 'STREAM', '00000.m2ts')
    touch('Akira (1988)', 'BDMV', 'STREAM', '00001.m2ts')
    touch('Akira (1988)', 'Akira-poster.jpg')
    touch('Akira (1988)', 'Akira (1988)-trailer.mkv')
    const { keys, by, problems } = await scan()
    expect(problems).toEqual([])
    expect(keys).toEqual(['Akira (1988)/BDMV', 'Baraka (1992)/VIDEO_TS', 'Brazil (1985)/VIDEO_TS', 'Tron (1982)/BDMV'])
    expect(by.get('Brazil (1985)/VIDEO_TS')).toMatchObject({ video: null, nfo: 'Brazil (1985)/movie.nfo', nfoExists: true, folder: 'Brazil (1985)' })
    expect(by.get('Brazil (1985)/VIDEO_TS')?.otherNfos).toEqual([join(folder.dir, 'Brazil (1985)/VIDEO_TS/VIDEO_TS.nfo')])
    expect(by.get('Baraka (1992)/VIDEO_TS')).toMatchObject({ nfo: 'Baraka (1992)/VIDEO_TS/VIDEO_TS.nfo', nfoExists: true, poster: 'Baraka (1992)/folder.jpg', title: 'Baraka', year: 1992 })
    expect(by.get('Tron (1982)/BDMV')).toMatchObject({ nfo: 'Tron (1982)/BDMV/index.nfo', nfoExists: true, poster: null })
    expect(by.get('Akira (1988)/BDMV')).toMatchObject({ video: null, nfo: 'Akira (1988)/movie.nfo', nfoExists: false, title: 'Akira', year: 1988 })
  })

  it('takes .strm files for films, and movie.nfo beside <video>.nfo for the same film', async () => {
    touch('Stream (2020)', 'Stream.strm')
    touch('Heat (1995)', 'Heat.mkv')
    touch('Heat (1995)', 'Heat.nfo')
    touch('Heat (1995)', 'movie.nfo')
    const { keys, by } = await scan()
    expect(keys).toEqual(['Heat (1995)/Heat.mkv', 'Stream (2020)/Stream.strm'])
    // Both describe the film (Kodi reads Heat.nfo, Jellyfin either): the second is written with it.
    expect(by.get('Heat (1995)/Heat.mkv')).toMatchObject({ nfo: 'Heat (1995)/Heat.nfo', nfoExists: true, otherNfos: [join(folder.dir, 'Heat (1995)/movie.nfo')] })
    expect(by.get('Stream (2020)/Stream.strm')?.otherNfos).toEqual([])
    expect(by.get('Stream (2020)/Stream.strm')).toMatchObject({ video: 'Stream.strm', nfo: 'Stream (2020)/Stream.nfo', title: 'Stream', year: 2020 })
  })

  it('reports a folder it cannot read and goes on', async () => {
    touch('ok (2001)', 'ok.mkv')
    const { films, problems } = await scanCollection(join(folder.dir, 'missing'))
    expect(films).toEqual([])
    expect(problems[0].reason).toMatch(/no such folder/)
  })

  it('takes title and year from names', () => {
    expect(titleFromName('The.Matrix.1999.1080p')).toEqual({ title: 'The Matrix', year: 1999 })
    expect(titleFromName('Heat (1995)')).toEqual({ title: 'Heat', year: 1995 })
    expect(titleFromName('Untitled')).toEqual({ title: 'Untitled', year: null })
    expect(titleFromName('Mr. Nobody (2009)')).toEqual({ title: 'Mr. Nobody', year: 2009 })
    expect(titleFromName('Mr.Nobody.2009.720p')).toEqual({ title: 'Mr Nobody', year: 2009 })
  })
})
