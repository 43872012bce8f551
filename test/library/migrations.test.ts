// Versioned schema: PRAGMA user_version, migrations run once, newer files refused.
import Database from 'better-sqlite3'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { DB_FILE, libraryMigrations, orderMigrations, type Migration } from '../../src/main/library/db'
import { LOCK_FILE } from '../../src/main/library/lock'
import { SCHEMA_VERSION, migrations, openLibraryDb as openDb } from '../../src/main/schema'
import { open, tempDir } from './helpers'

let t: ReturnType<typeof tempDir>
beforeEach(() => (t = tempDir()))
afterEach(() => t.cleanup())

describe('migrations', () => {
  it('brings a version-0 file up to the current schema, in WAL mode', () => {
    const raw = new Database(join(t.dir, DB_FILE))
    raw.exec('CREATE TABLE unrelated (x)') // an existing v0 file with something in it
    raw.close()
    const db = openDb(t.dir)
    expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION)
    expect(SCHEMA_VERSION).toBe(migrations.length)
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal')
    const tables = db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table'`).pluck().all()
    expect(tables).toEqual(expect.arrayContaining(['posters', 'genres', 'labels', 'history', 'imports', 'unrelated']))
    db.prepare(`INSERT INTO genres (name, position) VALUES ('Drama', 0)`).run()
    db.close()
    // Reopening runs nothing again and keeps the data.
    const again = openDb(t.dir)
    expect(again.prepare('SELECT name, slot FROM genres').all()).toEqual([{ name: 'Drama', slot: 0 }])
    again.close()
  })

  it('refuses a library written by a newer version, leaving it untouched', () => {
    const raw = new Database(join(t.dir, DB_FILE))
    raw.pragma(`user_version = ${SCHEMA_VERSION + 5}`)
    raw.close()
    expect(() => openDb(t.dir)).toThrow(/newer Posterity/)
    expect(() => open(t.dir)).toThrow(/newer Posterity/)
    const check = new Database(join(t.dir, DB_FILE))
    expect(check.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION + 5)
    check.close()
  })

  it('rolls back a failing migration as a whole', () => {
    const db = new Database(join(t.dir, DB_FILE))
    db.exec('CREATE TABLE posters (x)') // clashes with migration 1
    db.close()
    expect(() => openDb(t.dir)).toThrow(/already exists/)
    const check = new Database(join(t.dir, DB_FILE))
    expect(check.pragma('user_version', { simple: true })).toBe(0)
    expect(check.prepare(`SELECT COUNT(*) FROM sqlite_master WHERE name = 'genres'`).pluck().get()).toBe(0)
    check.close()
    // The failed open left no handle holding the lock either.
    expect(existsSync(join(t.dir, LOCK_FILE))).toBe(false)
  })

  it('composes every module\'s steps in the order libraries were written in', () => {
    // The order shipped libraries went through: a library at version N has run exactly these N steps.
    expect(migrations.map((m) => [m.version, m.owner])).toEqual([
      [1, 'library'],
      [2, 'model'],
      [3, 'model'],
      [4, 'library'],
      [5, 'collection'],
      [6, 'explore'],
      [7, 'library'],
      [8, 'explore'],
      [9, 'model'],
      [10, 'collection'],
    ])
    expect(SCHEMA_VERSION).toBe(10)
  })

  it('refuses a composition with a gap or two steps claiming one version', () => {
    const step = (version: number, owner: string): Migration => ({ version, owner, up: () => undefined })
    expect(orderMigrations([step(2, 'b')], [step(1, 'a')]).map((m) => m.owner)).toEqual(['a', 'b'])
    expect(() => orderMigrations(libraryMigrations)).toThrow(/library declares 4 where 2 is next/)
    expect(() => orderMigrations(migrations, [step(6, 'other')])).toThrow(/schema version 6 is claimed by both explore and other/)
  })

  it('opens a current-version library with data unchanged: no step runs again', () => {
    const first = openDb(t.dir)
    first.exec(`INSERT INTO genres (name, position) VALUES ('Drama', 0), ('Comedy', 1);
      INSERT INTO posters (id, hash, path, size, width, height, title, labelled, added_at) VALUES ('tt1', 'h1', '/x/1.jpg', 1, 1, 1, 'Heat', 1, 0);
      INSERT INTO labels VALUES ('tt1', 2, 'user');`)
    const schema = (db: Database.Database) => db.prepare(`SELECT type, name, sql FROM sqlite_master ORDER BY type, name`).all()
    const before = { schema: schema(first), posters: first.prepare('SELECT * FROM posters').all(), labels: first.prepare('SELECT * FROM labels').all() }
    first.close()
    const raw = new Database(join(t.dir, DB_FILE))
    expect(raw.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION)
    raw.close()
    const again = openDb(t.dir)
    expect(again.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION)
    expect({ schema: schema(again), posters: again.prepare('SELECT * FROM posters').all(), labels: again.prepare('SELECT * FROM labels').all() }).toEqual(before)
    again.close()
  })

  it('migrates a schema-2 library with posters: labels and masks kept, nfo allowed, keys and the search index filled', () => {
    const raw = new Database(join(t.dir, DB_FILE))
    for (let v = 0; v < 2; v++) migrations[v].up(raw)
    raw.pragma('user_version = 2')
    raw.exec(`INSERT INTO genres (name, position) VALUES ('Drama', 0), ('Comedy', 1);
      INSERT INTO posters (id, hash, path, size, width, height, title, labelled, added_at) VALUES
        ('tt1', 'h1', '/x/1.jpg', 1, 1, 1, 'Amélie', 1, 0), ('tt2', 'h2', '/x/2.jpg', 1, 1, 1, 'Rocky 10', 0, 0), ('tt3', 'h3', '/x/3.jpg', 1, 1, 1, 'Rocky 2', 0, 0);
      INSERT INTO labels VALUES ('tt1', 2, 'user');
      -- What another engineer's migration might have added on labels: it must survive the rebuild.
      CREATE INDEX labels_by_source_x ON labels(source);`)
    expect(() => raw.prepare(`INSERT INTO labels VALUES ('tt2', 1, 'nfo')`).run()).toThrow(/CHECK/)
    raw.close()
    const db = openDb(t.dir)
    expect(db.prepare('SELECT genre_mask FROM posters WHERE id = ?').pluck().get('tt1')).toBe(2)
    expect(db.prepare('SELECT source FROM labels').pluck().all()).toEqual(['user'])
    expect(db.prepare(`SELECT COUNT(*) FROM sqlite_master WHERE name = 'labels_by_source_x'`).pluck().get()).toBe(1)
    db.prepare(`INSERT INTO labels VALUES ('tt2', 1, 'nfo')`).run()
    expect(db.prepare('SELECT genre_mask FROM posters WHERE id = ?').pluck().get('tt2')).toBe(1) // triggers recreated
    expect(db.prepare('SELECT id, source_mask FROM posters ORDER BY id').raw().all()).toEqual([['tt1', 2], ['tt2', 8], ['tt3', 0]])
    db.prepare(`UPDATE labels SET source = 'prediction' WHERE poster_id = 'tt1'`).run()
    db.prepare(`INSERT INTO labels VALUES ('tt1', 1, 'user')`).run()
    expect(db.prepare('SELECT source_mask FROM posters WHERE id = ?').pluck().get('tt1')).toBe(6)
    db.prepare(`DELETE FROM labels WHERE poster_id = 'tt1' AND source = 'prediction'`).run()
    expect(db.prepare('SELECT source_mask FROM posters WHERE id = ?').pluck().get('tt1')).toBe(2)
    expect(db.prepare(`SELECT id FROM posters WHERE rowid IN (SELECT rowid FROM posters_fts WHERE posters_fts MATCH '"amelie"')`).pluck().all()).toEqual(['tt1'])
    expect(db.prepare('SELECT id FROM posters ORDER BY sort_key').pluck().all()).toEqual(['tt1', 'tt3', 'tt2'])
    db.close()
  })
})

