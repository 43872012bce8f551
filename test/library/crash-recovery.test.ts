// A process killed (SIGKILL) in the middle of an import: the next process that opens the
// library rolls the import back, but keeps the posters a person edited meanwhile, with their
// edits, and every history entry it keeps still undoes something.
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { DB_FILE } from '../../src/main/library/db'
import { call, jpeg, open, tempDir } from './helpers'
import { killable, mod } from './killable'

let t: ReturnType<typeof tempDir>
beforeEach(() => (t = tempDir()))
afterEach(() => t.cleanup())

/**
 * A child process that imports `src` into `lib` in small batches and, once some posters are
 * committed, edits two of them (labels; title and year) while the import goes on; it prints the
 * edited ids and keeps importing until killed.
 */
function importer(lib: string, src: string) {
  const code = `
    const { openCore } = await import(${mod('src/main/core.ts')})
    const { startImport } = await import(${mod('src/main/importer/handlers.ts')})
    const core = openCore({ libraryDir: ${JSON.stringify(lib)} })
    const ok = async (ch, args) => { const e = await core.dispatch(ch, args); if (!e.ok) throw new Error(e.error.message); return e.value }
    startImport(core, { paths: [${JSON.stringify(src)}] }, { batchSize: 5, concurrency: 1 })
    const count = () => core.db.prepare('SELECT COUNT(*) FROM posters').pluck().get()
    while (count() < 10) await new Promise((r) => setTimeout(r, 5))
    const [a, b, c] = core.db.prepare('SELECT id FROM posters ORDER BY id LIMIT 3').pluck().all()
    await ok('labels.edit', { ids: [a], add: ['Film-Noir'] })
    await ok('library.setMeta', { id: b, title: 'Renamed by hand', year: 1950 })
    // An edit undone again still names c: its redo must keep working, so c stays too.
    await ok('labels.edit', { ids: [c], add: ['Western'] })
    await ok('labels.undo', {})
    console.log(JSON.stringify({ a, b, c, committed: count() }))
    setInterval(() => {}, 1000)
  `
  return killable(code)
}

describe('an import killed mid-way', () => {
  it('is rolled back at the next open, keeping the posters a person edited meanwhile and their history', async () => {
    const src = join(t.dir, 'posters')
    const lib = join(t.dir, 'lib')
    mkdirSync(src)
    for (let i = 0; i < 150; i++) await jpeg(join(src, `tt${String(3000 + i).padStart(7, '0')}.jpg`), { seed: i + 1, width: 60, height: 90 })

    const child = importer(lib, src)
    const edited = JSON.parse(await child.said) as { a: string; b: string; c: string; committed: number }
    await child.kill()

    // Still 'running' in the file: nothing rolled it back yet.
    const raw = new Database(join(lib, DB_FILE), { readonly: true })
    const left = raw.prepare('SELECT COUNT(*) FROM posters').pluck().get() as number
    expect(raw.prepare(`SELECT status FROM imports`).pluck().get()).toBe('running')
    raw.close()
    expect(left).toBeGreaterThanOrEqual(edited.committed)
    expect(left).toBeLessThan(150) // killed before the end

    const core = open(lib)
    try {
      // Only the edited posters stay, with their edits.
      const ids = (await call(core, 'library.query', { limit: 500 })).items.map((p: { id: string }) => p.id).sort()
      expect(ids).toEqual([edited.a, edited.b, edited.c].sort())
      expect((await call(core, 'library.get', { id: edited.a })).genres).toEqual(['Film-Noir'])
      expect(await call(core, 'library.get', { id: edited.b })).toMatchObject({ title: 'Renamed by hand', year: 1950 })
      const imp = core.db.prepare('SELECT status, result FROM imports').get() as { status: string; result: string }
      expect(imp.status).toBe('failed')
      expect(JSON.parse(imp.result)).toMatchObject({ removed: left - 3, kept: 3 })

      // Every entry left does something: redo puts Western back on c, then undo (three times) takes each edit off again.
      const redo = await call(core, 'labels.redo', {})
      expect(redo.changed).toEqual([edited.c])
      for (const [id, check] of [
        [edited.c, (p: any) => expect(p.genres).toEqual([])],
        [edited.b, (p: any) => expect(p.title).not.toBe('Renamed by hand')],
        [edited.a, (p: any) => expect(p.genres).toEqual([])],
      ] as const) {
        const u = await call(core, 'labels.undo', {})
        expect(u.changed).toEqual([id])
        check(await call(core, 'library.get', { id }))
      }
      expect(core.db.pragma('integrity_check', { simple: true })).toBe('ok')
    } finally {
      await core.close()
    }
  })
})
