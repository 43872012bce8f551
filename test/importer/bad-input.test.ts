// Input that used to cost memory or hang: files are checked by type, header and size before
// they are read whole, and names with control characters are shown escaped.
import { execFileSync, spawnSync } from 'node:child_process'
import { closeSync, mkdirSync, openSync, truncateSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { startImport } from '../../src/main/importer/handlers'
import { MAX_FILE_BYTES, sniffFormat } from '../../src/main/importer/images'
import { CLI } from '../../scripts/harness'
import { call, jpeg, useLibrary } from '../library/helpers'

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
    await expect(startImport(t.core, { paths: [p], labels: fifo })).rejects.toThrow(/not a regular file/)
    await expect(startImport(t.core, { paths: [p], metadata: '/dev/zero' })).rejects.toThrow(/not a regular file/)
    const png = join(t.dir, 'labels2.csv')
    writeFileSync(png, Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]))
    await expect(startImport(t.core, { paths: [p], labels: png })).rejects.toThrow(/binary, not a CSV/)
    // Metadata is CSV only (a labels file in our JSON export layout is read by its content).
    const json = join(t.dir, 'movies.csv')
    writeFileSync(json, '[\n  {"Id": "tt0000001", "Title": "One"}\n]\n')
    await expect(startImport(t.core, { paths: [p], metadata: json })).rejects.toThrow(/holds JSON, not CSV/)
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
    const r = await (await startImport(t.core, { paths: [p] })).promise
    expect(r?.added).toBe(1)
    const reasons = Object.fromEntries(r!.skipped.map((s) => [s.path.split('/').pop(), s.reason]))
    expect(reasons['huge.jpg']).toMatch(/file too large: 256 MB/)
    expect(reasons['notes.jpg']).toBe('not an image (unrecognised file format)')
  })

  it('names the image format of a BMP, an icon, a Photoshop document and a JPEG XL file named .jpg', async () => {
    const p = await posters()
    const bmp = Buffer.alloc(200)
    bmp.write('BM', 0, 'latin1')
    bmp.writeUInt32LE(200, 2)
    bmp.writeUInt32LE(54, 10)
    writeFileSync(join(p, 'bitmap.jpg'), bmp)
    writeFileSync(join(p, 'icon.jpg'), Buffer.concat([Buffer.from([0, 0, 1, 0, 1, 0]), Buffer.alloc(100)]))
    writeFileSync(join(p, 'layers.jpg'), Buffer.concat([Buffer.from('8BPS'), Buffer.alloc(100)]))
    writeFileSync(join(p, 'next.jpg'), Buffer.concat([Buffer.from([0xff, 0x0a]), Buffer.alloc(100)]))
    const r = (await (await startImport(t.core, { paths: [p] })).promise)!
    expect(r.added).toBe(1)
    const reasons = Object.fromEntries(r.skipped.map((s) => [s.path.split('/').pop(), s.reason]))
    const use = 'whatever its name says); use jpg, png, webp, gif, avif or tiff'
    expect(reasons).toEqual({
      'bitmap.jpg': `not a supported image type (BMP, ${use}`,
      'icon.jpg': `not a supported image type (an icon (ICO), ${use}`,
      'layers.jpg': `not a supported image type (a Photoshop document, ${use}`,
      'next.jpg': `not a supported image type (JPEG XL, ${use}`,
    })
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

describe('messages never echo what a file holds', () => {
  const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY'
  it('refuses a secret-looking file given as labels or metadata without quoting it, whatever shape it has', async () => {
    const p = await posters()
    const files: [string, string][] = [
      ['aws.csv', `AWS_SECRET_ACCESS_KEY=${SECRET}\n`],
      ['key.csv', `-----BEGIN OPENSSH PRIVATE KEY-----\n${SECRET}\n-----END OPENSSH PRIVATE KEY-----\n`],
      ['passwd.csv', `root:x:0:0:${SECRET}:/root:/bin/bash\n`],
      ['two-columns.csv', `user,${SECRET}\n`],
      ['quote.csv', `Id,Genre\ntt0000001,x"${SECRET}"\n`],
      ['json.csv', `[ {"id": "tt0000001", "genres": ${SECRET}} ]\n`],
      ['json-object.csv', `{"token": "${SECRET}"}\n`],
    ]
    for (const [name, content] of files) {
      const f = join(t.dir, name)
      writeFileSync(f, content)
      for (const as of ['labels', 'metadata'] as const) {
        const err = await call(t.core, 'imports.start', { paths: [p], [as]: f }).then(
          () => null,
          (e: Error) => e,
        )
        expect(err, `${name} as ${as}`).not.toBeNull()
        expect(err!.message, `${name} as ${as}`).toContain(f)
        expect(err!.message, `${name} as ${as}`).not.toContain('wJalr')
        expect(err!.message).not.toContain('\n')
      }
    }
  })

  it('reports an NFO it cannot read without quoting it', async () => {
    const p = await posters()
    mkdirSync(join(p, 'film'))
    await jpeg(join(p, 'film', 'poster.jpg'))
    writeFileSync(join(p, 'film', 'movie.nfo'), `<movie><title>x</title><${SECRET.replace(/\//g, '')}></movie>\n`)
    const r = await (await (await startImport(t.core, { paths: [p] }))).promise
    expect(r?.added).toBe(2)
    const w = r!.warnings.find((x) => x.includes('movie.nfo'))
    expect(w).toMatch(/^NFO not read, the poster beside it is named by its file: .*movie\.nfo \(.+\)$/)
    expect(w).not.toContain('wJalr')
  })
})
