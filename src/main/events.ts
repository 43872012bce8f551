// The core's typed event bus; IPC and the WebSocket server forward what it emits.
import type { Event, EventName } from '../shared/api'

export type AnyListener = (name: EventName, payload: unknown) => void

export class EventBus {
  private listeners = new Set<AnyListener>()

  emit<N extends EventName>(name: N, payload: Event<N>): void {
    for (const l of this.listeners) l(name, payload)
  }

  /** Listen to every event; returns the function that stops listening. */
  onAny(listener: AnyListener): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }
}
