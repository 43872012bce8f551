// The write-back on the NFOs real collections hold and the ways a user's session goes wrong:
// a self-closing <movie/>, Kodi's URL-only NFO, an empty placeholder, a symlinked NFO, a
// write-back killed part-way (its journal), undo out of order, and the model's own genres
// coming back through a rescan. Real files, a real core, a real (tiny) trained model whose
// probabilities are then stipulated per poster.
import { existsSync, lstatSync, mkdirSync, readFileSync, readlinkSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openCore, type Core } from '../../src/main/core'
import { main as cli } from '../../src/main/cli/index'
import { parseNfo } from '../../src/main/formats/nfo'
import type { WriteResult } from '../../src/shared/api'
import { call, tempDir } from '../library/helpers'
import { posterJpeg, snapshotFiles, writeCollection, fixtureFilms, type FixtureFilm, openTrained, closeAll, stipulate as stipulateFor } from './fixture'

const t = tempDir('posterity-collection-safety-')
const root = join(t.dir, 'Movies')
const store = join(t.dir, 'elsewhere')
const libDir = join(t.dir, 'lib')
let core: Core

const odd: { folder: string; title: string; genre: string; nfo: string | null }[] = [
  { folder: 'SelfClose (2001)', title: 'SelfClose', genre: 'Red', nfo: '<?xml version="1.0" encoding="UTF-8"?>\n<movie/>\n' },
  { folder: 'UrlOnly (2002)', title: 'UrlOnly', genre: 'Green', nfo: 'https://www.imdb.com/title/tt0110912/\n' },
  { folder: 'Empty (2003)', title: 'Empty', genre: 'Blue', nfo: '' },
  { folder: 'Linked (2004)', title: 'Linked', genre: 'Red', nfo: null },
]

type Write = { writeId: number | null; results: WriteResult[]; written: number; failed: number }
const write = (rule = { minProbability: 0.5, maxGenres: 2, mode: 'replace' as const }) => call<Write>(core, 'collection.write', { root, scope: 'all', rule })
const byKey = (r: Write, k: string) => r.results.find((x) => x.key.startsWith(k))!
const nfo = (folder: string, title: string) => join(root, folder, `${title}.nfo`)

const stipulate = (genreOf: (title: string) => string | null) => stipulateFor(core, genreOf)

const films: FixtureFilm[] = fixtureFilms(12)

beforeAll(async () => {
  await writeCollection(root, films)
  for (const [i, f] of odd.entries()) {
    const dir = join(root, f.folder)
    mkdirSync(dir, { recursive: true })
    writeFileSync(join(dir, `${f.title}.mkv`), 'x')
    await posterJpeg(join(dir, 'poster.jpg'), f.genre, 40 + i)
    if (f.nfo !== null) writeFileSync(join(dir, `${f.title}.nfo`), f.nfo)
  }
  // A symlinked NFO (the user keeps the NFOs elsewhere): written through, the link kept.
  mkdirSync(store, { recursive: true })
  writeFileSync(join(store, 'linked.nfo'), '<movie>\n  <title>Linked</title>\n</movie>\n')
  symlinkSync(join(store, 'linked.nfo'), nfo('Linked (2004)', 'Linked'))
  core = await openTrained(libDir, root)
})

afterAll(() => closeAll(core, t))

describe('odd NFOs', () => {
  it('opens <movie/>, leaves a URL-only NFO alone (not a failure), replaces an empty one with a backup, and writes through a symlink', async () => {
    const colour = new Map([...films, ...odd].map((f) => [f.title, f.genre]))
    stipulate((title) => colour.get(title) ?? null)
    const scan = await call<{ problems: { path: string }[] }>(core, 'collection.scan', { root })
    expect(scan.problems).toEqual([])
    const before = snapshotFiles(root)
    const r = await write()
    expect(byKey(r, 'UrlOnly')).toMatchObject({ status: 'skipped', reason: expect.stringMatching(/URL-only/) })
    expect(r.failed).toBe(0)
    const self = readFileSync(nfo('SelfClose (2001)', 'SelfClose'))
    expect(parseNfo(self).genres).toEqual(['Red'])
    expect(self.toString()).toBe('<?xml version="1.0" encoding="UTF-8"?>\n<movie>\n  <genre>Red</genre>\n</movie>\n')
    expect(byKey(r, 'Empty')).toMatchObject({ status: 'created', genres: ['Blue'] })
    expect(parseNfo(readFileSync(nfo('Empty (2003)', 'Empty'))).genres).toEqual(['Blue'])
    const link = nfo('Linked (2004)', 'Linked')
    expect(lstatSync(link).isSymbolicLink()).toBe(true)
    expect(readlinkSync(link)).toBe(join(store, 'linked.nfo'))
    expect(parseNfo(readFileSync(join(store, 'linked.nfo'))).genres).toEqual(['Red'])
    // Idempotent: nothing more to write.
    const again = await call<Write>(core, 'collection.write', { root, scope: 'all', dryRun: true, rule: { minProbability: 0.5, maxGenres: 2, mode: 'replace' } })
    expect(again.results.filter((x) => x.status === 'written' || x.status === 'created')).toEqual([])
    // Undo: every byte back, the empty placeholder included, the link still a link.
    await call(core, 'collection.undo', { writeId: r.writeId })
    expect(snapshotFiles(root)).toEqual(before)
    expect(lstatSync(link).isSymbolicLink()).toBe(true)
    expect(readFileSync(join(store, 'linked.nfo'), 'utf8')).not.toContain('<genre>')
  })
})

