// `npm run bench -- tag [FILMS] [--posters P]`: a generated collection of FILMS films (default
// 10,000) in Kodi layout (letter folders, a folder a film, poster.jpg, <video>.nfo with actors,
// ratings and stream details), whose posters reuse P distinct shared posters (default 1,000)
// and whose NFO genres come from train.csv. It times: the first scan (posters through the
// importer), training a model on the NFO labels (not counted), the first dry run (predicting
// every film from cached embeddings, reading and planning every NFO), a re-scan, a second dry
// run, the write-back and its undo; and, in the same process, bare baselines: reading and
// parsing every NFO with saxes, and an atomic replacement of every file.
import { copyFileSync, existsSync, linkSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { open, readFile, rename } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openCore } from '../src/main/core'
import { parseNfo } from '../src/main/formats/nfo'
import { modelService } from '../src/main/ml/service/model-service'
import { backboneFile, call, datasetDir, sharedDataPresent } from './_shared-library'

function nfo(i: number, title: string, year: number, genres: string[]): string {
  const actors = Array.from({ length: 8 }, (_, a) => `  <actor>\n    <name>Actor ${a} of ${i}</name>\n    <role>Role ${a}</role>\n    <order>${a}</order>\n    <thumb>https://image.tmdb.org/t/p/original/${i}-${a}.jpg</thumb>\n  </actor>`)
  return [
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>',
    '<!-- created by the tag benchmark -->',
    '<movie>',
    `  <title>${title}</title>`,
    `  <originaltitle>${title}</originaltitle>`,
    '  <ratings>\n    <rating default="true" max="10" name="imdb">\n      <value>7.1</value>\n      <votes>12345</votes>\n    </rating>\n  </ratings>',
    `  <year>${year}</year>`,
    `  <plot><![CDATA[The plot of film ${i} & what happens <next>.]]></plot>`,
    `  <uniqueid type="imdb" default="true">tt${String(5000000 + i).padStart(7, '0')}</uniqueid>`,
    `  <uniqueid type="tmdb">${100000 + i}</uniqueid>`,
    ...genres.map((g) => `  <genre>${g}</genre>`),
    '  <country>Österreich</country>',
    ...actors,
    '  <fileinfo>\n    <streamdetails>\n      <video>\n        <codec>h264</codec>\n        <width>1920</width>\n        <height>1080</height>\n      </video>\n      <audio>\n        <codec>ac3</codec>\n        <channels>6</channels>\n      </audio>\n    </streamdetails>\n  </fileinfo>',
    '</movie>',
    '',
  ].join('\n')
}

