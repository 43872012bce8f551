// First-run download of a backbone: progress, resumable (HTTP Range on a ".part" file),
// sha256-verified before the file takes its final name, and a clear error when offline.
import { createHash } from 'node:crypto'
import { createReadStream, createWriteStream, existsSync, mkdirSync, renameSync, statSync, unlinkSync } from 'node:fs'
import { get as httpGet, type IncomingMessage } from 'node:http'
import { get as httpsGet } from 'node:https'
import { dirname } from 'node:path'

export interface DownloadOptions {
  sha256: string
  signal?: AbortSignal
  onProgress?: (received: number, total: number) => void
  maxRedirects?: number
}

const OFFLINE_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'ECONNREFUSED', 'ENETUNREACH', 'EHOSTUNREACH', 'ETIMEDOUT', 'ECONNRESET'])

export class DownloadError extends Error {
  constructor(
    message: string,
    readonly offline = false,
  ) {
    super(message)
    this.name = 'DownloadError'
  }
}

function request(url: string, headers: Record<string, string>, signal?: AbortSignal): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const get = url.startsWith('https:') ? httpsGet : httpGet
    const req = get(url, { headers, signal, timeout: 30_000 }, resolve)
    req.on('timeout', () => req.destroy(Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' })))
    req.on('error', reject)
  })
}

export async function sha256File(path: string): Promise<string> {
  const h = createHash('sha256')
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer)
  return h.digest('hex')
}

/**
 * Downloads `url` to `dest`. A previous partial download (`dest.part`) is continued with a
 * Range request when the server supports it. The file is only renamed into place once its
 * sha256 matches; a mismatch deletes the partial file.
 */
export async function downloadFile(url: string, dest: string, opts: DownloadOptions): Promise<void> {
  mkdirSync(dirname(dest), { recursive: true })
  const part = `${dest}.part`
  let current = url
  let res: IncomingMessage | null = null
  const have = existsSync(part) ? statSync(part).size : 0
  const host = new URL(url).host
  for (let hop = 0; hop <= (opts.maxRedirects ?? 5); hop++) {
    try {
      res = await request(current, have > 0 ? { Range: `bytes=${have}-` } : {}, opts.signal)
    } catch (err) {
      if (opts.signal?.aborted) throw new DownloadError('download cancelled')
      const code = (err as NodeJS.ErrnoException).code ?? ''
      if (OFFLINE_CODES.has(code))
        throw new DownloadError(
          `cannot reach ${new URL(current).host} (${code}): this computer seems to be offline. Connect and retry (the download resumes), or use "Import model file" with a copy of the model.`,
          true,
        )
      throw new DownloadError(`download from ${host} failed: ${(err as Error).message}`)
    }
    if (res.statusCode && res.statusCode >= 300 && res.statusCode < 400 && res.headers.location) {
      res.resume()
      current = new URL(res.headers.location, current).href
      res = null
      continue
    }
    break
  }
  if (!res) throw new DownloadError(`too many redirects from ${host}`)
  const status = res.statusCode ?? 0
  if (status === 416 && have > 0) {
    // The part is already complete (or larger than the file): verify it as it is.
    res.resume()
  } else if (status !== 200 && status !== 206) {
    res.resume()
    throw new DownloadError(`download from ${host} failed: HTTP ${status}`)
  } else {
    const append = status === 206 && have > 0
    const start = append ? have : 0
    const length = Number(res.headers['content-length'] ?? 0)
    const total = length ? start + length : 0
    let received = start
    const out = createWriteStream(part, { flags: append ? 'a' : 'w' })
    try {
      await new Promise<void>((resolve, reject) => {
        res!.on('data', (c: Buffer) => {
          received += c.length
          opts.onProgress?.(received, total)
        })
        res!.on('error', reject)
        res!.on('aborted', () => reject(new DownloadError('the connection was cut; retry to resume')))
        out.on('error', reject)
        out.on('finish', resolve)
        res!.pipe(out)
      })
    } catch (err) {
      // Wait until the file is closed: a write still in flight would otherwise land after the
      // next attempt measured the part and appended to it, and the resumed file would be corrupt.
      if (!out.closed) await new Promise<void>((r) => out.destroy().once('close', () => r()))
      if (opts.signal?.aborted) throw new DownloadError('download cancelled; it resumes next time')
      throw err instanceof DownloadError ? err : new DownloadError(`download interrupted: ${(err as Error).message}; retry to resume`)
    }
  }
  const sum = await sha256File(part)
  if (sum !== opts.sha256.toLowerCase()) {
    unlinkSync(part)
    throw new DownloadError(`checksum mismatch for ${url}: expected sha256 ${opts.sha256}, got ${sum}; the file was discarded`)
  }
  renameSync(part, dest)
}
