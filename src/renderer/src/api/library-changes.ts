// One subscription to `library.changed` for the whole renderer: stores and components
// register here, each for the reasons it cares about, and the hub fans every event out.
// (Thirteen listeners on the bridge, each re-checking the reason, were the alternative.)
import type { Event } from '../../../shared/api'
import { bridge } from './bridge'

export type LibraryChange = Event<'library.changed'>
export type ChangeReason = LibraryChange['reason']

interface Handler {
  fn: (change: LibraryChange) => void
  reasons: ReadonlySet<ChangeReason> | null
}

const handlers = new Set<Handler>()
let subscribed = false

function fanOut(change: LibraryChange): void {
  // A copy: a handler may unsubscribe itself or another one while the change is delivered.
  for (const h of [...handlers]) if (!h.reasons || h.reasons.has(change.reason)) h.fn(change)
}

/** Calls `fn` on every library change (only those of `reasons`, when given); returns the unsubscribe. */
export function onLibraryChange(fn: (change: LibraryChange) => void, reasons?: readonly ChangeReason[]): () => void {
  if (!subscribed) {
    subscribed = true
    bridge().on('library.changed', fanOut)
  }
  const h: Handler = { fn, reasons: reasons ? new Set(reasons) : null }
  handlers.add(h)
  return () => void handlers.delete(h)
}
