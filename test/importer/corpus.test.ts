// The whole bad-input corpus (test/importer/corpus.ts) through the real importer: every bad
// item gets its own one-line reason naming the file escaped, every good poster imports, the
// library stays consistent, and nothing hangs (each test has a time limit).
import { spawnSync } from 'node:child_process'
import { chmodSync, existsSync, mkdirSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import type { Core } from '../../src/main/core'
import { startImport } from '../../src/main/importer/handlers'
import { thumbPath } from '../../src/main/library/thumbs'
import { printable } from '../../src/shared/printable'
import { CLI } from '../../scripts/harness'
import { jpeg, open, useLibrary } from '../library/helpers'
import { writeImageCorpus, writeTableCorpus } from './corpus'

const t = useLibrary({
  sub: 'lib',
  // The unreadable items, so that the folder can be removed.
  after: () => void spawnSync('chmod', ['-R', 'u+rwx', t.dir]),
})

const matches = (text: string, want: string | RegExp) => (typeof want === 'string' ? text === want : want.test(text))
// Raw control characters (escapes, newlines, bidi overrides) must never reach a message.
const RAW_CONTROLS = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/

describe('the bad-input corpus, mixed with good posters', () => {
  it('imports every good poster, skips every bad file with its own reason, and leaves a consistent library', async () => {
    const c = await writeImageCorpus(t.dir)
    for (const why of c.notHere) console.warn(`corpus: left out here: ${why}`)
    const r = (await (await (await startImport(t.core, { paths: [c.root] }))).promise)!
    expect(r).not.toBeNull()

    const reasons = new Map(r.skipped.map((s) => [s.path, s.reason]))
    for (const b of c.bad) {
      const got = reasons.get(b.path)
      expect(got, `no reason for ${printable(b.path)}`).toBeDefined()
      expect(matches(got!, b.reason), `${printable(b.path)}: ${got}`).toBe(true)
      expect(got).not.toMatch(RAW_CONTROLS)
    }
    expect(r.skipped.map((s) => printable(s.path)).sort()).toEqual(c.bad.map((b) => printable(b.path)).sort())

    expect(r.added).toBe(c.good.length)
    const rows = t.core.db.prepare('SELECT id, path, hash, width, height, title FROM posters').all() as { id: string; path: string; hash: string; width: number; height: number; title: string | null }[]
    expect(rows.map((p) => p.path).sort()).toEqual(c.good.map((g) => g.path).sort())
    for (const p of rows) {
      expect(existsSync(thumbPath(join(t.dir, 'lib'), p.hash)), `thumbnail of ${printable(p.path)}`).toBe(true)
      expect(p.width * p.height).toBeGreaterThan(0)
    }
    // The animated GIF is one poster of its first frame's size.
    expect(rows.find((p) => p.path.endsWith('animated.gif'))).toMatchObject({ width: 60, height: 90 })

    for (const w of c.warnings) expect(r.warnings.some((x) => matches(x, w)), `warning ${w} among ${JSON.stringify(r.warnings)}`).toBe(true)
    for (const w of r.warnings) expect(w).not.toMatch(RAW_CONTROLS)
    // What the external entity would have read appears nowhere.
    for (const s of c.secrets) {
      expect(JSON.stringify(r)).not.toContain(s)
      expect(JSON.stringify(rows)).not.toContain(s)
    }

    // Consistent: SQLite's own checks, the import recorded as done, no label without a poster.
    expect(t.core.db.prepare('PRAGMA integrity_check').pluck().get()).toBe('ok')
    expect(t.core.db.prepare('PRAGMA foreign_key_check').all()).toEqual([])
    expect(t.core.db.prepare('SELECT status FROM imports').pluck().all()).toEqual(['done'])
    expect(t.core.db.prepare('SELECT COUNT(*) FROM labels WHERE poster_id NOT IN (SELECT id FROM posters)').pluck().get()).toBe(0)

    // Again: nothing changes, nothing new is skipped or added.
    const again = (await (await (await startImport(t.core, { paths: [c.root] }))).promise)!
    expect(again).toMatchObject({ added: 0, updated: 0, unchanged: c.good.length })
    expect(again.skipped).toHaveLength(c.bad.length)
  }, 120_000)

  it('names each bad file escaped, on a line of its own, in the CLI summary', async () => {
    const c = await writeImageCorpus(t.dir)
    const res = spawnSync(process.execPath, [CLI, 'import', c.root, '--library', join(t.dir, 'cli-lib')], { encoding: 'utf8', timeout: 100_000 })
    expect(res.status, res.stderr).toBe(0)
    const lines = res.stdout.split('\n')
    for (const b of c.bad) {
      const want = `  ${printable(b.path)}: `
      const line = lines.find((l) => l.startsWith(want))
      expect(line, `no summary line for ${printable(b.path)}`).toBeDefined()
      expect(matches(line!.slice(want.length), b.reason), line).toBe(true)
    }
    for (const l of lines) expect(l).not.toMatch(RAW_CONTROLS)
    expect(res.stdout).toContain(`${c.good.length} added, 0 updated`)
  }, 120_000)
})

// With embedding during the import, the model worker's decode is the import's check for the
// posters that are their own thumbnails (importer/run.ts): the same verdicts must come out.
const modelsDir = process.env.POSTERITY_MODELS ?? join(__dirname, '../../../shared/models')
const haveBackbone = existsSync(join(modelsDir, 'mobilenetv2-12-int8.onnx'))
if (!haveBackbone) console.warn(`[test/importer] no backbone in ${modelsDir}: skipping the corpus imported with embedding (set POSTERITY_MODELS)`)
describe.skipIf(!haveBackbone)('the bad-input corpus imported with embedding during the import', () => {
  it('skips the same files with the same reasons and imports the same posters as a plain import', async () => {
    const c = await writeImageCorpus(join(t.dir, 'embed'))
    const r = (await (await (await startImport(t.core, { paths: [c.root], embed: true }))).promise)!
    const reasons = new Map(r.skipped.map((s) => [s.path, s.reason]))
    for (const b of c.bad) {
      const got = reasons.get(b.path)
      expect(got, `no reason for ${printable(b.path)}`).toBeDefined()
      expect(matches(got!, b.reason), `${printable(b.path)}: ${got}`).toBe(true)
    }
    expect(r.skipped).toHaveLength(c.bad.length)
    expect(r.added).toBe(c.good.length)
    // Every poster kept has its thumbnail; no refused file left one behind.
    const hashes = t.core.db.prepare('SELECT hash FROM posters').pluck().all() as string[]
    for (const h of hashes) expect(existsSync(thumbPath(join(t.dir, 'lib'), h))).toBe(true)
    expect(readdirSync(join(t.dir, 'lib', 'thumbs'), { recursive: true }).filter((f) => String(f).endsWith('.jpg') || String(f).endsWith('.webp'))).toHaveLength(new Set(hashes).size)
    expect(r.warnings.filter((w) => /features of/.test(w))).toEqual([])
  }, 120_000)
})

// Root reads chmod 000 files, so the corpus leaves them out when the tests run as root; here
// root runs the CLI as nobody (setpriv), for whom they are unreadable.
const asRoot = typeof process.getuid === 'function' && process.getuid() === 0
const setpriv = ['/usr/bin/setpriv', '/bin/setpriv'].find((p) => existsSync(p))
describe.skipIf(!asRoot || !setpriv)('unreadable files and folders, when the tests run as root', () => {
  it('skips each with "permission denied" as a user who cannot read them, and imports the rest', async () => {
    const root = join(t.dir, 'as-nobody')
    mkdirSync(join(root, 'posters', 'locked-folder'), { recursive: true })
    chmodSync(t.dir, 0o755)
    chmodSync(root, 0o777) // nobody writes the library here
    await jpeg(join(root, 'posters', 'tt0000001.jpg'), { seed: 1 })
    await jpeg(join(root, 'posters', 'locked.jpg'), { seed: 2 })
    await jpeg(join(root, 'posters', 'locked-folder', 'tt0000003.jpg'), { seed: 3 })
    for (const p of ['posters', 'posters/tt0000001.jpg']) chmodSync(join(root, p), 0o755)
    chmodSync(join(root, 'posters', 'locked.jpg'), 0)
    chmodSync(join(root, 'posters', 'locked-folder'), 0)
    const res = spawnSync(setpriv!, ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, CLI, 'import', join(root, 'posters'), '--library', join(root, 'lib')], {
      encoding: 'utf8',
      timeout: 100_000,
      env: { ...process.env, HOME: root, POSTERITY_STATE_DIR: join(root, 'state') },
    })
    expect(res.status, res.stderr).toBe(0)
    expect(res.stdout).toContain('1 added, 0 updated')
    expect(res.stdout).toContain(`  ${join(root, 'posters', 'locked.jpg')}: unreadable: permission denied\n`)
    expect(res.stdout).toContain(`  ${join(root, 'posters', 'locked-folder')}: folder cannot be read: permission denied\n`)
  }, 120_000)
})

