// The CLI end to end: real processes (node out/main/cli.js, the built CLI), exit codes, stdout JSON, stderr.
import Database from 'better-sqlite3'
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { basename, dirname, join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { jpeg, tempDir } from '../library/helpers'

const repo = resolve(__dirname, '../..')
function cli(...args: string[]) {
  const r = spawnSync(process.execPath, [join(repo, 'out/main/cli.js'), ...args], {
    cwd: repo,
    encoding: 'utf8',
    env: { ...process.env, POSTERITY_LIBRARY: '', POSTERITY_DEBUG: '' },
  })
  return { code: r.status, out: r.stdout, err: r.stderr }
}

const t = tempDir()
const src = join(t.dir, 'posters')
const lib = join(t.dir, 'lib')
const file = (name: string, text: string) => {
  const p = join(t.dir, name)
  writeFileSync(p, text)
  return p
}

beforeAll(async () => {
  mkdirSync(src)
  await jpeg(join(src, 'tt0000001.jpg'))
  await jpeg(join(src, 'tt0000002.jpg'))
  await jpeg(join(src, 'tt0000003.jpg'))
  writeFileSync(join(src, 'broken.jpg'), 'nope')
})
afterAll(() => t.cleanup())

describe('posterity CLI', () => {
  it('prints help for the CLI and for each command', () => {
    const top = cli('--help')
    expect(top.code).toBe(0)
    expect(top.out).toMatch(/Usage: posterity <command>/)
    for (const c of ['import', 'stats', 'export']) expect(top.out).toContain(`  ${c}`)
    const imp = cli('import', '--help')
    expect(imp.code).toBe(0)
    expect(imp.out).toMatch(/^Usage: posterity import <path\.\.\.> \[--labels FILE\]/)
  })

  it('imports, reports skipped files, and prints stats as JSON', () => {
    // tt0000002: all zeros, labelled with no genre; tt0000003: N/A, genre unknown (stays unlabelled).
    const labels = file('train.csv', 'Id,Genre,Drama,Comedy,N/A\ntt0000001,x,1,0,0\ntt0000002,[],0,0,0\ntt0000003,x,0,0,1\n')
    const metadata = file('movies.csv', 'Id,Title,Year\ntt0000001,"One, Two",2001\n')
    const r = cli('import', src, '--labels', labels, '--metadata', metadata, '--library', lib)
    expect(r.code).toBe(0)
    expect(r.out).toMatch(/3 added, 0 updated, 0 unchanged/)
    expect(r.out).toContain(`${join(src, 'broken.jpg')}: not an image (unrecognised file format)`)
    expect(r.err).toMatch(/importing 4\/4/)
    const s = cli('stats', '--json', '--library', lib)
    expect(s.code).toBe(0)
    expect(JSON.parse(s.out)).toMatchObject({ posters: 3, labelled: 2, genres: { Drama: 1, Comedy: 0 }, sources: { imported: 1, user: 0, prediction: 0, nfo: 0 } })
    expect(cli('stats', '--library', lib).out).toMatch(/labels: +1 imported, 0 user, 0 prediction, 0 nfo/)
    const again = cli('import', src, '--labels', labels, '--library', lib, '--json')
    expect(again.code).toBe(0)
    expect(JSON.parse(again.out)).toMatchObject({ added: 0, unchanged: 3 })
  })

  it('exports JSON and a CSV that re-imports to the same labels', () => {
    const j = cli('export', '--format', 'json', '--library', lib)
    expect(j.code).toBe(0)
    const posters = JSON.parse(j.out)
    expect(posters).toEqual([
      { id: 'tt0000001', title: 'One, Two', year: 2001, labelled: true, genres: ['Drama'], labels: [{ genre: 'Drama', source: 'imported' }] },
      { id: 'tt0000002', title: null, year: null, labelled: true, genres: [], labels: [] },
      { id: 'tt0000003', title: null, year: null, labelled: false, genres: [], labels: [] },
    ])
    const out = join(t.dir, 'export.csv')
    const c = cli('export', '--format', 'csv', '--out', out, '--library', lib)
    expect(c.code).toBe(0)
    expect(c.err).toMatch(/exported 2 posters/)
    expect(readFileSync(out, 'utf8')).toBe("Id,Genre,Sources,Drama,Comedy\ntt0000001,['Drama'],Drama:imported,1,0\ntt0000002,[],,0,0\n")
    const lib2 = join(t.dir, 'lib2')
    expect(cli('import', src, '--labels', out, '--library', lib2).code).toBe(0)
    const j2 = JSON.parse(cli('export', '--format', 'json', '--library', lib2).out)
    expect(j2.map((p: { labelled: boolean; genres: string[] }) => [p.labelled, p.genres])).toEqual(
      posters.map((p: { labelled: boolean; genres: string[] }) => [p.labelled, p.genres]),
    )
  })

  it('fails with a one-line reason and a non-zero exit code', () => {
    const bad = cli('import', src, '--labels', file('bad.csv', 'Name,Drama\nx,1\n'), '--library', lib)
    expect(bad.code).toBe(1)
    expect(bad.err).toMatch(/^posterity import: labels file .*bad\.csv has no Id column \(expected Id or imdbId; found: "Name", "Drama"\)\n$/)
    expect(bad.err).not.toMatch(/\bat .*\.ts:\d+/) // no stack trace
    const empty = join(t.dir, 'empty')
    mkdirSync(empty)
    const none = cli('import', empty, '--library', join(t.dir, 'lib3'))
    expect(none.code).toBe(1)
    expect(none.err).toMatch(/nothing could be imported/)
    expect(cli('nope').code).toBe(2)
    expect(cli('stats', '--bogus').code).toBe(2)
    const fmt = cli('export', '--format', 'xml', '--library', lib)
    expect(fmt.code).toBe(2)
    expect(fmt.err).toMatch(/--format must be csv or json/)
    // Only import creates a library: a mistyped --library is an error, and nothing is made there.
    const typo = join(t.dir, 'no-such-lib')
    const missing = cli('stats', '--json', '--library', typo)
    expect(missing.code).toBe(1)
    expect(missing.err).toMatch(/no library in .*no-such-lib: import posters first/)
    expect(existsSync(typo)).toBe(false)
    // An empty value (an unset variable in a script) is refused, never "everything" or the default library.
    const blank = cli('stats', '--library', '')
    expect(blank.code).toBe(2)
    expect(blank.err).toMatch(/--library needs a value/)
    // --out never lands in the library folder (an export over library.sqlite would destroy it), nor on a folder.
    const over = cli('export', '--format', 'csv', '--out', join(lib, 'library.sqlite'), '--library', lib)
    expect(over.code).toBe(2)
    expect(over.err).toMatch(/is inside the library folder/)
    expect(cli('stats', '--json', '--library', lib).code).toBe(0)
    const dir = cli('export', '--format', 'csv', '--out', t.dir, '--library', lib)
    expect(dir.code).toBe(2)
    expect(dir.err).toMatch(/is a folder: give a file name/)
    expect(readdirSync(dirname(t.dir)).some((f) => f.startsWith(`${basename(t.dir)}.`) && f.endsWith('.tmp'))).toBe(false)
  })

  it('prints an argument the contract refuses as one line naming the field', () => {
    const train = cli('train', '--epochs', '0', '--library', lib)
    expect(train.err).toBe('posterity train: epochs: Too small: expected number to be >=1\n')
    expect(train.code).not.toBe(0)
  })

  it('refuses a library written by a newer version', () => {
    const dir = join(t.dir, 'newer')
    mkdirSync(dir)
    const db = new Database(join(dir, 'library.sqlite'))
    db.pragma('user_version = 999')
    db.close()
    const r = cli('stats', '--library', dir)
    expect(r.code).toBe(1)
    expect(r.err).toMatch(/cannot open the library .* newer Posterity/)
  })
})
