// The embedding cache: one float32 BLOB per (content hash, backbone, feature version).
import type Database from 'better-sqlite3'

type Db = Database.Database

export interface FeatureKey {
  backbone: string
  features: string
}

const CHUNK = 2000

/** The hashes among `hashes` with no cached vector for this key. */
export function missingHashes(db: Db, key: FeatureKey, hashes: string[]): string[] {
  const have = new Set<string>()
  const q = db.prepare('SELECT hash FROM embeddings WHERE backbone = ? AND features = ? AND hash IN (SELECT value FROM json_each(?))').pluck()
  const unique = [...new Set(hashes)]
  for (let i = 0; i < unique.length; i += CHUNK) {
    for (const h of q.all(key.backbone, key.features, JSON.stringify(unique.slice(i, i + CHUNK))) as string[]) have.add(h)
  }
  return unique.filter((h) => !have.has(h))
}

export function putEmbeddings(db: Db, key: FeatureKey, rows: { hash: string; vector: Float32Array }[]): void {
  const ins = db.prepare(
    'INSERT OR REPLACE INTO embeddings (hash, backbone, features, dims, vector, created_at) VALUES (?, ?, ?, ?, ?, ?)',
  )
  const now = Date.now()
  db.transaction(() => {
    for (const r of rows) ins.run(r.hash, key.backbone, key.features, r.vector.length, Buffer.from(r.vector.buffer, r.vector.byteOffset, r.vector.byteLength), now)
  })()
}

/** Cached vectors by hash (absent hashes are missing from the map). */
export function readEmbeddings(db: Db, key: FeatureKey, hashes: string[]): Map<string, Float32Array> {
  const out = new Map<string, Float32Array>()
  const q = db.prepare('SELECT hash, vector FROM embeddings WHERE backbone = ? AND features = ? AND hash IN (SELECT value FROM json_each(?))')
  const unique = [...new Set(hashes)]
  for (let i = 0; i < unique.length; i += CHUNK) {
    for (const r of q.all(key.backbone, key.features, JSON.stringify(unique.slice(i, i + CHUNK))) as { hash: string; vector: Buffer }[]) {
      // Copy: the Buffer may share a pool and be unaligned for a Float32Array view.
      const bytes = new Uint8Array(r.vector)
      out.set(r.hash, new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4))
    }
  }
  return out
}

export function countEmbedded(db: Db, key: FeatureKey): number {
  return db
    .prepare('SELECT COUNT(DISTINCT p.hash) FROM posters p JOIN embeddings e ON e.hash = p.hash AND e.backbone = ? AND e.features = ?')
    .pluck()
    .get(key.backbone, key.features) as number
}

/** Posters (not artworks: byte-identical copies count each) with a cached embedding of `key`. */
export function postersEmbedded(db: Db, key: FeatureKey): number {
  return db
    .prepare('SELECT COUNT(*) FROM posters p WHERE EXISTS (SELECT 1 FROM embeddings e WHERE e.hash = p.hash AND e.backbone = ? AND e.features = ?)')
    .pluck()
    .get(key.backbone, key.features) as number
}
