import { createHash, randomBytes } from 'node:crypto'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DownloadError, downloadFile } from '../../src/main/ml/backbone/download'

const body = randomBytes(300_000)
const sha = createHash('sha256').update(body).digest('hex')
const seen: { url: string; range?: string }[] = []
let server: Server
let base = ''
const work = mkdtempSync(join(tmpdir(), 'posterity-dl-'))

beforeAll(async () => {
  server = createServer((req, res) => {
    seen.push({ url: req.url!, range: req.headers.range })
    if (req.url === '/redirect') {
      res.writeHead(302, { location: '/model.onnx' }).end()
      return
    }
    if (req.url === '/cut') {
      // Sends half, then drops the connection.
      res.writeHead(200, { 'content-length': body.length })
      res.write(body.subarray(0, body.length / 2), () => res.destroy())
      return
    }
    const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '')
    if (range && req.url !== '/norange') {
      const start = Number(range[1])
      res.writeHead(206, { 'content-length': body.length - start, 'content-range': `bytes ${start}-${body.length - 1}/${body.length}` })
      res.end(body.subarray(start))
      return
    }
    res.writeHead(200, { 'content-length': body.length })
    res.end(body)
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(async () => {
  await new Promise((r) => server.close(r))
  rmSync(work, { recursive: true, force: true })
})

describe('backbone download', () => {
  it('downloads with progress and verifies the checksum (redirects followed)', async () => {
    const dest = join(work, 'a', 'model.onnx')
    const progress: number[] = []
    await downloadFile(`${base}/redirect`, dest, { sha256: sha, onProgress: (r, t) => (expect(t).toBe(body.length), progress.push(r)) })
    expect(readFileSync(dest).equals(body)).toBe(true)
    expect(existsSync(`${dest}.part`)).toBe(false)
    expect(progress.at(-1)).toBe(body.length)
  })

  it('resumes a partial download with an HTTP Range request', async () => {
    const dest = join(work, 'b.onnx')
    writeFileSync(`${dest}.part`, body.subarray(0, 100_000))
    seen.length = 0
    await downloadFile(`${base}/model.onnx`, dest, { sha256: sha })
    expect(seen[0].range).toBe('bytes=100000-')
    expect(readFileSync(dest).equals(body)).toBe(true)
  })

  it('starts over when the server ignores the Range', async () => {
    const dest = join(work, 'c.onnx')
    writeFileSync(`${dest}.part`, Buffer.alloc(5000, 7))
    await downloadFile(`${base}/norange`, dest, { sha256: sha })
    expect(readFileSync(dest).equals(body)).toBe(true)
  })

  it('keeps a cut download to resume it next time', async () => {
    const dest = join(work, 'd.onnx')
    await expect(downloadFile(`${base}/cut`, dest, { sha256: sha })).rejects.toThrow(/resume/)
    expect(existsSync(`${dest}.part`)).toBe(true)
    seen.length = 0
    await downloadFile(`${base}/model.onnx`, dest, { sha256: sha })
    expect(seen[0].range).toMatch(/^bytes=\d+-$/)
    expect(readFileSync(dest).equals(body)).toBe(true)
  })

  it('discards a file whose checksum does not match', async () => {
    const dest = join(work, 'e.onnx')
    await expect(downloadFile(`${base}/model.onnx`, dest, { sha256: 'ab'.repeat(32) })).rejects.toThrow(/checksum mismatch/)
    expect(existsSync(dest)).toBe(false)
    expect(existsSync(`${dest}.part`)).toBe(false)
  })

  it('says clearly when the machine is offline', async () => {
    // A port nothing listens on: connection refused, as when offline.
    const probe = createServer()
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r))
    const port = (probe.address() as AddressInfo).port
    await new Promise((r) => probe.close(r))
    const err = await downloadFile(`http://127.0.0.1:${port}/m.onnx`, join(work, 'f.onnx'), { sha256: sha }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(DownloadError)
    expect((err as DownloadError).offline).toBe(true)
    expect((err as Error).message).toMatch(/offline.*Import model file/)
  })
})
