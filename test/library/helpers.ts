// Test helpers: temp libraries (real SQLite files), posters inserted directly, and images made by sharp.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { deflateSync } from 'node:zlib'
import sharp from 'sharp'
import { afterEach, beforeEach, expect } from 'vitest'
import { openCore, type Core } from '../../src/main/core'
import { startImport } from '../../src/main/importer/handlers'
import { SOURCE_BIT } from '../../src/main/library/db'
import type { Event, EventName } from '../../src/shared/api'

export function tempDir(prefix = 'posterity-test-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) }
}

/** Calls a command through dispatch (validation on both sides); throws the envelope's error. */
export async function call<T = any>(core: Core, channel: string, args: unknown = {}): Promise<T> {
  const env = await core.dispatch(channel, args)
  if (!env.ok) throw Object.assign(new Error(env.error.message), { code: env.error.code })
  return env.value as T
}

export function recordEvents(core: Core): { events: { name: EventName; payload: any }[]; of<N extends EventName>(n: N): Event<N>[] } {
  const events: { name: EventName; payload: any }[] = []
  core.events.onAny((name, payload) => events.push({ name, payload }))
  return { events, of: (n) => events.filter((e) => e.name === n).map((e) => e.payload) }
}

export interface SeedPoster {
  id: string
  title?: string | null
  year?: number | null
  genres?: string[] | null // null: unlabelled
  hash?: string
  addedAt?: number
}

/** Inserts posters directly (library tests do not need images). */
export function seed(core: Core, posters: SeedPoster[]): void {
  const db = core.db
  const genre = (name: string) => {
    const found = db.prepare('SELECT id FROM genres WHERE name = ?').pluck().get(name) as number | undefined
    if (found !== undefined) return found
    const pos = db.prepare('SELECT COUNT(*) FROM genres').pluck().get() as number
    return Number(db.prepare('INSERT INTO genres (name, position) VALUES (?, ?)').run(name, pos).lastInsertRowid)
  }
  db.transaction(() => {
    posters.forEach((p, i) => {
      db.prepare(
        `INSERT INTO posters (id, hash, path, size, width, height, title, year, labelled, added_at)
         VALUES (?, ?, ?, 100, 300, 450, ?, ?, ?, ?)`,
      ).run(p.id, p.hash ?? `hash-${p.id}`, `/nowhere/${p.id}.jpg`, p.title ?? null, p.year ?? null, p.genres ? 1 : 0, p.addedAt ?? 1000 + i)
      for (const g of p.genres ?? []) {
        db.prepare(`INSERT INTO labels (poster_id, genre_id, source) VALUES (?, ?, 'imported')`).run(p.id, genre(g))
      }
    })
    db.exec(`UPDATE posters SET dup = (SELECT COUNT(*) FROM posters q WHERE q.hash = posters.hash) > 1`)
  })()
}

/** Imports `paths` (with a labels file) through the importer; its result, or a throw when it failed. */
export async function importInto(core: Core, paths: string[], labels?: string) {
  const r = await (await startImport(core, { paths, labels })).promise
  if (!r) throw new Error('import failed')
  return r
}

/**
 * Every poster as [id, labelled, ["Genre:source", ...]] in id order: what an export and a
 * re-import must keep. `sorted` orders each poster's genres by name (a re-import may list
 * them in another order).
 */
export const labelsWithSources = async (core: Core, sorted = false) =>
  ((await call(core, 'library.query', { sort: 'id' })).items as { id: string; labelled: boolean; genres: string[]; sources: string[] }[]).map((p) => {
    const genres = p.genres.map((g, i) => `${g}:${p.sources[i]}`)
    return [p.id, p.labelled, sorted ? genres.sort() : genres]
  })

export function open(dir: string): Core {
  return openCore({ libraryDir: dir })
}

export interface TestLibrary {
  /** The temp folder of this test (removed after it). */
  readonly dir: string
  /** The library folder: `dir`, or `dir/<sub>`. */
  readonly lib: string
  readonly core: Core
  /** Closes the core and opens the same library again (what a restart does). */
  reopen(): Promise<Core>
}

/**
 * A fresh library for each test of the file: a real SQLite library in a temp folder, seeded
 * with `seed`, opened before each test and closed and removed after it. `before` runs first
 * with the temp folder (environment, files the opening must find).
 */
export function useLibrary(opts: { seed?: SeedPoster[]; sub?: string; before?: (dir: string) => void; after?: () => void } = {}): TestLibrary {
  let t: ReturnType<typeof tempDir> | undefined
  let core: Core | undefined
  const lib = () => (opts.sub ? join(t!.dir, opts.sub) : t!.dir)
  beforeEach(() => {
    t = tempDir()
    opts.before?.(t.dir)
    core = open(lib())
    if (opts.seed) seed(core, opts.seed)
  })
  afterEach(async () => {
    await core?.close()
    opts.after?.()
    t?.cleanup()
    core = t = undefined
  })
  return {
    get dir() {
      return t!.dir
    },
    get lib() {
      return lib()
    },
    get core() {
      return core!
    },
    async reopen() {
      await core!.close()
      return (core = open(lib()))
    },
  }
}