describe('label sources', () => {
  it("admits 'nfo' labels and keeps labels, masks, indexes and triggers through the rebuild", () => {
    const db = openDb(t.dir)
    const sql = db.prepare(`SELECT sql FROM sqlite_master WHERE name = 'labels'`).pluck().get() as string
    expect(sql).toContain(`'prediction', 'nfo'`)
    db.prepare(`INSERT INTO genres (name, position) VALUES ('Drama', 0)`).run()
    db.prepare(`INSERT INTO posters (id, hash, path, size, width, height, added_at) VALUES ('p', 'h', '/p', 1, 1, 1, 0)`).run()
    db.prepare(`INSERT INTO labels (poster_id, genre_id, source) VALUES ('p', 1, 'nfo')`).run()
    // The mask trigger survived the rebuild.
    expect(db.prepare(`SELECT genre_mask FROM posters WHERE id = 'p'`).pluck().get()).toBe(1)
    expect(() => db.prepare(`INSERT INTO labels (poster_id, genre_id, source) VALUES ('p', 1, 'bogus')`).run()).toThrow(/CHECK/)
    const names = db.prepare(`SELECT name FROM sqlite_master WHERE tbl_name = 'labels'`).pluck().all()
    expect(names).toEqual(expect.arrayContaining(['labels', 'labels_genre', 'labels_mask_add', 'labels_mask_remove', 'labels_mask_move']))
    db.close()
  })
})

