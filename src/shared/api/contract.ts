// The one API contract. Main (IPC handlers, WebSocket server), preload and the renderer
// are all typed from this object, and every payload is validated against it at runtime.
import { z } from 'zod'
import type { ClientOf, EventPayload, HandlersOf } from './define'
import { library } from './library'
import { genres } from './genres'
import { labels } from './labels'
import { importEvents, imports, jobs } from './imports'
import { system } from './system'
import { model, modelEvents } from './model'
import { PosterId } from './common'
import { review } from './review'
import { collection, collectionEvents } from './collection'

export const contract = { system, library, genres, labels, imports, jobs, model, collection, review }
export type ApiContract = typeof contract

export const events = {
  ...importEvents,
  ...modelEvents,
  ...collectionEvents,
  /** Something in the library changed; views refresh what they show. */
  'library.changed': z.object({
    /** posters: deleted or restored, titles edited; library: another library was opened. */
    reason: z.enum(['import', 'labels', 'genres', 'model', 'posters', 'library', 'collection']),
    /** The posters concerned, when few; absent means "possibly all". */
    ids: z.array(PosterId).optional(),
  }),
}
export type ApiEvents = typeof events
export type EventName = keyof ApiEvents
export type Event<N extends EventName> = EventPayload<ApiEvents, N>

export type PosterityApi = ClientOf<ApiContract>
export type ApiHandlers = HandlersOf<ApiContract>

/** `domain.command` names, the IPC channels and WebSocket methods. */
export const channels: string[] = Object.entries(contract).flatMap(([d, cmds]) => Object.keys(cmds).map((c) => `${d}.${c}`))
