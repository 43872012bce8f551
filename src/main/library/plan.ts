// A history entry's change (or its undo) as units of work that can be applied in slices: bulk.ts
// runs a big one as many short transactions, a small one (and a rollback at open) runs whole.
// Each direction must finish from any state the other left half done: applying the undo plan
// whole after part of the redo plan puts the library back exactly (that is the crash recovery).
import type { Db } from './db'

export interface SlicedPlan {
  /** Units of work (posters, labels) to apply. */
  size: number
  /** Before the first slice, in its own transaction (also when the plan is empty). */
  begin?: () => void
  /** Applies units [from, to); returns the posters whose rows changed. */
  slice: (from: number, to: number) => string[]
  /** After the last slice, in the transaction that marks the entry applied. */
  end?: () => void
}

/** The whole plan; call inside a transaction. */
export function runWhole(plan: SlicedPlan): string[] {
  plan.begin?.()
  const changed = plan.size > 0 ? plan.slice(0, plan.size) : []
  plan.end?.()
  return changed
}

/** The plan in one transaction of its own. */
export const runWholeNow = (db: Db, plan: SlicedPlan): string[] => db.transaction(() => runWhole(plan))()
