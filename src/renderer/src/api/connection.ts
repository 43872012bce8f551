// The state of the link between the renderer and the core, shown in the status bar.
// In Electron the IPC link is always up; over a WebSocket it can drop and come back.

export type ConnectionState = 'connecting' | 'open' | 'reconnecting' | 'closed'

export interface Connection {
  readonly state: ConnectionState
  /** Failed attempts since the link was last up (0 while it is up). */
  readonly attempts: number
  /** Called on every change of state (and each reconnect attempt); returns the function that stops listening. */
  onChange(listener: (state: ConnectionState) => void): () => void
}

/** A connection that never changes: the desktop app's IPC. */
export const alwaysOpen: Connection = {
  state: 'open',
  attempts: 0,
  onChange: () => () => {},
}
