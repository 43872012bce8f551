// The built renderer, served read-only: GET/HEAD of files under one folder, nothing else
// (no directory listing, no path that resolves outside the folder, no symlink escapes).
import { createReadStream, existsSync, realpathSync, statSync } from 'node:fs'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { join, sep } from 'node:path'
import { locateRendererFile, rendererMime } from '../hosting/renderer-files'
import { sendError } from './respond'

export class MissingRendererError extends Error {
  constructor(dir: string) {
    super(`The built renderer is missing (${join(dir, 'index.html')} not found). Run \`npm run build\` first, or use \`npm run serve\`, which builds and serves.`)
    this.name = 'MissingRendererError'
  }
}

export function createStaticHandler(rendererDir: string) {
  if (!existsSync(join(rendererDir, 'index.html'))) throw new MissingRendererError(rendererDir)
  const root = realpathSync(rendererDir)

  // The same lookup as the desktop window's protocol (hosting/renderer-files.ts): each segment
  // decoded once, dot segments refused, confined to the folder after symlinks.
  return async function serveStatic(req: IncomingMessage, res: ServerResponse, pathname: string): Promise<void> {
    const file = await locateRendererFile(root, pathname)
    if (!file) return sendError(res, 404, 'not found')
    const stat = statSync(file)
    res.statusCode = 200
    res.setHeader('Content-Type', rendererMime(file))
    res.setHeader('Content-Length', stat.size)
    // Vite names built assets by content hash, so they never change. The shell is opened as
    // /?token=…: a cached copy would keep that URL, token and all, in the browser's disk cache
    // (and in any proxy's, with --allow-remote), so it is never stored; it is 1 KB.
    const hashed = file.startsWith(join(root, 'assets') + sep)
    res.setHeader('Cache-Control', hashed ? 'public, max-age=31536000, immutable' : 'no-store')
    if (req.method === 'HEAD') return void res.end()
    const stream = createReadStream(file)
    stream.on('error', () => res.destroy())
    stream.pipe(res)
  }
}
