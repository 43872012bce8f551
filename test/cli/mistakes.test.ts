// A user scripting the CLI and making mistakes: each one a specific line on stderr naming the
// bad input, a non-zero exit, no stack trace, and nothing lost or left behind. The built CLI
// (out/main/cli.js) on real temp libraries and JPEGs made by sharp.
import { spawn, spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs'
import { createServer, type AddressInfo } from 'node:net'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { jpeg, tempDir } from '../library/helpers'

const repo = resolve(__dirname, '../..')
const env = { ...process.env, POSTERITY_LIBRARY: '', POSTERITY_DEBUG: '' }

function cli(...args: string[]) {
  // A bounded wait: a command that hangs fails the test instead of stalling the run.
  const r = spawnSync(process.execPath, [join(repo, 'out/main/cli.js'), ...args], { cwd: repo, encoding: 'utf8', env, timeout: 30_000 })
  return { code: r.status, out: r.stdout, err: r.stderr }
}

/** One line on stderr, no stack trace and no "set POSTERITY_DEBUG" hint: a user error. */
function userError(r: { err: string }) {
  expect(r.err).not.toMatch(/POSTERITY_DEBUG|\n\s+at /)
}

const t = tempDir()
const src = join(t.dir, 'posters')
const lib = join(t.dir, 'lib')
const aFile = join(t.dir, 'a-file.txt')

beforeAll(async () => {
  mkdirSync(src)
  for (let i = 1; i <= 3; i++) await jpeg(join(src, `tt000000${i}.jpg`), { seed: i })
  writeFileSync(aFile, 'not a folder\n')
  expect(cli('import', src, '--library', lib).code).toBe(0)
})
afterAll(() => t.cleanup())

describe('paths a user gets wrong', () => {
  it('--library below a file is one line naming it, for every command that opens a library', () => {
    const under = join(aFile, 'lib')
    for (const args of [['stats'], ['import', src], ['export', '--format', 'csv'], ['serve', '--port', '0']]) {
      const r = cli(...args, '--library', under)
      expect(r.code, args.join(' ')).toBe(2)
      expect(r.err).toBe(`posterity ${args[0]}: --library ${under}: a part of ${under} is a file, not a folder\n`)
    }
  })

  it('serve refuses a --library that is a file before starting anything', () => {
    const r = cli('serve', '--port', '0', '--library', aFile)
    expect(r.code).toBe(2)
    expect(r.err).toBe(`posterity serve: --library ${aFile} is a file, not a folder\n`)
  })

  it('--out below a file is one line naming it', () => {
    const out = join(aFile, 'x.csv')
    const e = cli('export', '--format', 'csv', '--out', out, '--library', lib)
    expect(e.code).toBe(2)
    expect(e.err).toBe(`posterity export: --out ${out}: a part of ${out} is a file, not a folder\n`)
    const p = cli('predict', '--out', out, '--library', lib)
    expect(p.code).toBe(2)
    expect(p.err).toBe(`posterity predict: --out ${out}: a part of ${out} is a file, not a folder\n`)
  })

  it('a library folder that cannot be made is an error, not a hang (mkdir under /proc)', () => {
    if (!existsSync('/proc/self')) return
    const r = cli('import', src, '--library', '/proc/posterity-no-such-lib')
    expect(r.code).toBe(1)
    expect(r.err).toBe('posterity import: cannot create the library folder /proc/posterity-no-such-lib: this file system does not allow it\n')
    userError(r)
  })

  it('makes the missing folders of a new library', () => {
    const deep = join(t.dir, 'new', 'a', 'b')
    expect(cli('import', src, '--library', deep).code).toBe(0)
    expect(JSON.parse(cli('stats', '--json', '--library', deep).out)).toMatchObject({ posters: 3 })
  })
})

describe('serve', () => {
  it('a port in use is a user error: one line, no stack-trace hint', async () => {
    const blocker = createServer()
    await new Promise<void>((done) => blocker.listen(0, '127.0.0.1', done))
    const port = (blocker.address() as AddressInfo).port
    try {
      const child = spawn(process.execPath, [join(repo, 'out/main/cli.js'), 'serve', '--port', String(port), '--library', lib], { cwd: repo, env, stdio: ['ignore', 'pipe', 'pipe'] })
      let err = ''
      child.stderr.on('data', (d: Buffer) => (err += d.toString()))
      const code = await new Promise<number | null>((done) => child.on('exit', done))
      expect(code).toBe(1)
      expect(err).toBe(`posterity serve: port ${port} on 127.0.0.1 is in use; choose another with --port N (0 picks a free one)\n`)
    } finally {
      blocker.close()
    }
  })
})

describe('--ids files', () => {
  const ids = (name: string, text: string) => {
    const p = join(t.dir, name)
    writeFileSync(p, text)
    return p
  }

  it('a line that is no poster id is refused naming the file, the line and its text, by every command that reads one', () => {
    // A CSV passed where an ids file belongs (a predict output, an export): line 1 is its header.
    const csv = ids('predictions.csv', '\uFEFFId,Drama,Comedy\r\ntt0000001,0.5,0.1\r\ntt0000002,0.2,0.9\r\n')
    for (const args of [['accept'], ['eval'], ['train'], ['predict', '--out', join(t.dir, 'p.csv')]]) {
      const r = cli(...args, '--ids', csv, '--library', lib)
      expect(r.code, args[0]).toBe(2)
      expect(r.err).toBe(
        `posterity ${args[0]}: --ids file ${csv} line 1: "Id,Drama,Comedy" is not a poster id (one id a line: letters, digits and . _ : -); 2 more lines like it\n`,
      )
    }
    // The line counts blank lines and comments, so it is the line an editor shows.
    const one = ids('one-bad.txt', 'tt0000001\n\n# a comment\ntt0000002\nBlade Runner (1982)\n')
    const r = cli('accept', '--ids', one, '--library', lib)
    expect(r.err).toBe(`posterity accept: --ids file ${one} line 5: "Blade Runner (1982)" is not a poster id (one id a line: letters, digits and . _ : -)\n`)
    expect(r.code).toBe(2)
  })

  it('a missing ids file or a folder is named in words', () => {
    const gone = join(t.dir, 'no-such-ids.txt')
    const r = cli('train', '--ids', gone, '--library', lib)
    expect(r.err).toBe(`posterity train: cannot read --ids file ${gone}: no such file\n`)
    expect(r.code).toBe(1)
    const dir = cli('eval', '--ids', t.dir, '--library', lib)
    expect(dir.err).toBe(`posterity eval: cannot read --ids file ${t.dir}: it is a folder\n`)
    expect(dir.code).toBe(1)
  })

  it('reads a BOM, CRLF, blank lines, comments and repeated ids', () => {
    // Two labelled posters of the library, one twice, and an id the library does not have.
    const labels = join(t.dir, 'labels.csv')
    writeFileSync(labels, 'Id,Genre,Drama,Comedy\ntt0000001,x,1,0\ntt0000002,x,0,1\n')
    const labelled = join(t.dir, 'labelled')
    expect(cli('import', src, '--labels', labels, '--library', labelled).code).toBe(0)
    const list = ids('windows.txt', '\uFEFFtt0000001\r\n\r\n# from Excel\r\n  tt0000002  \r\ntt0000001\r\ntt9999999\r\n')
    // The CNN trains from pixels: no backbone needed, so this holds without ../shared too.
    const r = cli('train', '--kind', 'cnn', '--ids', list, '--library', labelled)
    expect(r.err).toMatch(/training needs at least 10 posters labelled by a person, the selection has 2\n$/)
    expect(r.code).toBe(1)
  })
})

describe('an import that keeps nothing', () => {
  it('leaves no library behind where it made one: a mistyped folder, a file that is no image, an unusable labels file', () => {
    const cases: [string, string[], RegExp][] = [
      ['typo', [join(t.dir, 'postres')], /postres: no such file or folder/],
      ['not-an-image', [aFile], /a-file\.txt: not a supported image type/],
      ['bad-labels', [src, '--labels', join(t.dir, 'no-such-labels.csv')], /cannot read labels file .*no-such-labels\.csv: no such file/],
    ]
    for (const [name, args, why] of cases) {
      const dir = join(t.dir, `fresh-${name}`)
      const r = cli('import', ...args, '--library', dir)
      expect(r.code, name).toBe(1)
      expect(r.out + r.err).toMatch(why)
      userError(r)
      expect(existsSync(dir), name).toBe(false)
      // The next command says there is no library, instead of showing an empty one.
      expect(cli('stats', '--library', dir).err).toMatch(/no library in .*: import posters first/)
    }
  })

  it('keeps a folder that was there and what it holds, and a library that was there', () => {
    const dir = join(t.dir, 'existing-folder')
    mkdirSync(dir)
    writeFileSync(join(dir, 'notes.txt'), 'mine\n')
    expect(cli('import', join(t.dir, 'postres'), '--library', dir).code).toBe(1)
    expect(readdirSync(dir)).toEqual(['notes.txt'])
    // An existing library stays, with its posters, whatever a later import fails to do.
    expect(cli('import', join(t.dir, 'postres'), '--library', lib).code).toBe(1)
    expect(JSON.parse(cli('stats', '--json', '--library', lib).out)).toMatchObject({ posters: 3 })
  })
})

describe('poster ids that are not in the library', () => {
  it('similar: a mistyped id fails at once, before any embedding, naming the id', () => {
    const r = cli('similar', 'tt000001', '--library', lib)
    expect(r.err).toBe('posterity similar: no poster "tt000001"\n')
    expect(r.code).toBe(1)
    const odd = cli('similar', 'Blade Runner', '--library', lib)
    expect(odd.err).toBe('posterity similar: "Blade Runner" is not a poster id (letters, digits and . _ : -)\n')
    expect(odd.code).toBe(2)
  })

  it('accept: ids the library lacks are named, never "predicted first", and a list of nothing but them fails', async () => {
    // 14 posters, 12 labelled, and a small CNN (one epoch): the active model.
    const posters = join(t.dir, 'accept-posters')
    mkdirSync(posters)
    const rows = ['Id,Genre,Drama,Comedy']
    for (let i = 10; i < 24; i++) {
      await jpeg(join(posters, `tt00000${i}.jpg`), { seed: 100 + i })
      if (i < 22) rows.push(`tt00000${i},x,${i % 2},${(i + 1) % 2}`)
    }
    const labels = join(t.dir, 'accept-labels.csv')
    writeFileSync(labels, `${rows.join('\n')}\n`)
    const trained = join(t.dir, 'accept-lib')
    expect(cli('import', posters, '--labels', labels, '--library', trained).code).toBe(0)
    const train = cli('train', '--kind', 'cnn', '--epochs', '1', '--library', trained)
    expect(train.code, train.err).toBe(0)

    const none = join(t.dir, 'unknown-ids.txt')
    writeFileSync(none, 'tt9999998\ntt9999999\n')
    const r = cli('accept', '--ids', none, '--library', trained)
    expect(r.err).toBe('posterity accept: none of the 2 listed ids is a poster of this library: tt9999998, tt9999999\n')
    expect(r.code).toBe(1)
    const one = join(t.dir, 'unknown-id.txt')
    writeFileSync(one, 'tt9999999\n')
    expect(cli('accept', '--ids', one, '--library', trained).err).toBe('posterity accept: the listed id is not a poster of this library: tt9999999\n')

    const some = join(t.dir, 'some-ids.txt')
    writeFileSync(some, 'tt0000022\ntt0000023\ntt9999999\n')
    const dry = cli('accept', '--ids', some, '--min-prob', '0', '--dry-run', '--library', trained)
    expect(dry.code).toBe(0)
    expect(dry.err).toMatch(/^posterity accept: warning: 1 listed id is not a poster of this library, left out: tt9999999\n/m)
    expect(dry.err).not.toMatch(/3 listed posters have no prediction/)
    expect(dry.out).toMatch(/^dry run, nothing written: would accept predictions of model run \d+ .*\n\d+ posters? would gain genres; \d+ posters? skipped \(nothing to accept: left as they were\); 1 listed id not in this library\n/)
  })
})

describe('numbers out of range or not numbers', () => {
  it('--min-prob is read alike by accept and tag: a decimal from 0 to 1, not hex, an exponent or Infinity', () => {
    for (const cmd of [['accept'], ['tag', src]]) {
      for (const v of ['2', '0x1', '1e-1', 'Infinity', '-0.1', 'half']) {
        const r = cli(...cmd, `--min-prob=${v}`, '--library', lib)
        expect(r.err, `${cmd[0]} ${v}`).toBe(`posterity ${cmd[0]}: --min-prob expects a probability between 0 and 1, got "${v}"\n`)
        expect(r.code).toBe(2)
      }
    }
  })

  it('whole-number flags name the flag and the value', () => {
    const cases: [string[], string][] = [
      [['review', '--queue', 'suspect', '--limit=-1'], '--limit must be between 1 and 1000, got -1'],
      [['review', '--queue', 'suspect', '--limit', 'ten'], '--limit expects a whole number, got "ten"'],
      [['accept', '--max-genres', '0'], '--max-genres must be between 1 and 50, got 0'],
      [['similar', 'tt0000001', '--k', 'abc'], '--k expects a whole number, got "abc"'],
      [['train', '--folds', '1'], '--folds must be between 2 and 20, got 1'],
      [['serve', '--port', '70000'], '--port must be between 0 and 65535, got 70000'],
    ]
    for (const [args, message] of cases) {
      const r = cli(...args, '--library', lib)
      expect(r.err, args.join(' ')).toBe(`posterity ${args[0]}: ${message}\n`)
      expect(r.code).toBe(2)
    }
  })
})
