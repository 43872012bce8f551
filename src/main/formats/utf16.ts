// UTF-16 text files (Excel's "Unicode Text", some NFO writers) announce themselves by their
// byte order mark; NFOs and label files both tell them by it.

/** The byte order a UTF-16 byte order mark says, or null when the bytes start with none. */
export function utf16Bom(bytes: Uint8Array): 'utf-16le' | 'utf-16be' | null {
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return 'utf-16le'
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return 'utf-16be'
  return null
}
