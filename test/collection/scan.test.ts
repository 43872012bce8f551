// Collection layouts on real folders: a folder a film (nested too), flat folders, every
// poster name media servers use, films without a poster or an NFO.
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { scanCollection, titleFromName } from '../../src/main/collection/scan'
import { tempDir } from '../library/helpers'

let t: ReturnType<typeof tempDir>
beforeEach(() => (t = tempDir('posterity-scan-')))
afterEach(() => t.cleanup())

function touch(...parts: string[]): string {
  const p = join(t.dir, ...parts)
  mkdirSync(join(p, '..'), { recursive: true })
  writeFileSync(p, 'x')
  return p
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
    const { films, problems } = await scanCollection(t.dir)
    expect(problems).toEqual([])
    const by = new Map(films.map((f) => [f.key, f]))
    expect([...by.keys()]).toEqual(['A/Alien (1979)/Alien (1979).mkv', 'Drama/Heat (1995)/heat.1995.1080p.mp4', 'Her (2013)/Her.mkv', 'Nope (2022)/Nope.m4v', 'Up (2009)/Up.avi'])
    expect(by.get('A/Alien (1979)/Alien (1979).mkv')).toMatchObject({ nfo: join(t.dir, 'A/Alien (1979)/movie.nfo'), nfoExists: true, poster: join(t.dir, 'A/Alien (1979)/poster.jpg'), title: 'Alien', year: 1979 })
    expect(by.get('Drama/Heat (1995)/heat.1995.1080p.mp4')).toMatchObject({ nfo: join(t.dir, 'Drama/Heat (1995)/heat.1995.1080p.nfo'), nfoExists: true, poster: join(t.dir, 'Drama/Heat (1995)/folder.png'), title: 'Heat', year: 1995 })
    expect(by.get('Up (2009)/Up.avi')).toMatchObject({ poster: join(t.dir, 'Up (2009)/cover.jpg'), nfoExists: false, nfo: join(t.dir, 'Up (2009)/Up.nfo') })
    expect(by.get('Her (2013)/Her.mkv')?.poster).toBe(join(t.dir, 'Her (2013)/Her-poster.jpg'))
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
    const { films } = await scanCollection(join(t.dir, 'flat'))
    expect(films.map((f) => [f.key, f.poster && f.poster.slice(t.dir.length + 6), f.nfoExists])).toEqual([
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
    const { films } = await scanCollection(t.dir)
    expect(films.map((f) => f.key)).toEqual(['Brazil (1985)/movie.nfo', 'Kill Bill (2003)/Kill Bill-cd1.avi'])
    expect(films[0]).toMatchObject({ video: null, nfoExists: true, title: 'Brazil', year: 1985, poster: join(t.dir, 'Brazil (1985)/poster.jpg') })
    expect(films[1].poster).toBe(join(t.dir, 'Kill Bill (2003)/Kill Bill-poster.jpg'))
  })

  it('reports a folder it cannot read and goes on', async () => {
    touch('ok (2001)', 'ok.mkv')
    const { films, problems } = await scanCollection(join(t.dir, 'missing'))
    expect(films).toEqual([])
    expect(problems[0].reason).toMatch(/no such folder/)
  })

  it('takes title and year from names', () => {
    expect(titleFromName('The.Matrix.1999.1080p')).toEqual({ title: 'The Matrix', year: 1999 })
    expect(titleFromName('Heat (1995)')).toEqual({ title: 'Heat', year: 1995 })
    expect(titleFromName('Untitled')).toEqual({ title: 'Untitled', year: null })
  })
})
