// A minimal protobuf reader/writer: just enough of the wire format to walk an ONNX model,
// read node wiring and small initializers, and append nodes / outputs to its graph.
// We avoid a protobuf dependency because only a handful of fields are ever touched.

export interface Field {
  no: number
  wire: number
  /** varint value (wire 0) */
  int?: bigint
  /** payload bytes (wire 1, 2, 5) */
  bytes?: Uint8Array
  /** byte span of the whole field (tag included) in the parent buffer */
  start: number
  end: number
}

export function readVarint(buf: Uint8Array, pos: number): [bigint, number] {
  let result = 0n
  let shift = 0n
  for (;;) {
    if (pos >= buf.length) throw new Error('truncated varint')
    const b = buf[pos++]
    result |= BigInt(b & 0x7f) << shift
    if ((b & 0x80) === 0) return [result, pos]
    shift += 7n
    if (shift > 70n) throw new Error('varint too long')
  }
}

/** Splits a message into its top-level fields (not recursive). */
export function readFields(buf: Uint8Array): Field[] {
  const out: Field[] = []
  let pos = 0
  while (pos < buf.length) {
    const start = pos
    const [tag, p1] = readVarint(buf, pos)
    pos = p1
    const no = Number(tag >> 3n)
    const wire = Number(tag & 7n)
    if (wire === 0) {
      const [v, p2] = readVarint(buf, pos)
      pos = p2
      out.push({ no, wire, int: v, start, end: pos })
    } else if (wire === 2) {
      const [len, p2] = readVarint(buf, pos)
      const end = p2 + Number(len)
      if (end > buf.length) throw new Error(`field ${no} runs past the end of its message`)
      out.push({ no, wire, bytes: buf.subarray(p2, end), start, end })
      pos = end
    } else if (wire === 1 || wire === 5) {
      const n = wire === 1 ? 8 : 4
      if (pos + n > buf.length) throw new Error('truncated fixed field')
      out.push({ no, wire, bytes: buf.subarray(pos, pos + n), start, end: pos + n })
      pos += n
    } else {
      throw new Error(`unsupported protobuf wire type ${wire} (not an ONNX file?)`)
    }
  }
  return out
}

const utf8 = new TextDecoder()
export const str = (f: Field | undefined): string => (f?.bytes ? utf8.decode(f.bytes) : '')

export function writeVarint(v: number | bigint): Uint8Array {
  let x = BigInt(v)
  const bytes: number[] = []
  do {
    let b = Number(x & 0x7fn)
    x >>= 7n
    if (x > 0n) b |= 0x80
    bytes.push(b)
  } while (x > 0n)
  return Uint8Array.from(bytes)
}

export function concat(parts: Uint8Array[]): Uint8Array {
  const total = parts.reduce((s, p) => s + p.length, 0)
  const out = new Uint8Array(total)
  let o = 0
  for (const p of parts) {
    out.set(p, o)
    o += p.length
  }
  return out
}

/** Encodes a length-delimited field. */
export function lenField(no: number, payload: Uint8Array | string): Uint8Array {
  const bytes = typeof payload === 'string' ? new TextEncoder().encode(payload) : payload
  return concat([writeVarint((no << 3) | 2), writeVarint(bytes.length), bytes])
}

export function varintField(no: number, v: number | bigint): Uint8Array {
  return concat([writeVarint(no << 3), writeVarint(v)])
}

/** Packed or repeated varints of one field number. */
export function readInts(fields: Field[], no: number): bigint[] {
  const out: bigint[] = []
  for (const f of fields) {
    if (f.no !== no) continue
    if (f.wire === 0) out.push(f.int!)
    else if (f.wire === 2) {
      let p = 0
      while (p < f.bytes!.length) {
        const [v, np] = readVarint(f.bytes!, p)
        out.push(v)
        p = np
      }
    }
  }
  return out
}
