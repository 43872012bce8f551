// The core process: opens one core and serves it to every window port it is handed, with
// the same channel protocol `posterity serve` speaks over its WebSocket (api/channel.ts).
// It runs in an Electron utility process (index.ts) and, in tests, in a worker thread.
import { createChannelHub, type ChannelHub } from '../api/channel'
import { openCore, type Core } from '../core'
import { mediaFile } from '../library/media'
import type { FromHost, PickArgs, ToHost } from '../hosting/core-process-protocol'

/** The host's line to the main process. */
export interface ParentLink {
  post(msg: FromHost): void
  onMessage(listener: (msg: ToHost, ports: readonly unknown[]) => void): void
}

/** A window's port, whatever its kind (Electron's MessagePortMain, Node's MessagePort). */
export interface HostPort {
  post(msg: unknown): void
  onMessage(listener: (data: unknown) => void): void
  onClose(listener: () => void): void
}

export interface HostOptions {
  parent: ParentLink
  adoptPort(raw: unknown): HostPort
  exit(code: number): void
}

export function runCoreHost({ parent, adoptPort, exit }: HostOptions): void {
  let core: Core | null = null
  let hub: ChannelHub | null = null
  let nextPick = 1
  const picks = new Map<number, { resolve(paths: string[]): void; reject(err: Error): void }>()

  // Native pickers belong to the main process: ask it, wait for the answer.
  const pickPaths = (args: PickArgs): Promise<string[]> =>
    new Promise((resolve, reject) => {
      const id = nextPick++
      picks.set(id, { resolve, reject })
      parent.post({ type: 'pick', id, args })
    })

  parent.onMessage((msg, ports) => {
    switch (msg.type) {
      case 'open': {
        if (core) return
        try {
          core = openCore({ libraryDir: msg.options.libraryDir, host: 'electron', nativeBinding: msg.options.nativeBinding, hooks: { pickPaths } })
          hub = createChannelHub(core.dispatch, core.events)
          const c = core
          c.events.onAny((name, payload) => {
            if (name === 'library.changed' && (payload as { reason?: string }).reason === 'library') parent.post({ type: 'library', dir: c.dir })
          })
          parent.post({ type: 'ready', pid: process.pid })
          if (msg.options.fetchBackbone) void fetchBackboneOnFirstRun(core)
        } catch (err) {
          parent.post({ type: 'failed', message: err instanceof Error ? err.message : String(err) })
          exit(1)
        }
        return
      }
      case 'connect': {
        const raw = ports[0] ?? msg.port
        if (!hub || !raw) return
        const port = adoptPort(raw)
        const link = hub.attach({ send: (m) => port.post(m) })
        port.onMessage((data) => link.receive(data))
        port.onClose(() => link.detach())
        return
      }
      case 'picked': {
        const p = picks.get(msg.id)
        picks.delete(msg.id)
        if (msg.error) p?.reject(new Error(msg.error))
        else p?.resolve(msg.paths)
        return
      }
      case 'media':
        parent.post({ type: 'media', id: msg.id, file: core ? mediaFile(core, msg.kind, msg.poster) : null })
        return
      case 'close': {
        const c = core
        core = null
        hub?.close()
        hub = null
        // Jobs are cancelled and the database closed before the process goes.
        void (c?.close() ?? Promise.resolve())
          .catch((err: unknown) => process.stderr.write(`closing the library failed: ${String(err)}\n`))
          .finally(() => {
            parent.post({ type: 'closed' })
            exit(0)
          })
        return
      }
    }
  })
}

/** The download job reports through backbone.progress events, which the Train view shows. */
async function fetchBackboneOnFirstRun(core: Core): Promise<void> {
  const status = await core.dispatch('model.status', {})
  if (!status.ok || (status.value as { backbone: { path: string | null } }).backbone.path) return
  const started = await core.dispatch('model.downloadBackbone', {})
  if (!started.ok) process.stderr.write(`posterity: the backbone download could not start: ${started.error.message}\n`)
}
