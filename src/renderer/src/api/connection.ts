// The state of the link between the renderer and the core, shown in the status bar.
// Over the WebSocket and over the desktop app's port alike it can drop and come back
// (the server stops, the core process crashes and is restarted).

export type ConnectionState = 'connecting' | 'open' | 'reconnecting' | 'closed'

export interface Connection {
  readonly state: ConnectionState
  /** Failed attempts since the link was last up (0 while it is up). */
  readonly attempts: number
  /** Why the link last dropped, when the transport said (the desktop core process crashed...). */
  readonly reason: string | null
  /** Called on every change of state (and each reconnect attempt); returns the function that stops listening. */
  onChange(listener: (state: ConnectionState) => void): () => void
}
