// The same files named more than once in one import, copies under other names, and the same
// folder imported again: each file makes one poster, once, and nothing is reported for it.
import { copyFileSync, mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { startImport } from '../../src/main/importer/handlers'
import { jpeg, useLibrary } from '../library/helpers'

const t = useLibrary({ sub: 'lib' })

describe('files named more than once', () => {
  it('imports a folder given twice, a folder inside it and a file in it once each, without warnings', async () => {
    const p = join(t.dir, 'posters')
    mkdirSync(join(p, 'more'), { recursive: true })
    await jpeg(join(p, 'tt0000001.jpg'), { seed: 1 })
    await jpeg(join(p, 'more', 'tt0000002.jpg'), { seed: 2 })
    // A byte-identical copy under another name: a poster of its own, flagged duplicate.
    copyFileSync(join(p, 'tt0000001.jpg'), join(p, 'copy of one.jpg'))
    const r = (await (await startImport(t.core, { paths: [p, p, join(p, 'more'), join(p, 'tt0000001.jpg')] })).promise)!
    expect(r).toMatchObject({ added: 3, duplicates: 2, skipped: [], warnings: [] })
    const again = (await (await startImport(t.core, { paths: [p] })).promise)!
    expect(again).toMatchObject({ added: 0, updated: 0, unchanged: 3, skipped: [], warnings: [] })
    expect(t.core.db.prepare('SELECT COUNT(*) FROM posters').pluck().get()).toBe(3)
  })
})
