// A refused call's zod issues as one line a person can read: "ids[0]: poster ids use letters,
// digits and . _ : -". (z.prettifyError writes "✖ …\n  → at ids[0]": several lines, which a
// terminal shows escaped and a toast runs together.)
import type { z } from 'zod'

/** Issues named, the rest counted. */
const MAX_SHOWN = 3

/** `ids[0]`, `filter.genres[2]`, `["odd key"]`. */
export function issuePath(path: readonly PropertyKey[]): string {
  let out = ''
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`
    else if (typeof key === 'string' && /^[A-Za-z_$][\w$]*$/.test(key)) out += out ? `.${key}` : key
    else out += `[${typeof key === 'string' ? JSON.stringify(key) : String(key)}]`
  }
  return out
}

export function issuesLine(error: z.ZodError): string {
  const parts = error.issues.slice(0, MAX_SHOWN).map((issue) => {
    const message = issue.message.replace(/\s+/g, ' ').trim()
    const path = issuePath(issue.path)
    return path ? `${path}: ${message}` : message
  })
  const more = error.issues.length - MAX_SHOWN
  return parts.join('; ') + (more > 0 ? ` (and ${more} more)` : '')
}
