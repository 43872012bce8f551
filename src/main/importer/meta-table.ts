// Titles and years by poster id, for a metadata file of millions of rows. A Map of one object
// per row costs ~9x the file (a string for the id, one for the title, an object and a map
// entry: ~300 bytes for a 35-byte row); here each row is its id and title as bytes in a pool of
// fixed-size chunks (never copied as it grows), a start offset, two lengths, its year and a slot
// of an open-addressing hash table: ~15 bytes besides the text. Rows are decoded into a MetaRow
// only when asked for.
/** A poster's title and year from a metadata file (either may be missing). */
export interface MetaRow {
  title: string | null
  year: number | null
}

const EMPTY = -1
/** Pool chunk size; a row never spans two chunks. */
const CHUNK = 1 << 22
/** Titles longer than this (in bytes) are kept as strings beside the pool. */
const LONG = 0xffff
/** The hash table grows past this share of used slots. */
const MAX_LOAD = 0.7

/** FNV-1a over the id's characters (ids are ASCII: the schema allows letters, digits and . _ : -). */
function hash(id: string): number {
  let h = 0x811c9dc5
  for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 0x01000193)
  return h >>> 0
}

/** The same hash over an id's bytes in the pool (no string made to rehash a million rows). */
function hashBytes(chunk: Buffer, from: number, to: number): number {
  let h = 0x811c9dc5
  for (let i = from; i < to; i++) h = Math.imul(h ^ chunk[i], 0x01000193)
  return h >>> 0
}

const ASCII_ID = /^[\x21-\x7e]+$/

/** A typed array of `n` elements holding `old`'s (arrays grow by half, so their slack stays a third at most). */
function grown<T extends Uint32Array | Uint16Array | Uint8Array>(old: T, n: number): T {
  const next = new (old.constructor as new (n: number) => T)(n)
  next.set(old)
  return next
}

export class MetaTable {
  /** Each row's id then its title (UTF-8), at start[r] (chunk start >>> 22, offset & CHUNK - 1). */
  private chunks: Buffer[] = [Buffer.allocUnsafe(1 << 16)]
  private used = 0
  private start = new Uint32Array(1024)
  private idLen = new Uint8Array(1024)
  /** Title bytes; LONG: the title is in `long`. */
  private titleLen = new Uint16Array(1024)
  /** The year + 1, 0 for none. */
  private years = new Uint16Array(1024)
  private long = new Map<number, string>()
  private rows = 0
  /** Row index by id (open addressing, linear probing); EMPTY marks a free slot. */
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
    const chunk = this.chunks[this.start[r] >>> 22]
    const at = this.start[r] & (CHUNK - 1)
    for (let i = 0; i < id.length; i++) if (chunk[at + i] !== id.charCodeAt(i)) return false
    return true
  }

  has(id: string): boolean {
    return this.slots[this.slotOf(id)] !== EMPTY
  }

  get(id: string): MetaRow | undefined {
    const r = this.slots[this.slotOf(id)]
    if (r === EMPTY) return undefined
    const n = this.titleLen[r]
    let title: string | null = null
    if (n === LONG) title = this.long.get(r)!
    else if (n > 0) {
      const from = (this.start[r] & (CHUNK - 1)) + this.idLen[r]
      title = this.chunks[this.start[r] >>> 22].toString('utf8', from, from + n)
    }
    return { title, year: this.years[r] ? this.years[r] - 1 : null }
  }

  /** Room for `bytes` in the last chunk, growing it (while small) or starting the next. */
  private room(bytes: number): Buffer {
    let last = this.chunks[this.chunks.length - 1]
    const at = this.used & (CHUNK - 1)
    if (at + bytes <= last.length) return last
    if (last.length < CHUNK) {
      // The first chunk starts small (most metadata files are): it doubles up to CHUNK.
      const next = Buffer.allocUnsafe(Math.min(CHUNK, Math.max(last.length * 2, at + bytes)))
      last.copy(next, 0, 0, at)
      this.chunks[this.chunks.length - 1] = last = next
      if (at + bytes <= last.length) return last
    }
    if (this.chunks.length >= 1024) throw new RangeError('metadata table over 4 GB')
    this.chunks.push((last = Buffer.allocUnsafe(CHUNK)))
    this.used = (this.chunks.length - 1) * CHUNK
    return last
  }

  /** Adds a row; a repeated id's later row wins (its earlier bytes stay in the pool, unused). */
  set(id: string, row: MetaRow): void {
    if (id.length > 255 || !ASCII_ID.test(id)) throw new RangeError('poster ids are 1 to 255 printable ASCII characters')
    const title = row.title ?? ''
    const titleBytes = Buffer.byteLength(title)
    const long = titleBytes >= LONG
    const chunk = this.room(id.length + (long ? 0 : titleBytes))
    if (this.rows === this.start.length) {
      const n = Math.ceil(this.rows * 1.5)
      this.start = grown(this.start, n)
      this.idLen = grown(this.idLen, n)
      this.titleLen = grown(this.titleLen, n)
      this.years = grown(this.years, n)
    }
    const r = this.rows++
    this.start[r] = this.used
    this.idLen[r] = id.length
    const at = this.used & (CHUNK - 1)
    chunk.write(id, at, 'latin1')
    if (long) this.long.set(r, title)
    else chunk.write(title, at + id.length, 'utf8')
    this.used += id.length + (long ? 0 : titleBytes)
    this.titleLen[r] = long ? LONG : titleBytes
    this.years[r] = row.year !== null && row.year >= 0 && row.year < 65535 ? row.year + 1 : 0
    const s = this.slotOf(id)
    if (this.slots[s] === EMPTY) {
      this.size++
      this.slots[s] = r
      if (this.size > this.slots.length * MAX_LOAD) this.rehash()
    } else {
      this.long.delete(this.slots[s]) // the earlier row is no longer reachable
      this.slots[s] = r
    }
  }

  private rehash(): void {
    const old = this.slots
    this.slots = new Int32Array(old.length * 2).fill(EMPTY)
    const mask = this.slots.length - 1
    for (const r of old) {
      if (r === EMPTY) continue
      const at = this.start[r] & (CHUNK - 1)
      let s = hashBytes(this.chunks[this.start[r] >>> 22], at, at + this.idLen[r]) & mask
      while (this.slots[s] !== EMPTY) s = (s + 1) & mask // ids in `old` are distinct
      this.slots[s] = r
    }
  }
}
