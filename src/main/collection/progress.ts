// Progress of long collection work as `collection.progress` events, a few a second at most.
import type { Event } from '../../shared/api'
import type { CoreContext } from '../context'

type Phase = Event<'collection.progress'>['phase']

export function progressReporter(ctx: CoreContext, root: string): (phase: Phase, done: number, total: number) => void {
  let last = 0
  let lastPhase: Phase | null = null
  return (phase, done, total) => {
    const now = performance.now()
    if (phase === lastPhase && done < total && now - last < 200) return
    last = now
    lastPhase = phase
    ctx.events.emit('collection.progress', { root, phase, done, total })
  }
}
