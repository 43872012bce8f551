// Messages between the main process (the supervisor) and the core process (the host).
// Calls from windows never pass here: each window talks to the core over its own port,
// handed to the core with a `connect` message.
import type { MediaFile, MediaKind } from '../library/media'

export interface OpenOptions {
  libraryDir: string
  /** better-sqlite3 addon built for the running ABI (the Electron copy). */
  nativeBinding?: string
  /** Packaged app: download the backbone on first run (checksum verified) when the library has none. */
  fetchBackbone?: boolean
}

export interface PickArgs {
  kind: 'folder' | 'file'
  multiple: boolean
  title?: string
}

export type ToHost =
  | { type: 'open'; options: OpenOptions }
  /** A window's port travels with this message (Electron: event.ports; worker_threads: `port`). */
  | { type: 'connect'; port?: unknown }
  | { type: 'picked'; id: number; paths: string[]; error?: string }
  | { type: 'media'; id: number; kind: MediaKind; poster: string }
  | { type: 'close' }

export type FromHost =
  | { type: 'ready'; pid: number }
  | { type: 'failed'; message: string }
  | { type: 'pick'; id: number; args: PickArgs }
  | { type: 'media'; id: number; file: MediaFile | null }
  /** The user opened another library: a restart after a crash must reopen that one. */
  | { type: 'library'; dir: string }
  | { type: 'closed' }