describe('upgrading a library with data', () => {
  /** A library at schema `v` with posters, labels and a history entry, written by the migrations of that time. */
  function oldLibrary(v: number): void {
    const raw = new Database(join(t.dir, DB_FILE))
    raw.pragma('journal_mode = WAL')
    for (let i = 0; i < v; i++) migrations[i].up(raw)
    raw.pragma(`user_version = ${v}`)
    raw.exec(`INSERT INTO genres (name, position) VALUES ('Drama', 0), ('Comedy', 1);
      INSERT INTO posters (id, hash, path, size, width, height, title, labelled, added_at) VALUES
        ('tt1', 'h1', '/x/1.jpg', 1, 1, 1, 'Amélie', 1, 0), ('tt2', 'h2', '/x/2.jpg', 1, 1, 1, 'Rocky', 1, 0);
      INSERT INTO labels VALUES ('tt1', 1, 'user'), ('tt2', 2, 'imported');
      INSERT INTO history (at, description, changes, posters) VALUES (1, 'old edit', '[]', 1);`)
    raw.close()
  }

  it('backs the file up first (library.sqlite.bak-v<N>), then upgrades it keeping the data', () => {
    oldLibrary(3)
    const db = openDb(t.dir)
    try {
      expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION)
      expect(db.prepare('SELECT p.id, g.name FROM labels l JOIN posters p ON p.id = l.poster_id JOIN genres g ON g.id = l.genre_id ORDER BY p.id').raw().all()).toEqual([
        ['tt1', 'Drama'],
        ['tt2', 'Comedy'],
      ])
      // The history of before the upgrade is measured for its byte limit.
      expect(db.prepare('SELECT bytes FROM history').pluck().get()).toBe(2)
    } finally {
      db.close()
    }
    const bak = new Database(join(t.dir, `${DB_FILE}.bak-v3`), { readonly: true })
    try {
      expect(bak.pragma('user_version', { simple: true })).toBe(3)
      expect(bak.pragma('integrity_check', { simple: true })).toBe('ok')
      expect(bak.prepare('SELECT id, title FROM posters ORDER BY id').raw().all()).toEqual([
        ['tt1', 'Amélie'],
        ['tt2', 'Rocky'],
      ])
    } finally {
      bak.close()
    }
  })

  it('leaves the file as it was when a later migration fails (all pending migrations are one transaction)', () => {
    oldLibrary(3)
    // What migration 7 creates already exists: it fails after 4, 5 and 6 ran.
    const raw = new Database(join(t.dir, DB_FILE))
    raw.exec('CREATE TABLE history_dropped (x)')
    raw.close()
    expect(() => openDb(t.dir)).toThrow(/history_dropped/)
    const check = new Database(join(t.dir, DB_FILE), { readonly: true })
    try {
      expect(check.pragma('user_version', { simple: true })).toBe(3)
      // None of migrations 4-6 (library v3, collections, explore) left anything behind.
      expect(check.prepare(`SELECT COUNT(*) FROM sqlite_master WHERE name IN ('collections', 'duplicate_decisions')`).pluck().get()).toBe(0)
      expect(check.prepare('SELECT COUNT(*) FROM labels').pluck().get()).toBe(2)
    } finally {
      check.close()
    }
  })
})
