// The built renderer's files as a host hands them out: which file a URL path names (never
// one outside the folder, after symlinks) and the MIME type it is sent with. The desktop
// window's posterity-app: protocol and `posterity serve` (server/static.ts) both read through this.
import { realpath, stat } from 'node:fs/promises'
import { extname, join, sep } from 'node:path'

export const RENDERER_MIME: Record<string, string> = {
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

/** The Content-Type a renderer file is sent with (unknown kinds as opaque bytes, with nosniff). */
export function rendererMime(file: string): string {
  return RENDERER_MIME[extname(file).toLowerCase()] ?? 'application/octet-stream'
}

/**
 * The file under `root` that a URL's (still percent-encoded) path names, or null. Each
 * segment is decoded once; a segment that decodes to `.`, `..`, or holds `/`, `\` or NUL,
 * and an empty segment (`//x` would start an absolute path), refuse the whole path rather
 * than being normalised away. `/` is index.html. The real path must stay inside the real
 * root, so a symlink cannot lead out, and it must be a regular file.
 */
export async function locateRendererFile(root: string, pathname: string): Promise<string | null> {
  if (!pathname.startsWith('/')) return null
  const raw = pathname === '/' ? ['index.html'] : pathname.slice(1).split('/')
  const segments: string[] = []
  for (const part of raw) {
    let seg: string
    try {
      seg = decodeURIComponent(part)
    } catch {
      return null
    }
    if (seg === '' || seg === '.' || seg === '..' || /[/\\\0]/.test(seg)) return null
    segments.push(seg)
  }
  try {
    const realRoot = await realpath(root)
    const real = await realpath(join(realRoot, ...segments))
    if (!real.startsWith(realRoot + sep)) return null
    return (await stat(real)).isFile() ? real : null
  } catch {
    return null
  }
}
