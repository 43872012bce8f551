// Windows-1252, what Excel and Notepad save as "ANSI" in the West: Latin-1 with letters (curly
// quotes, dashes, the euro sign) where Latin-1 has C1 control characters. Node 20's
// TextDecoder('windows-1252') decodes those bytes as Latin-1, so the table is here, once.

/** Windows-1252's characters for the bytes 0x80-0x9F (the five it leaves undefined stay those). */
const C1 =
  '\u20ac\x81\u201a\u0192\u201e\u2026\u2020\u2021\u02c6\u2030\u0160\u2039\u0152\x8d\u017d\x8f' +
  '\x90\u2018\u2019\u201c\u201d\u2022\u2013\u2014\u02dc\u2122\u0161\u203a\u0153\x9d\u017e\u0178'

/** Text read as Latin-1 (a byte a character) as Windows-1252 means it. */
export function fromLatin1AsWindows1252(text: string): string {
  return text.replace(/[\x80-\x9f]/g, (c) => C1[c.charCodeAt(0) - 0x80])
}

/** Windows-1252 bytes as text (a byte is a character: chunks decode on their own). */
export function decodeWindows1252(bytes: Buffer): string {
  return fromLatin1AsWindows1252(bytes.toString('latin1'))
}