const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`

export default async function main(args: string[]): Promise<number> {
  const pi = args.indexOf('--posters')
  const distinct = pi >= 0 ? Number(args[pi + 1]) : 1000
  const films = Number(args.find((a, i) => /^\d+$/.test(a) && args[i - 1] !== '--posters') ?? 10_000)
  if (!sharedDataPresent()) return 1
  const haveBackbone = existsSync(backboneFile())
  const labels = new Map<string, string[]>()
  const lines = readFileSync(join(datasetDir, 'train.csv'), 'utf8').trim().split('\n')
  const head = lines[0].split(',')
  for (const l of lines.slice(1)) {
    const cells = l.replace(/^([^,]+),"[^"]*",/, '$1,').split(',')
    labels.set(cells[0], head.slice(2).filter((g, k) => cells[k + 1] === '1' && g !== 'N/A'))
  }
  const posters = readdirSync(join(datasetDir, 'posters')).filter((f) => f.endsWith('.jpg') && labels.has(f.slice(0, -4))).sort().slice(0, distinct)
  const work = mkdtempSync(join(tmpdir(), 'posterity-bench-tag-'))
  const root = join(work, 'Movies')
  try {
    let t = performance.now()
    let linked = true
    for (let i = 0; i < films; i++) {
      const title = `Movie ${String(i).padStart(5, '0')}`
      const year = 1950 + (i % 70)
      const dir = join(root, String.fromCharCode(65 + (i % 26)), `${title} (${year})`)
      mkdirSync(dir, { recursive: true })
      writeFileSync(join(dir, `${title}.mkv`), '')
      const p = posters[i % posters.length]
      const src = join(datasetDir, 'posters', p)
      // Hard links where the file system allows (same bytes, no copy); copies elsewhere.
      if (linked) {
        try {
          linkSync(src, join(dir, 'poster.jpg'))
        } catch {
          linked = false
        }
      }
      if (!linked) copyFileSync(src, join(dir, 'poster.jpg'))
      // A third of the films have no genre in their NFO yet: the model proposes theirs.
      const genres = i % 3 === 0 ? [] : labels.get(p.slice(0, -4))!.map((g) => (g === 'Sci-Fi' ? 'Science Fiction' : g))
      writeFileSync(join(dir, `${title}.nfo`), nfo(i, title, year, genres))
    }
    console.log(`collection: ${films} films, ${posters.length} distinct shared posters (${linked ? 'hard links' : 'copies'}), written in ${s(performance.now() - t)} to ${root}`)

    const core = openCore({ libraryDir: join(work, 'library') })
    try {
      t = performance.now()
      const scan1 = await call<{ films: number; withPoster: number; problems: unknown[] }>(core, 'collection.scan', { root })
      const scanMs = performance.now() - t
      console.log(`first scan: ${scan1.films} films, ${scan1.withPoster} posters imported, ${scan1.problems.length} problems in ${s(scanMs)} (${Math.round(films / (scanMs / 1000))} films/s)`)

      const kind = haveBackbone ? 'head' : 'cnn'
      t = performance.now()
      const { jobId } = await call<{ jobId: string }>(core, 'model.train', kind === 'head' ? { kind } : { kind, epochs: 2, inputSize: 32 })
      await core.jobs.wait(jobId)
      const job = core.jobs.list().find((j) => j.jobId === jobId)!
      if (job.status !== 'done') throw new Error(`training failed: ${job.message}`)
      console.log(`model: ${kind} trained on the NFO labels in ${s(performance.now() - t)} (embeddings of the distinct posters now cached; not counted below)`)

      const rule = { minProbability: 0.3, maxGenres: 3, mode: 'replace' }
      const dry = async () => {
        const t0 = performance.now()
        const r = await call<{ results: { status: string }[] }>(core, 'collection.write', { root, rule, scope: 'all', dryRun: true })
        return { ms: performance.now() - t0, changes: r.results.filter((x) => x.status === 'written' || x.status === 'created').length }
      }
      const d1 = await dry()
      console.log(`first dry run (predict ${films} films from cached embeddings, read + plan every NFO, diffs): ${s(d1.ms)}, ${d1.changes} films would change (aim: < 60 s)`)
      t = performance.now()
      await call(core, 'collection.scan', { root })
      const rescanMs = performance.now() - t
      const d2 = await dry()
      console.log(`re-scan, nothing changed: ${s(rescanMs)}; second dry run (predictions stored): ${s(d2.ms)}`)

      t = performance.now()
      const w = await call<{ written: number; failed: number }>(core, 'collection.write', { root, rule, scope: 'all' })
      const writeMs = performance.now() - t
      console.log(`write-back: ${w.written} NFO files written (backup, temp file, fsync, rename each), ${w.failed} failed, in ${s(writeMs)} (${Math.round(w.written / (writeMs / 1000))} files/s)`)
      t = performance.now()
      const u = await call<{ restored: number; conflicts: unknown[] }>(core, 'collection.undo', {})
      const undoMs = performance.now() - t
      console.log(`undo: ${u.restored} originals put back, ${u.conflicts.length} conflicts, in ${s(undoMs)}`)

      // Baselines in the same process, on the same files.
      const paths = (core.db.prepare('SELECT nfo_path FROM collection_films').pluck().all() as string[]).sort()
      t = performance.now()
      for (const p of paths) parseNfo(await readFile(p))
      const parseMs = performance.now() - t
      t = performance.now()
      let next = 0
      await Promise.all(
        Array.from({ length: 8 }, async () => {
          while (next < paths.length) {
            const p = paths[next++]
            const bytes = await readFile(p)
            const fh = await open(`${p}.tmp`, 'w')
            await fh.writeFile(bytes)
            await fh.sync()
            await fh.close()
            await rename(`${p}.tmp`, p)
          }
        }),
      )
      const bareMs = performance.now() - t
      console.log(`baseline: read + saxes parse of ${paths.length} NFOs ${s(parseMs)} (dry run ${(d1.ms / parseMs).toFixed(1)}× / ${(d2.ms / parseMs).toFixed(1)}× that)`)
      console.log(`baseline: bare atomic rewrite (read, temp, fsync, rename; 8 in flight) ${s(bareMs)} (write-back ${(writeMs / bareMs).toFixed(1)}× that, with backups and checks)`)
      modelService(core).worker.stop()
    } finally {
      await core.close()
    }
    return 0
  } finally {
    rmSync(work, { recursive: true, force: true })
  }
}

