// The importer's side of embedding during an import (decoded-sink.ts): a poster that needs no
// thumbnail encode is handed over as bytes, and the sink's verdict decides whether it is
// kept. Here a stand-in sink answers as the model worker's end may: it could not tell (the
// worker died), or it refused a file. The importer must decode those itself, keep a library
// without refused posters or their thumbnails, and give each refusal its reason.
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import type { DecodedSink } from '../../src/main/decoded-sink'
import { startImport } from '../../src/main/importer/handlers'
import { MAX_HANDED_BYTES } from '../../src/main/importer/run'
import { thumbPath } from '../../src/main/library/thumbs'
import { jpeg, useLibrary } from '../library/helpers'

const t = useLibrary({ sub: 'lib' })

/** A sink that answers each file with `answer(its bytes)` and takes resized views silently. */
function standIn(answer: (bytes: Buffer) => string | null | undefined, ms = 5): DecodedSink & { files: number; views: number } {
  const sink = {
    files: 0,
    views: 0,
    spec: { width: 32, height: 48, views: ['fill' as const] },
    wants: () => true,
    push: async () => void sink.views++,
    async pushEncoded(_hash: string, bytes: Buffer) {
      sink.files++
      // Answered later, as a worker's batch is.
      return { verdict: new Promise<string | null | undefined>((res) => setTimeout(() => res(answer(bytes)), ms)) }
    },
    flush: () => undefined,
    finish: async () => ({ embedded: 0, failed: 0 }),
    abort: () => undefined,
  }
  return sink
}

async function folder(): Promise<{ dir: string; good: string[]; cut: string }> {
  const dir = join(t.dir, 'posters')
  mkdirSync(dir, { recursive: true })
  const good: string[] = []
  for (let i = 1; i <= 12; i++) {
    const p = join(dir, `tt00000${10 + i}.jpg`)
    await jpeg(p, { seed: i })
    good.push(p)
  }
  const cut = join(dir, 'tt0000099.jpg')
  const whole = readFileSync(good[0])
  writeFileSync(cut, whole.subarray(0, Math.floor(whole.length / 2)))
  return { dir, good, cut }
}

describe('posters handed to the decoded sink as bytes', () => {
  it('are checked by the importer itself when the sink cannot tell, and the cut one is refused', async () => {
    const { dir, good, cut } = await folder()
    const sink = standIn(() => undefined)
    t.core.importSink = async () => sink
    const r = (await (await startImport(t.core, { paths: [dir], embed: true })).promise)!
    expect(sink.files).toBe(13) // every poster went the bytes' way
    expect(r.added).toBe(good.length)
    expect(r.skipped).toEqual([{ path: cut, reason: 'truncated or corrupt image: premature end of the file (no JPEG end marker)' }])
    for (const h of t.core.db.prepare('SELECT hash FROM posters').pluck().all() as string[]) expect(existsSync(thumbPath(join(t.dir, 'lib'), h))).toBe(true)
  })

  it('skips what the sink refuses, with its reason, and leaves no thumbnail for it', async () => {
    const { dir, good } = await folder()
    const refused = readFileSync(good[3])
    t.core.importSink = async () => standIn((b) => (b.equals(refused) ? 'cannot decode image: refused by the stand-in' : b.subarray(-2).equals(Buffer.from([0xff, 0xd9])) ? null : 'truncated'))
    const r = (await (await startImport(t.core, { paths: [dir], embed: true })).promise)!
    expect(r.added).toBe(good.length - 1)
    const reasons = Object.fromEntries(r.skipped.map((s) => [s.path, s.reason]))
    expect(reasons[good[3]]).toBe('cannot decode image: refused by the stand-in')
    // A file cut short is named so whatever the decoder said.
    expect(reasons[join(dir, 'tt0000099.jpg')]).toBe('truncated or corrupt image: premature end of the file (no JPEG end marker)')
    const { createHash } = await import('node:crypto')
    expect(existsSync(thumbPath(join(t.dir, 'lib'), createHash('sha256').update(refused).digest('hex')))).toBe(false)
    expect(t.core.db.prepare('SELECT status FROM imports').pluck().all()).toEqual(['done'])
  })

  it('cancelled while verdicts are pending: rolled back, and no thumbnail written after the rollback', async () => {
    const { dir } = await folder()
    t.core.importSink = async () => standIn(() => null, 300)
    const started = await startImport(t.core, { paths: [dir], embed: true })
    await new Promise((res) => setTimeout(res, 100))
    t.core.jobs.cancel(started.jobId)
    await started.promise.catch(() => null)
    await new Promise((res) => setTimeout(res, 500)) // past every verdict
    expect(t.core.db.prepare('SELECT COUNT(*) FROM posters').pluck().get()).toBe(0)
    expect(t.core.db.prepare('SELECT status FROM imports').pluck().all()).toEqual(['cancelled'])
    const thumbs = join(t.dir, 'lib', 'thumbs')
    expect(existsSync(thumbs) ? readdirSync(thumbs, { recursive: true }).filter((f) => /\.(jpg|webp)$/.test(String(f))) : []).toEqual([])
  })

  it('hands over no large file as bytes: one whose thumbnail is cached is decoded here and sent as views', async () => {
    const dir = join(t.dir, 'big')
    mkdirSync(dir)
    // A scan of well over a megabyte (noise does not compress).
    await jpeg(join(dir, 'tt0000201.jpg'), { width: 1400, height: 2100, seed: 9 })
    expect(statSync(join(dir, 'tt0000201.jpg')).size).toBeGreaterThan(MAX_HANDED_BYTES)
    await (await startImport(t.core, { paths: [dir] })).promise
    // The same artwork under a second name: its thumbnail is in the cache already.
    const again = join(t.dir, 'again')
    mkdirSync(again)
    copyFileSync(join(dir, 'tt0000201.jpg'), join(again, 'tt0000202.jpg'))
    const sink = standIn(() => null)
    t.core.importSink = async () => sink
    const r = (await (await startImport(t.core, { paths: [again], embed: true })).promise)!
    expect(r.added).toBe(1)
    expect({ files: sink.files, views: sink.views }).toEqual({ files: 0, views: 1 })
  })
})
