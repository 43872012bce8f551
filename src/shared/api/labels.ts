// Label edits. Every edit is one undoable history entry, kept in the library file.
import { z } from 'zod'
import { command, noArgs } from './define'
import { GenreName, NewGenreName, PosterId } from './common'

export const HistoryEntry = z.object({
  id: z.number().int(),
  at: z.number().int(),
  description: z.string(),
  posters: z.number().int(),
  undone: z.boolean(),
})
export type HistoryEntry = z.infer<typeof HistoryEntry>

export const HistoryState = z.object({
  canUndo: z.boolean(),
  canRedo: z.boolean(),
  /** What undo / redo would do, for menus and tooltips. */
  undoLabel: z.string().nullable(),
  /** The id of the entry Undo would take back (a toast's Undo checks it is still its own). */
  undoId: z.number().int().nullable().optional(),
  redoLabel: z.string().nullable(),
  /** Entries the history's limits (entries, bytes) have dropped: undo cannot go back past them. */
  dropped: z.number().int().min(0).optional(),
})
export type HistoryState = z.infer<typeof HistoryState>

const EditResult = z.object({
  /** Posters whose labels actually changed (no entry is recorded when none did). */
  changed: z.array(PosterId),
  history: HistoryState,
})

export const labels = {
  /**
   * Add and/or remove genres on posters; the posters become labelled. `labelled: false`
   * instead returns posters to the unlabelled state (their genres are cleared).
   */
  edit: command(
    z
      .strictObject({
        ids: z.array(PosterId).min(1).max(200_000),
        add: z.array(NewGenreName).max(100).default([]),
        remove: z.array(GenreName).max(100).default([]),
        labelled: z.boolean().optional(),
      })
      .refine((a) => a.add.length + a.remove.length > 0 || a.labelled !== undefined, 'nothing to change'),
    EditResult,
  ),
  undo: command(noArgs, EditResult),
  redo: command(noArgs, EditResult),
  history: command(
    z.strictObject({ limit: z.number().int().min(1).max(1000).default(50) }),
    HistoryState.extend({ entries: z.array(HistoryEntry) }),
  ),
}