describe('the label and metadata files of the corpus', () => {
  const genresOf = (c: Core, id: string) =>
    (c.db.prepare('SELECT g.name FROM labels l JOIN genres g ON g.id = l.genre_id WHERE l.poster_id = ?').pluck().all(id) as string[]).sort()
  const exactly = (s: string) => new RegExp(`^${s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`)

  it('refuses each unusable file with its own message and reads the others (a 100 MB of garbage and a million rows included)', async () => {
    const posters = join(t.dir, 'posters')
    mkdirSync(posters)
    for (let i = 1; i <= 3; i++) await jpeg(join(posters, `tt000000${i}.jpg`), { seed: i })
    const items = writeTableCorpus(t.dir, { bigMb: 100, millionRows: 1_000_000 })
    for (const [k, item] of items.entries()) {
      // A library of its own for each file.
      const lib = open(join(t.dir, `lib-${k}`))
      try {
        const started = startImport(lib, { paths: [posters], [item.as]: item.path })
        if (item.error) {
          await expect(started, item.name).rejects.toThrow(item.error instanceof RegExp ? item.error : exactly(item.error))
          expect(lib.db.prepare('SELECT COUNT(*) FROM posters').pluck().get(), item.name).toBe(0) // refused before any work
          continue
        }
        const r = (await (await started).promise)!
        expect(r.added, item.name).toBe(3)
        for (const w of item.warnings ?? []) expect(r.warnings.some((x) => matches(x, w)), `${item.name}: ${w} among ${JSON.stringify(r.warnings)}`).toBe(true)
        for (const w of r.warnings) expect(w, item.name).not.toMatch(RAW_CONTROLS)
        if (item.warnings?.length === 0) expect(r.warnings, item.name).toEqual([])
        for (const [id, want] of Object.entries(item.labels ?? {})) expect(genresOf(lib, id), `${item.name}: ${id}`).toEqual([...want].sort())
      } finally {
        await lib.close()
      }
    }
  }, 300_000)
})
