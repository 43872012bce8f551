// A library folder (or file) the user running Posterity may not write, as when another user
// made it: every command that writes says so in one plain line (library/storage.ts) and changes
// nothing; commands that only read work where SQLite can read, else say why. Root runs the CLI
// as nobody (setpriv), as the corpus test does for unreadable files; skipped, saying why, where
// the tests do not run as root or setpriv or the nobody user is missing.
import { spawnSync, type SpawnSyncReturns } from 'node:child_process'
import { createHash } from 'node:crypto'
import { chmodSync, chownSync, existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { DB_FILE } from '../../src/main/library/db'
import { CLI, startServeChild } from '../../scripts/harness'
import { connect } from '../server/helpers'
import { call, expectConsistent, importInto, jpeg, libraryState, open, tempDir } from './helpers'

const NOBODY = 65534
const asRoot = typeof process.getuid === 'function' && process.getuid() === 0
const setpriv = ['/usr/bin/setpriv', '/bin/setpriv'].find((p) => existsSync(p))
const hasNobody = existsSync('/etc/passwd') && /^nobody:[^:]*:65534:/m.test(readFileSync('/etc/passwd', 'utf8'))
const why = !asRoot ? 'the tests do not run as root' : !setpriv ? 'setpriv is not installed' : !hasNobody ? 'there is no user nobody (uid 65534)' : null
if (why) console.warn(`[permissions] ${why}: skipping the tests of a library folder another user owns`)
const AS_NOBODY = [setpriv ?? 'setpriv', `--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups']

let t: ReturnType<typeof tempDir>
let lib: string
beforeEach(async () => {
  t = tempDir()
  if (why) return
  chmodSync(t.dir, 0o755) // nobody may look inside, not write
  lib = join(t.dir, 'lib')
  // Twelve labelled posters imported by root, one label edited by hand; a second folder to import.
  for (const folder of ['posters', 'more']) mkdirSync(join(t.dir, folder))
  for (let i = 1; i <= 12; i++) await jpeg(join(t.dir, 'posters', `tt${String(i).padStart(7, '0')}.jpg`), { seed: i, width: 60, height: 90 })
  for (let i = 13; i <= 14; i++) await jpeg(join(t.dir, 'more', `tt${String(i).padStart(7, '0')}.jpg`), { seed: i, width: 60, height: 90 })
  const labels = join(t.dir, 'labels.csv')
  writeFileSync(labels, `Id,Genre\n${Array.from({ length: 12 }, (_, i) => `tt${String(i + 1).padStart(7, '0')},${i % 2 ? 'Drama' : 'Comedy'}`).join('\n')}\n`)
  const core = open(lib)
  const r = await importInto(core, [join(t.dir, 'posters')], labels)
  if (r.added !== 12) throw new Error(`the set-up import added ${r.added}`)
  await call(core, 'labels.edit', { ids: ['tt0000001'], add: ['War'] })
  await core.close()
  // Somewhere nobody may keep its list of recent libraries.
  mkdirSync(join(t.dir, 'state'), { mode: 0o777 })
  chmodSync(join(t.dir, 'state'), 0o777)
})
afterEach(() => t.cleanup())

const cli = (...args: string[]): SpawnSyncReturns<string> =>
  spawnSync(AS_NOBODY[0], [...AS_NOBODY.slice(1), process.execPath, CLI, ...args, '--library', lib], {
    encoding: 'utf8',
    timeout: 100_000,
    env: { ...process.env, HOME: join(t.dir, 'state'), POSTERITY_STATE_DIR: join(t.dir, 'state') },
  })

/** The library file's bytes and what is in its folder (besides SQLite's and the lock's side files). */
function onDisk(): { sha: string; files: string[]; runs: string[] } {
  const side = /^(library\.lock|library\.sqlite-(wal|shm))$/
  return {
    sha: createHash('sha256').update(readFileSync(join(lib, DB_FILE))).digest('hex'),
    files: readdirSync(lib, { recursive: true, encoding: 'utf8' }).filter((f) => !side.test(f)).sort(),
    runs: existsSync(join(lib, 'models')) ? readdirSync(join(lib, 'models')).filter((f) => f.startsWith('run-')) : [],
  }
}

/** What root sees when it opens the library again. */
async function state() {
  const core = open(lib)
  try {
    expectConsistent(core)
    return libraryState(core)
  } finally {
    await core.close()
  }
}

/** The command's last line on stderr says `plain` (progress lines may come before it); no raw error code anywhere. */
function saysPlainly(r: SpawnSyncReturns<string>, command: string, plain: RegExp): void {
  expect(r.status, r.stderr).not.toBe(0)
  const lines = r.stderr.trimEnd().split('\n')
  expect(lines.filter((l) => l.startsWith('posterity')), r.stderr).toEqual([lines[lines.length - 1]])
  expect(lines[lines.length - 1].startsWith(`posterity ${command}: `), r.stderr).toBe(true)
  expect(lines[lines.length - 1]).toMatch(plain)
  expect(r.stderr).not.toMatch(/EACCES|EPERM|SQLITE|readonly database|unable to open/)
}

const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

describe.skipIf(why !== null)('a library folder another user owns', () => {
  it('folder and file read-only to this user: each command says so in one line and nothing changes', async () => {
    const before = { disk: onDisk(), state: await state() }
    const folder = new RegExp(`cannot open the library in ${esc(lib)}: no permission to write in the library folder ${esc(lib)}( \\(library\\.lock\\))?: .*check the folder's owner and permissions \\(nothing was changed\\)`)
    saysPlainly(cli('import', join(t.dir, 'more')), 'import', folder)
    saysPlainly(cli('train', '--kind', 'cnn', '--epochs', '1'), 'train', folder)
    saysPlainly(cli('accept'), 'accept', folder)
    saysPlainly(cli('serve', '--port', '0'), 'serve', folder)
    // Reading needs to write too (the lock, SQLite's -shm file): the same reason, said plainly.
    saysPlainly(cli('stats', '--json'), 'stats', folder)
    saysPlainly(cli('export', '--format', 'csv'), 'export', folder)
    expect(onDisk()).toEqual(before.disk)
    expect(readdirSync(lib)).not.toContain('library.lock')
    expect(await state()).toEqual(before.state)
  }, 240_000)

  it('file read-only in a folder this user may write: reads work, every write says so plainly, nothing changes', async () => {
    chmodSync(lib, 0o777) // the lock and SQLite's side files can be made; the library file is root's, 0644
    const before = { disk: onDisk(), state: await state() }
    const file = new RegExp(`no permission to write the library file ${esc(join(lib, DB_FILE))}: check its owner and permissions \\(nothing was changed\\)`)

    const stats = cli('stats', '--json')
    expect(stats.status, stats.stderr).toBe(0)
    expect(JSON.parse(stats.stdout)).toMatchObject({ posters: 12, labelled: 12 })
    const csv = cli('export', '--format', 'csv')
    expect(csv.status, csv.stderr).toBe(0)
    expect(csv.stdout).toContain('tt0000001')

    const imp = cli('import', join(t.dir, 'more'))
    saysPlainly(imp, 'import', new RegExp(`import failed: the import stopped and was rolled back: ${file.source}`))
    const train = cli('train', '--kind', 'cnn', '--epochs', '1')
    saysPlainly(train, 'train', new RegExp(`the training stopped, nothing was kept: ${file.source}`))
    expect(train.stderr).not.toMatch(/epoch/) // refused before training, not after

    // The app (posterity serve) as that user: reads answer, each edit is refused with the same line.
    const serve = await startServeChild(lib, { HOME: join(t.dir, 'state'), POSTERITY_STATE_DIR: join(t.dir, 'state') }, AS_NOBODY)
    try {
      const ws = await connect(`${serve.origin.replace('http', 'ws')}/api?token=${serve.token}`, { origin: serve.origin })
      expect((await ws.ok<{ total: number }>('library.query', { limit: 5 })).total).toBe(12)
      for (const [channel, args] of [
        ['labels.edit', { ids: ['tt0000002'], add: ['Western'] }],
        ['genres.rename', { name: 'Drama', to: 'Dramatic' }],
        ['genres.merge', { from: 'Drama', into: 'Comedy' }],
        ['library.setMeta', { id: 'tt0000002', title: 'Changed' }],
        ['library.remove', { ids: ['tt0000003'] }],
      ] as const) {
        const env = await ws.call(channel, args)
        expect(env, channel).toMatchObject({ ok: false, error: { code: 'unsupported' } })
        expect(env.ok ? '' : env.error.message, channel).toMatch(new RegExp(`^${file.source}$`))
      }
      ws.close()
    } finally {
      expect(await serve.stop()).toBe(0)
    }
    expect(onDisk()).toEqual(before.disk)
    expect(await state()).toEqual(before.state)
  }, 240_000)

  it("training in a library whose models folder another user made: refused at once, naming the folder, no run kept", async () => {
    // The library is nobody's; its models folder root's (0755).
    for (const f of [lib, join(lib, DB_FILE), ...readdirSync(lib, { recursive: true, encoding: 'utf8' }).map((f) => join(lib, f))]) chownSync(f, NOBODY, NOBODY)
    mkdirSync(join(lib, 'models'), { mode: 0o755 })
    const before = { disk: onDisk(), state: await state() }
    for (const f of readdirSync(lib)) if (/^library\.sqlite-|^library\.lock$/.test(f)) chownSync(join(lib, f), NOBODY, NOBODY)
    const train = cli('train', '--kind', 'cnn', '--epochs', '1')
    saysPlainly(train, 'train', new RegExp(`the training stopped, nothing was kept: no permission to write in the library folder ${esc(lib)} \\(models/run-[^)]+\\): .*check the folder's owner and permissions`))
    expect(onDisk()).toEqual(before.disk)
    expect(await state()).toEqual(before.state)
    // The same user may still do what needs no models folder.
    const imp = cli('import', join(t.dir, 'more'))
    expect(imp.status, imp.stderr).toBe(0)
    expect(imp.stdout).toContain('2 added')
  }, 240_000)
})
