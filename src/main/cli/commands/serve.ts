// `posterity serve`: the app in a browser. Prints `Posterity serving <url>` as the first
// line of stdout (tests and scripts parse it) and runs until SIGINT / SIGTERM.
import { isLoopback } from '../../hosting/loopback'
import { int, str, UserError, type Command, type Values } from '../command'
import { checkLibraryDir } from '../library'

/**
 * The address to bind. Loopback unless the user says otherwise twice: an address other than
 * loopback (or an empty one, which Node would bind to every interface) needs --allow-remote.
 */
export function bindAddress(values: Values): string {
  const host = str(values, 'host') ?? '127.0.0.1'
  if (host.trim() === '') throw new UserError('--host needs an address: 127.0.0.1 (this machine only), or an interface address with --allow-remote', 2)
  if (!isLoopback(host) && values['allow-remote'] !== true) {
    throw new UserError(`--host ${host} would let other machines reach your library; add --allow-remote if that is what you want`, 2)
  }
  return host
}

const serve: Command = {
  summary: 'serve the app to a browser on this machine (token-protected)',
  help: `Usage: posterity serve [--library DIR] [--port N] [--host 127.0.0.1] [--allow-remote]

Serves the built renderer (run \`npm run build\` first; \`npm run serve\` does both) and the
API over a WebSocket. The printed URL carries a random token; the page needs it.

Options:
  --library DIR   the library folder
  --port N        the port (default 0: a free one)
  --host ADDR     the address to bind (default 127.0.0.1, loopback only)
  --allow-remote  needed with a --host that other machines can reach (0.0.0.0, a LAN address)`,
  options: {
    port: { type: 'string' },
    host: { type: 'string' },
    'allow-remote': { type: 'boolean' },
  },
  async run({ values, libraryDir, hosts }) {
    const port = int(values, 'port', 0)!
    if (port < 0 || port > 65535) throw new UserError(`--port must be between 0 and 65535, got ${port}`, 2)
    const host = bindAddress(values)
    checkLibraryDir(libraryDir)
    if (!hosts.startServer) throw new UserError('this build of the CLI cannot start the server: run out/main/cli.js (npm run build)')
    const server = await hosts.startServer({ libraryDir, port, host })
    process.stdout.write(`Posterity serving ${server.url}\n`)
    process.stdout.write(`Library: ${libraryDir}\n`)
    if (!isLoopback(host)) {
      process.stderr.write(`posterity serve: warning: listening on ${host}, reachable from other machines; anyone with the URL and token has full access.\n`)
    }
    return await new Promise<number>((resolve) => {
      const stop = (signal: NodeJS.Signals) => {
        process.off('SIGINT', stop)
        process.off('SIGTERM', stop)
        process.stderr.write(`posterity serve: ${signal}, shutting down\n`)
        server.close().then(
          () => resolve(0),
          (err: unknown) => {
            process.stderr.write(`posterity serve: shutdown failed: ${err instanceof Error ? err.message : String(err)}\n`)
            resolve(1)
          },
        )
      }
      process.on('SIGINT', stop)
      process.on('SIGTERM', stop)
    })
  },
}

export default serve
