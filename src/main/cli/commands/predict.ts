// posterity predict [--library DIR] [--ids FILE | PATH...] --out FILE.csv
import { writeFileSync } from 'node:fs'
import { basename, extname } from 'node:path'
import { UserError, str, type Command } from '../command'
import { outputFile, withLibrary } from '../library'
import { listImages, readIdsFile, waitForJob } from '../model-support'
import { csvField } from '../../formats/csv-field'
import { coreApi } from '../api'

const help = `Usage: posterity predict [--library DIR] [--ids FILE | PATH...] --out FILE.csv

Predicts genre probabilities with the active model and writes one CSV row a poster:
Id, then one probability column per genre (the header names the genres).

  --ids FILE   the library posters listed in FILE (one id a line); without it and without
               PATHs, every poster of the library. Predictions are also stored in the library.
  PATH...      image files or folders OUTSIDE the library, predicted without importing them;
               the Id column is the file name without its extension
  --out FILE   the CSV to write (required)

Unreadable images are listed on stderr and left out; the exit status is 1 if any was.`

const command: Command = {
  summary: 'predict genre probabilities into a CSV',
  help,
  positionals: true,
  options: { ids: { type: 'string' }, out: { type: 'string' } },
  async run({ values, positionals, libraryDir }) {
    const out0 = str(values, 'out')
    if (!out0) throw new UserError('--out FILE.csv is required', 2)
    const out = outputFile(out0, libraryDir)
    const idsFile = str(values, 'ids')
    if (idsFile && positionals.length) throw new UserError('give either --ids FILE or PATHs, not both', 2)
    const files = positionals.length ? await listImages(positionals) : null
    if (files && files.length === 0) throw new UserError('no image files found in the given paths')
    const ids = idsFile ? readIdsFile(idsFile) : undefined
    return withLibrary(libraryDir, async (core) => {
      const api = coreApi(core)
      const t0 = performance.now()
      let genres: string[] = []
      let rows: { id: string; probs: number[] }[] = []
      let failures: string[] = []
      if (files) {
        const r = await api.model.predictFiles({ paths: files })
        genres = r.genres
        rows = r.rows.map((x) => ({ id: basename(x.path, extname(x.path)), probs: x.probabilities }))
        failures = r.failed.map((f) => `${f.path}: ${f.error}`)
      } else {
        if (!(await api.model.runs({})).runs.some((r) => r.active)) throw new UserError('no model is active yet: run posterity train first')
        const { jobId } = await api.model.predict(ids ? { scope: 'selection', ids } : { scope: 'all' })
        const result = ((await core.jobs.wait(jobId)) as { failed: { id: string; error: string }[] } | null) ?? { failed: [] }
        await waitForJob(core, jobId)
        const failed = new Set(result.failed.map((f) => f.id))
        failures = result.failed.map((f) => `${f.id}: ${f.error}`)
        // The stored probabilities, in parts: the listed posters, or every poster page by page.
        const missing: string[] = []
        const take = (part: Awaited<ReturnType<typeof api.model.probabilities>>) => {
          genres = part.genres
          rows.push(...part.rows.map((r) => ({ id: r.id, probs: r.probabilities })))
          missing.push(...part.without.filter((id) => !failed.has(id)))
        }
        if (ids) for (let i = 0; i < ids.length; i += 10_000) take(await api.model.probabilities({ ids: ids.slice(i, i + 10_000) }))
        else {
          let after: string | undefined
          do {
            const part = await api.model.probabilities({ after })
            take(part)
            after = part.next ?? undefined
          } while (after !== undefined)
        }
        if (missing.length) failures.push(...missing.map((id) => `${id}: not a poster of this library`))
      }
      const lines = [['Id', ...genres].map(csvField).join(',')]
      for (const r of rows) lines.push([csvField(r.id), ...r.probs.map((p) => p.toFixed(4))].join(','))
      writeFileSync(out, `${lines.join('\n')}\n`)
      for (const f of failures) process.stderr.write(`skipped ${f}\n`)
      const { provider, backend } = await api.model.engines({})
      process.stderr.write(
        `wrote ${rows.length} rows to ${out} in ${((performance.now() - t0) / 1000).toFixed(1)} s (onnxruntime execution provider: ${provider ?? 'not used, embeddings cached'}; head backend: ${backend ?? 'n/a'})\n`,
      )
      return failures.length ? 1 : 0
    })
  },
}
export default command
