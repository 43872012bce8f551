// `posterity serve`: the built renderer, the API over a WebSocket and poster media, on
// loopback by default, all but the static app shell behind a random token.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { Duplex } from 'node:stream'
import { join } from 'node:path'
import { outDir } from '../app-root'
import { openCore, type Core } from '../core'
import { hostAllowed, hostPort, newToken, originAllowed, tokenMatches } from './guard'
import { serveMedia } from './media-route'
import { sendError, setSecurityHeaders } from './respond'
import { createSocketApi } from './socket'
import { createStaticHandler } from './static'

export { MissingRendererError } from './static'

/** The address or port cannot be bound (in use, no such address): the user picks another. */
export class BindError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'BindError'
  }
}

export interface ServerOptions {
  libraryDir: string
  /** 0 picks a free port. */
  port?: number
  host?: string
  /** The built renderer; defaults to defaultRendererDir(). */
  rendererDir?: string
  /** Fixed token (tests); a fresh random one otherwise. */
  token?: string
}

export interface RunningServer {
  url: string
  token: string
  port: number
  host: string
  core: Core
  close(): Promise<void>
}

/** POSTERITY_RENDERER_DIR, else out/renderer of this checkout. */
export const defaultRendererDir = (): string =>
  process.env.POSTERITY_RENDERER_DIR || join(outDir(), 'renderer')

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const host = options.host ?? '127.0.0.1'
  // Fails before anything is opened when the renderer was never built.
  const serveStatic = createStaticHandler(options.rendererDir ?? defaultRendererDir())
  const token = options.token ?? newToken()
  const core = openCore({ libraryDir: options.libraryDir, host: 'serve' })
  const sockets = createSocketApi(core.dispatch, core.events)
  let port = options.port ?? 0

  const server = createServer((req, res) => {
    setSecurityHeaders(res)
    try {
      route(req, res)
    } catch (err) {
      // One bad request must never take the server down.
      sendError(res, 500, 'internal error')
      process.stderr.write(`posterity serve: ${err instanceof Error ? err.stack : String(err)}\n`)
    }
  })

  function route(req: IncomingMessage, res: ServerResponse): void {
    if (!hostAllowed(req.headers.host, { host, port })) return sendError(res, 400, 'bad Host header')
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD')
      return sendError(res, 405, 'method not allowed')
    }
    const url = requestUrl(req)
    if (!url) return sendError(res, 400, 'bad request target')
    if (url.pathname.startsWith('/media/')) {
      if (!tokenMatches(token, url.searchParams.get('token'))) return sendError(res, 401, 'token required')
      return serveMedia(core, req, res, url.pathname.slice('/media/'.length))
    }
    if (url.pathname === '/api') return sendError(res, 426, 'the API is a WebSocket')
    serveStatic(req, res, url.pathname).catch((err: unknown) => {
      if (!res.headersSent) sendError(res, 500, 'internal error')
      process.stderr.write(`posterity serve: ${err instanceof Error ? err.stack : String(err)}\n`)
    })
  }

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const refuse = (status: string): void => {
      socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`)
    }
    socket.on('error', () => socket.destroy())
    // An exception here is not caught by Node: it would end the process, before any token
    // is checked. So nothing in the handshake may throw past this point.
    try {
      upgrade(req, socket, head, refuse)
    } catch (err) {
      socket.destroy()
      process.stderr.write(`posterity serve: ${err instanceof Error ? err.stack : String(err)}\n`)
    }
  })

  function upgrade(req: IncomingMessage, socket: Duplex, head: Buffer, refuse: (status: string) => void): void {
    if (!hostAllowed(req.headers.host, { host, port })) return refuse('400 Bad Request')
    if (!originAllowed(req.headers.origin, req.headers.host!)) return refuse('403 Forbidden')
    const url = requestUrl(req)
    if (!url) return refuse('400 Bad Request')
    if (url.pathname !== '/api') return refuse('404 Not Found')
    if (!tokenMatches(token, url.searchParams.get('token'))) return refuse('401 Unauthorized')
    sockets.wss.handleUpgrade(req, socket, head, (ws) => sockets.wss.emit('connection', ws, req))
  }
  server.on('clientError', (_err, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n')
    else socket.destroy()
  })

  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(port, host, () => {
        server.off('error', reject)
        resolve()
      })
    })
  } catch (err) {
    await core.close()
    const code = (err as NodeJS.ErrnoException).code
    if (code === 'EADDRINUSE') throw new BindError(`port ${port} on ${host} is in use; choose another with --port N (0 picks a free one)`)
    if (code === 'EADDRNOTAVAIL') throw new BindError(`cannot bind to ${host}: no such address on this machine`)
    throw err
  }
  const address = server.address()
  port = typeof address === 'object' && address ? address.port : port

  let closing: Promise<void> | null = null
  return {
    url: `http://${hostPort(urlHost(host), port)}/?token=${token}`,
    token,
    port,
    host,
    core,
    close() {
      closing ??= (async () => {
        await sockets.close()
        await new Promise<void>((resolve) => {
          server.close(() => resolve())
          server.closeAllConnections()
        })
        await core.close()
      })()
      return closing
    },
  }
}

/**
 * The request target as a URL, or null when it is none: `//[`, say, which `new URL` refuses
 * with an exception (a request line is the client's to write, the token not yet checked).
 */
function requestUrl(req: IncomingMessage): URL | null {
  try {
    return new URL(req.url ?? '/', 'http://x')
  } catch {
    return null
  }
}

/** A wildcard bind has no address of its own to print: this machine's loopback reaches it. */
function urlHost(host: string): string {
  if (host === '0.0.0.0') return '127.0.0.1'
  if (host === '::') return '::1'
  return host
}
