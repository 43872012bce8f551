// Titles and years by poster id, for a metadata file of millions of rows. A Map of one object
// per row costs ~8x the file (a string for the id, one for the title, an object and a map
// entry: ~250 bytes for a 35-byte row); here each row is its id and title as bytes in one pool,
// a start offset, its year and two slots of an open-addressing hash table: ~15 bytes besides
// the text. Rows are decoded into a MetaRow only when asked for.
import type { MetaRow } from './metadata'

const EMPTY = -1

/** FNV-1a over the id's characters (ids are ASCII: the schema allows letters, digits and . _ : -). */
function hash(id: string): number {
  let h = 0x811c9dc5
  for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 0x01000193)
  return h >>> 0
}

/** The same hash over an id's bytes in the pool (no string made to rehash a million rows). */
function hashBytes(pool: Buffer, from: number, to: number): number {
  let h = 0x811c9dc5
  for (let i = from; i < to; i++) h = Math.imul(h ^ pool[i], 0x01000193)
  return h >>> 0
}

const ASCII_ID = /^[\x21-\x7e]+$/

/** A typed array of `n` elements holding `old`'s (the array grows by half, so its slack stays a third at most). */
function grown<T extends Uint32Array | Uint16Array | Uint8Array>(old: T, n: number): T {
  const next = new (old.constructor as new (n: number) => T)(n)
  next.set(old)
  return next
}

export class MetaTable {
  /** Each row's id then its title, UTF-8; row r spans start[r] to start[r + 1] (or `used`). */
  private pool = Buffer.allocUnsafe(1 << 16)
  private used = 0
  private start = new Uint32Array(1024)
  private idLen = new Uint8Array(1024)
  /** The year + 1, 0 for none. */
  private years = new Uint16Array(1024)
  private rows = 0
  /** Row index by id (open addressing, linear probing, at most half full); EMPTY marks a free slot. */
  private slots = new Int32Array(2048).fill(EMPTY)
  /** Distinct ids. */
  size = 0

  /** The slot holding `id`, or the free slot where it would go. */
  private slotOf(id: string): number {
    const mask = this.slots.length - 1
    for (let s = hash(id) & mask; ; s = (s + 1) & mask) {
      const r = this.slots[s]
      if (r === EMPTY || this.idIs(r, id)) return s
    }
  }

  private idIs(r: number, id: string): boolean {
    if (this.idLen[r] !== id.length) return false
    const at = this.start[r]
    for (let i = 0; i < id.length; i++) if (this.pool[at + i] !== id.charCodeAt(i)) return false
    return true
  }

  private end(r: number): number {
    return r + 1 < this.rows ? this.start[r + 1] : this.used
  }

  has(id: string): boolean {
    return this.slots[this.slotOf(id)] !== EMPTY
  }

  get(id: string): MetaRow | undefined {
    const r = this.slots[this.slotOf(id)]
    if (r === EMPTY) return undefined
    const from = this.start[r] + this.idLen[r]
    const to = this.end(r)
    return { title: to > from ? this.pool.toString('utf8', from, to) : null, year: this.years[r] ? this.years[r] - 1 : null }
  }

  /** Adds a row; a repeated id's later row wins (its earlier bytes stay in the pool, unused). */
  set(id: string, row: MetaRow): void {
    if (id.length > 255 || !ASCII_ID.test(id)) throw new RangeError('poster ids are 1 to 255 printable ASCII characters')
    const title = row.title ?? ''
    const bytes = id.length + Buffer.byteLength(title)
    if (this.used + bytes > this.pool.length) {
      const next = Buffer.allocUnsafe(Math.max(this.used + bytes, Math.ceil(this.pool.length * 1.5)))
      this.pool.copy(next, 0, 0, this.used)
      this.pool = next
    }
    if (this.rows === this.start.length) {
      const n = Math.ceil(this.rows * 1.5)
      this.start = grown(this.start, n)
      this.idLen = grown(this.idLen, n)
      this.years = grown(this.years, n)
    }
    const r = this.rows++
    this.start[r] = this.used
    this.idLen[r] = id.length
    this.used += this.pool.write(id, this.used, 'latin1')
    this.used += this.pool.write(title, this.used, 'utf8')
    this.years[r] = row.year !== null && row.year >= 0 && row.year < 65535 ? row.year + 1 : 0
    const s = this.slotOf(id)
    if (this.slots[s] === EMPTY) {
      this.size++
      this.slots[s] = r
      if (this.size * 2 > this.slots.length) this.rehash()
    } else this.slots[s] = r
  }

  private rehash(): void {
    const old = this.slots
    this.slots = new Int32Array(old.length * 2).fill(EMPTY)
    const mask = this.slots.length - 1
    for (const r of old) {
      if (r === EMPTY) continue
      let s = hashBytes(this.pool, this.start[r], this.start[r] + this.idLen[r]) & mask
      while (this.slots[s] !== EMPTY) s = (s + 1) & mask // ids in `old` are distinct
      this.slots[s] = r
    }
  }
}
