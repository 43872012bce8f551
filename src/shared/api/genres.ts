// The genre vocabulary: the user adds, renames, merges, deletes and orders genres.
import { z } from 'zod'
import { command, noArgs, ok } from './define'
import { GenreName, NewGenreName } from './common'

export const Genre = z.object({ name: z.string(), position: z.number().int(), count: z.number().int() })
export type Genre = z.infer<typeof Genre>

export const genres = {
  list: command(noArgs, z.object({ genres: z.array(Genre) })),
  add: command(z.strictObject({ name: NewGenreName }), Genre),
  rename: command(z.strictObject({ name: GenreName, to: NewGenreName }), Genre),
  /** Moves every label of `from` onto `into`, then deletes `from`. */
  merge: command(z.strictObject({ from: GenreName, into: GenreName }), Genre),
  remove: command(z.strictObject({ name: GenreName }), ok),
  /** The full new order, every genre once. */
  reorder: command(z.strictObject({ names: z.array(GenreName).max(500) }), ok),
}
