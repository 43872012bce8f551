// Input that used to cost memory or hang: files are checked by type, header and size before
// they are read whole, and names with control characters are shown escaped.
import { execFileSync, spawnSync } from 'node:child_process'
import { closeSync, mkdirSync, openSync, truncateSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { startImport } from '../../src/main/importer/handlers'
import { MAX_FILE_BYTES, sniffFormat } from '../../src/main/importer/images'
import { CLI } from '../../scripts/harness'
import { jpeg, useLibrary } from '../library/helpers'

const t = useLibrary({ sub: 'lib' })

const posters = async (): Promise<string> => {
  const p = join(t.dir, 'posters')
  mkdirSync(p, { recursive: true })
  await jpeg(join(p, 'tt0000001.jpg'))
  return p
}

describe('label and metadata files are checked before they are read', () => {
  it('refuses a FIFO, a device, a binary file and JSON named .csv, each with its own message', async () => {
    const p = await posters()
    const fifo = join(t.dir, 'labels.csv')
    execFileSync('mkfifo', [fifo])
    expect(() => startImport(t.core, { paths: [p], labels: fifo })).toThrow(/not a regular file/)
    expect(() => startImport(t.core, { paths: [p], metadata: '/dev/zero' })).toThrow(/not a regular file/)
    const png = join(t.dir, 'labels2.csv')
    writeFileSync(png, Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]))
    expect(() => startImport(t.core, { paths: [p], labels: png })).toThrow(/binary, not a CSV/)
    // Metadata is CSV only (a labels file in our JSON export layout is read by its content).
    const json = join(t.dir, 'movies.csv')
    writeFileSync(json, '[\n  {"Id": "tt0000001", "Title": "One"}\n]\n')
    expect(() => startImport(t.core, { paths: [p], metadata: json })).toThrow(/holds JSON, not CSV/)
    // Nothing was imported by the refused calls.
    expect(t.core.db.prepare('SELECT COUNT(*) FROM posters').pluck().get()).toBe(0)
  })
})

describe('poster files are sniffed before they are read whole', () => {
  it('knows the image formats by their first bytes', () => {
    expect(sniffFormat(Buffer.from([0xff, 0xd8, 0xff, 0xe0]))).toBe('jpeg')
    expect(sniffFormat(Buffer.from('GIF89a'))).toBe('gif')
    expect(sniffFormat(Buffer.from('RIFF\0\0\0\0WEBPVP8 '))).toBe('webp')
    expect(sniffFormat(Buffer.from('\0\0\0\x1cftypavif'))).toBe('heif')
    expect(sniffFormat(Buffer.from('<svg xmlns="http://www.w3.org/2000/svg">'))).toBeNull()
    expect(sniffFormat(Buffer.from('hello'))).toBeNull()
  })

  it('skips a huge sparse file and a text file named .jpg by their size and header, the good poster around them imports', async () => {
    const p = await posters()
    const huge = join(p, 'huge.jpg')
    closeSync(openSync(huge, 'w'))
    truncateSync(huge, MAX_FILE_BYTES + 1) // sparse: no disk used, no bytes to read
    writeFileSync(join(p, 'notes.jpg'), 'just some text\n'.repeat(1000))
    const r = await startImport(t.core, { paths: [p] }).promise
    expect(r?.added).toBe(1)
    const reasons = Object.fromEntries(r!.skipped.map((s) => [s.path.split('/').pop(), s.reason]))
    expect(reasons['huge.jpg']).toMatch(/file too large: 256 MB/)
    expect(reasons['notes.jpg']).toBe('not an image (unrecognised file format)')
  })

  it('shows a file name holding terminal escapes and a newline escaped in the CLI summary', async () => {
    const p = await posters()
    const evil = 'evil\x1b[2J\nname.jpg'
    writeFileSync(join(p, evil), 'not an image')
    const res = spawnSync(process.execPath, [CLI, 'import', p, '--library', join(t.dir, 'lib2')], { encoding: 'utf8' })
    expect(res.status).toBe(0)
    expect(res.stdout).toContain('evil\\x1b[2J\\nname.jpg: not an image')
    expect(res.stdout).not.toContain('\x1b')
  })
})