/**
 * The library as a user sees it, to compare before and after a change: every poster row (its
 * genre mask left out: a genre deleted and restored may get another bit, expectConsistent
 * checks the masks), each label with its source, the genres in order and the history.
 */
export function libraryState(core: Core) {
  const db = core.db
  return {
    posters: (db.prepare('SELECT * FROM posters ORDER BY id').all() as Record<string, unknown>[]).map(({ genre_mask: _, ...rest }) => rest),
    labels: db.prepare('SELECT l.poster_id, g.name, l.source FROM labels l JOIN genres g ON g.id = l.genre_id ORDER BY 1, 2').raw().all(),
    genres: db.prepare('SELECT name, position FROM genres ORDER BY position').raw().all(),
    predictions: db.prepare("SELECT name FROM sqlite_master WHERE name = 'predictions'").get() ? db.prepare('SELECT * FROM predictions ORDER BY 1, 2').raw().all() : [],
    history: db.prepare('SELECT description, undone, pending FROM history ORDER BY id').raw().all(),
  }
}

/** SQLite's own checks, and the columns kept by triggers agree with the rows they derive from. */
export function expectConsistent(core: Core): void {
  const db = core.db
  expect(db.pragma('integrity_check', { simple: true })).toBe('ok')
  expect(db.prepare('PRAGMA foreign_key_check').all()).toEqual([])
  const bits = `CASE l.source ${Object.entries(SOURCE_BIT).map(([k, b]) => `WHEN '${k}' THEN ${b}`).join(' ')} ELSE 0 END`
  const wrong = db
    .prepare(
      `SELECT p.id FROM posters p WHERE
         p.genre_mask <> (SELECT COALESCE(SUM(1 << g.slot), 0) FROM labels l JOIN genres g ON g.id = l.genre_id WHERE l.poster_id = p.id AND g.slot IS NOT NULL)
         OR p.source_mask <> (SELECT COALESCE(SUM(DISTINCT ${bits}), 0) FROM labels l WHERE l.poster_id = p.id)
         OR p.dup <> ((SELECT COUNT(*) FROM posters q WHERE q.hash = p.hash) > 1)
       LIMIT 5`,
    )
    .pluck()
    .all()
  expect(wrong, 'posters whose masks or duplicate flag disagree with their rows').toEqual([])
  expect(db.prepare('SELECT COUNT(*) FROM history WHERE pending IS NOT NULL').pluck().get()).toBe(0)
  const positions = db.prepare('SELECT position FROM genres ORDER BY position').pluck().all()
  expect(positions).toEqual(positions.map((_, i) => i))
}

// ---- images ----

export async function jpeg(path: string, opts: { width?: number; height?: number; color?: string; seed?: number } = {}): Promise<void> {
  const w = opts.width ?? 120
  const h = opts.height ?? 180
  // Noise makes each image distinct (distinct hashes) unless the seed repeats.
  let s = opts.seed ?? Math.floor(Math.random() * 1e9)
  const raw = Buffer.alloc(w * h * 3)
  for (let i = 0; i < raw.length; i++) {
    s = (s * 1103515245 + 12345) >>> 0
    raw[i] = s >>> 24
  }
  await sharp(raw, { raw: { width: w, height: h, channels: 3 } }).jpeg({ quality: 80 }).toFile(path)
}

export async function png(path: string, opts: { width?: number; height?: number; alpha?: boolean; grey?: boolean } = {}): Promise<void> {
  const w = opts.width ?? 100
  const h = opts.height ?? 150
  let img = sharp({ create: { width: w, height: h, channels: opts.alpha ? 4 : 3, background: opts.alpha ? { r: 200, g: 0, b: 0, alpha: 0 } : '#336699' } })
  if (opts.grey) img = img.greyscale()
  await img.png().toFile(path)
}

function crc32(buf: Buffer): number {
  let crc = 0xffffffff
  for (const b of buf) {
    let c = (crc ^ b) & 0xff
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
    crc = (crc >>> 8) ^ c
  }
  return (crc ^ 0xffffffff) >>> 0
}

function chunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4)
  len.writeUInt32BE(data.length)
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data])
  const crc = Buffer.alloc(4)
  crc.writeUInt32BE(crc32(body))
  return Buffer.concat([len, body, crc])
}

/** A "pixel bomb": a valid PNG header claiming width x height, with a tiny body. */
export function pngBomb(path: string, width = 30_000, height = 30_000): void {
  const ihdr = Buffer.alloc(13)
  ihdr.writeUInt32BE(width, 0)
  ihdr.writeUInt32BE(height, 4)
  ihdr[8] = 8 // bit depth
  ihdr[9] = 2 // RGB
  const sig = Buffer.from([137, 80, 78, 71, 13, 10, 26, 10])
  writeFileSync(path, Buffer.concat([sig, chunk('IHDR', ihdr), chunk('IDAT', deflateSync(Buffer.alloc(64))), chunk('IEND', Buffer.alloc(0))]))
}
