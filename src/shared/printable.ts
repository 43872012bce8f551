// Names that came from disk (file names, NFO titles, CSV cells) go into messages shown in
// terminals and lists. A name holding ANSI escapes, newlines or bidi overrides could repaint
// a terminal, forge a second line of output or reverse the text around it, so every message
// shows such characters as visible escapes instead.

// C0 and C1 controls, DEL, and the Unicode bidi controls (embeddings, overrides, isolates).
 
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g

const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' }

/** `s` with every control character written as a visible escape (`\n`, `\x1b`, `\u202e`). */
export function printable(s: string): string {
  return s.replace(UNSAFE, (c) => {
    const named = NAMED[c]
    if (named) return named
    const code = c.charCodeAt(0)
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`
  })
}
