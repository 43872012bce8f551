// The built renderer, served read-only: GET/HEAD of files under one folder, nothing else
// (no directory listing, no path that resolves outside the folder, no symlink escapes).
import { createReadStream, existsSync, realpathSync, statSync } from 'node:fs'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { extname, join, resolve, sep } from 'node:path'
import { sendError } from './respond'

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.webp': 'image/webp',
  '.gif': 'image/gif',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.wasm': 'application/wasm',
  '.txt': 'text/plain; charset=utf-8',
}

export class MissingRendererError extends Error {
  constructor(dir: string) {
    super(`The built renderer is missing (${join(dir, 'index.html')} not found). Run \`npm run build\` first, or use \`npm run serve\`, which builds and serves.`)
    this.name = 'MissingRendererError'
  }
}

export function createStaticHandler(rendererDir: string) {
  if (!existsSync(join(rendererDir, 'index.html'))) throw new MissingRendererError(rendererDir)
  const root = realpathSync(rendererDir)

  /** The file a URL path names, or null: decoded once, confined to `root` after symlinks. */
  function locate(pathname: string): string | null {
    let decoded: string
    try {
      decoded = decodeURIComponent(pathname)
    } catch {
      return null
    }
    if (decoded.includes('\0') || decoded.includes('\\')) return null
    if (decoded === '/' || decoded === '') decoded = '/index.html'
    const candidate = resolve(root, '.' + decoded)
    if (candidate !== root && !candidate.startsWith(root + sep)) return null
    try {
      const real = realpathSync(candidate)
      if (!real.startsWith(root + sep)) return null
      return statSync(real).isFile() ? real : null
    } catch {
      return null
    }
  }

  return function serveStatic(req: IncomingMessage, res: ServerResponse, pathname: string): void {
    const file = locate(pathname)
    if (!file) return sendError(res, 404, 'not found')
    const stat = statSync(file)
    const ext = extname(file).toLowerCase()
    res.statusCode = 200
    res.setHeader('Content-Type', MIME[ext] ?? 'application/octet-stream')
    res.setHeader('Content-Length', stat.size)
    // Vite names built assets by content hash, so they never change; the shell always revalidates.
    const hashed = file.startsWith(join(root, 'assets') + sep)
    res.setHeader('Cache-Control', hashed ? 'public, max-age=31536000, immutable' : 'no-cache')
    if (req.method === 'HEAD') return void res.end()
    const stream = createReadStream(file)
    stream.on('error', () => res.destroy())
    stream.pipe(res)
  }
}