describe('undo', () => {
  it('an older write-back over the same files waits for the newer one to be undone; then both restore every byte', async () => {
    const before = snapshotFiles(root)
    stipulate(() => 'Green')
    const first = await write()
    stipulate(() => 'Blue')
    const second = await write()
    expect(second.written).toBeGreaterThan(0)
    await expect(call(core, 'collection.undo', { writeId: first.writeId })).rejects.toThrow(new RegExp(`write-back ${second.writeId} changed some of the same files since: undo it first`))
    // Refused, not spent: it is still listed as undoable.
    const { entries } = await call<{ entries: { id: number; undone: boolean }[] }>(core, 'collection.writes', { root })
    expect(entries.find((e) => e.id === first.writeId)?.undone).toBe(false)
    await call(core, 'collection.undo', { writeId: second.writeId })
    await call(core, 'collection.undo', { writeId: first.writeId })
    expect(snapshotFiles(root)).toEqual(before)
  })

  it('a write-back killed part-way is listed as interrupted and undoes every file its journal names; stale temporary files go', async () => {
    const before = snapshotFiles(root)
    stipulate(() => 'Red')
    const r = await write()
    expect(r.written).toBeGreaterThan(3)
    // What a kill -9 after the renames leaves: the entry still "writing…" with no files recorded,
    // and a temporary file of the dead process beside an NFO.
    core.db.prepare(`UPDATE collection_writes SET description = 'writing…', files = '[]' WHERE id = ?`).run(r.writeId)
    const stale = join(root, 'Film 1 (1951)', '.Film 1.nfo.999999-0badc0de.posterity-tmp')
    writeFileSync(stale, 'half')
    const { entries } = await call<{ entries: { id: number; files: number; description: string }[] }>(core, 'collection.writes', { root })
    expect(entries.find((e) => e.id === r.writeId)).toMatchObject({ files: r.written, description: expect.stringMatching(/^Interrupted write-back/) })
    const u = await call<{ restored: number; removed: number; conflicts: unknown[] }>(core, 'collection.undo', {})
    expect(u.restored + u.removed).toBe(r.written)
    expect(u.conflicts).toEqual([])
    expect(existsSync(stale)).toBe(false)
    expect(snapshotFiles(root)).toEqual(before)
  })
})

describe('labels from NFOs', () => {
  it("a rescan after Kodi touched the NFOs does not take the model's written genres for a person's", async () => {
    stipulate(() => 'Green')
    const r = await write()
    const written = r.results.filter((x) => x.status === 'written' || x.status === 'created')
    expect(written.length).toBeGreaterThan(0)
    const labelsOf = () =>
      core.db.prepare(`SELECT p.id, group_concat(g.name || ':' || l.source) AS l FROM collection_films f JOIN posters p ON p.id = f.poster_id LEFT JOIN labels l ON l.poster_id = p.id LEFT JOIN genres g ON g.id = l.genre_id GROUP BY p.id ORDER BY p.id`).all()
    const before = labelsOf()
    // The media server rewrites the files' times (and a person edits one NFO by hand).
    const later = new Date(Date.now() + 60_000)
    for (const w of written) utimesSync(w.path, later, later)
    const edited = written.find((w) => w.key.startsWith('Film '))!
    writeFileSync(edited.path, readFileSync(edited.path, 'utf8').replace('<genre>Green</genre>', '<genre>Blue</genre>'))
    await call(core, 'collection.scan', { root })
    const after = labelsOf() as { id: string; l: string | null }[]
    const edits = after.filter((row, i) => JSON.stringify(row) !== JSON.stringify(before[i]))
    // Only the hand-edited film's labels follow its NFO.
    expect(edits).toHaveLength(1)
    expect(edits[0].l).toBe('Blue:nfo')
    await call(core, 'collection.undo', { writeId: r.writeId }).catch(() => undefined)
  })
})

describe('posterity tag', () => {
  const run = async (args: string[]) => {
    const out: string[] = []
    const o = process.stdout.write.bind(process.stdout)
    const e = process.stderr.write.bind(process.stderr)
    process.stdout.write = ((s: string) => (out.push(String(s)), true)) as typeof process.stdout.write
    process.stderr.write = (() => true) as typeof process.stderr.write
    try {
      return { code: await cli(args), out: out.join('') }
    } finally {
      process.stdout.write = o
      process.stderr.write = e
    }
  }

  it('says which NFO genres a write would replace, and --merge keeps them', async () => {
    stipulate(() => 'Green')
    await core.close()
    try {
      const dry = await run(['tag', root, '--library', libDir, '--min-prob', '0.1'])
      expect(dry.code).toBe(0)
      // Film 3's NFO lists Red: replaced by Green unless merged.
      expect(dry.out).toMatch(/Film 3 \(1953\)\/Film 3\.mkv\s+Green  \(would replace Red\)\n/)
      const merged = await run(['tag', root, '--library', libDir, '--merge'])
      expect(merged.out).toMatch(/Film 3 \(1953\)\/Film 3\.mkv\s+Red, Green\n/)
    } finally {
      core = openCore({ libraryDir: libDir })
    }
  })
})
