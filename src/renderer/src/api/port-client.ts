// The renderer's bridge in the desktop app: the channel client (channel-client.ts) over the
// preload's link to the core process, a MessagePort whose messages are structured clones.
// When the core process goes down the main process says so, the link closes with that
// reason, and the client asks for a new port until the restarted core answers.
import type { CoreLink } from '../../../shared/api'
import { createChannelClient, type ChannelClient, type ChannelClientOptions } from './channel-client'

export function createPortClient(link: CoreLink, options: Omit<ChannelClientOptions, 'connect'> = {}): ChannelClient {
  return createChannelClient({
    minDelay: 200,
    maxDelay: 2000,
    ...options,
    connect(events) {
      link.open(events)
      return { send: (msg) => link.send(msg), close: () => link.close() }
    },
  })
}
