// posterity import <path...> [--labels FILE] [--metadata FILE] [--embed] [--json]
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import type { Event, ImportResult } from '../../../shared/api'
import type { Core } from '../../core'
import { DB_FILE } from '../../library/db'
import { UserError, str, type Command, type Values } from '../command'
import { coreApi } from '../api'
import { removeEmptyLibrary, withLibrary } from '../library'
import { printable } from '../../../shared/printable'

const help = `Usage: posterity import <path...> [--labels FILE] [--metadata FILE.csv] [--embed] [--library DIR] [--json]

Imports poster images (folders are searched recursively; jpg, png, webp, gif, avif, tiff)
into the library. Re-running the same import changes nothing.

  --labels FILE     genre labels: the Kaggle layout (Id, Genre, one 0/1 column per genre),
                    MovieGenre.csv (imdbId, Title, Genre as "A|B") or a posterity export
                    (CSV or JSON; each label keeps its source); a poster matches the row
                    whose Id is its file name without extension. N/A means the genre is
                    unknown: that poster stays unlabelled. Files that already made a
                    poster (same path, or the same bytes) update it instead of adding one
  --metadata FILE   Id,Title,Year
  --embed           also compute the genre model's features from the same decode as the
                    thumbnails (needs the backbone), so \`posterity train\` starts at once
  --json            print the result as JSON on stdout
  --library DIR     the library folder

Progress goes to stderr; the summary lists every skipped file with the reason.
Exit status: 0 when posters were imported, 1 when nothing could be imported or a
labels/metadata file is unusable. Ctrl-C cancels and removes what was added.`

function summary(r: ImportResult): string {
  const lines = [
    `imported in ${r.seconds.toFixed(1)} s: ${r.added} added, ${r.updated} updated, ${r.unchanged} unchanged` +
      (r.duplicates ? `, ${r.duplicates} with byte-identical artwork (flagged duplicate)` : ''),
  ]
  if (r.skipped.length) {
    lines.push(`skipped ${r.skipped.length} file${r.skipped.length === 1 ? '' : 's'}:`)
    for (const s of r.skipped) lines.push(`  ${printable(s.path)}: ${printable(s.reason)}`)
  }
  if (r.warnings.length) {
    lines.push('warnings:')
    for (const w of r.warnings) lines.push(`  ${printable(w)}`)
  }
  return lines.join('\n') + '\n'
}

const command: Command = {
  summary: 'import poster folders, labels and metadata',
  help,
  positionals: true,
  options: { labels: { type: 'string' }, metadata: { type: 'string' }, embed: { type: 'boolean' }, json: { type: 'boolean' } },
  async run({ values, positionals, libraryDir }) {
    if (positionals.length === 0) throw new UserError('give at least one folder or image to import (see posterity import --help)', 2)
    // An import that makes a library and keeps nothing (a mistyped folder, an unusable labels
    // file, Ctrl-C) takes the library away again: a later command then says "no library", not "0 posters".
    const fresh = !existsSync(join(libraryDir, DB_FILE))
    const madeDir = !existsSync(libraryDir)
    let empty = false
    try {
      return await withLibrary(
        libraryDir,
        async (core) => {
          try {
            return await importInto(core, values, positionals)
          } finally {
            if (fresh) empty = await coreApi(core).library.stats({}).then((s) => s.posters === 0, () => false)
          }
        },
        { create: true },
      )
    } finally {
      if (empty) removeEmptyLibrary(libraryDir, madeDir)
    }
  },
}
export default command

async function importInto(core: Core, values: Values, positionals: string[]): Promise<number> {
  const tty = process.stderr.isTTY
  let lastLine = 0
  const off = core.events.onAny((name, payload) => {
    if (name !== 'import.progress') return
    const p = payload as { done: number; total: number; skipped: number }
    const now = Date.now()
    if (p.done !== p.total && now - lastLine < (tty ? 100 : 2000)) return
    lastLine = now
    const line = p.total === 0 ? 'scanning…' : `importing ${p.done}/${p.total}${p.skipped ? ` (${p.skipped} skipped)` : ''}`
    process.stderr.write(tty ? `\r${line}\x1b[K` : `${line}\n`)
  })
  // The end of the job, as every host learns it: the import.finished event.
  let finished: Event<'import.finished'> | null = null
  const offEnd = core.events.onAny((name, payload) => {
    if (name === 'import.finished') finished = payload as Event<'import.finished'>
  })
  // A labels or metadata file that cannot be used fails the import (exit 1), not the command line.
  const api = coreApi(core, 1)
  let jobId: string
  try {
    ;({ jobId } = await api.imports.start({
      paths: positionals,
      labels: str(values, 'labels'),
      metadata: str(values, 'metadata'),
      embed: values.embed === true,
    }))
  } catch (err) {
    off()
    offEnd()
    throw err
  }
  const onSigint = () => {
    process.stderr.write('\ncancelling: removing what this import added…\n')
    void api.jobs.cancel({ jobId })
  }
  process.once('SIGINT', onSigint)
  await core.jobs.wait(jobId)
  process.off('SIGINT', onSigint)
  off()
  offEnd()
  if (tty) process.stderr.write('\n')
  const end = finished as Event<'import.finished'> | null
  const result = end?.jobId === jobId ? end.result : null
  const error = end?.error ?? null
  const status = end?.status
  if (status === 'cancelled') throw new UserError('import cancelled; nothing was kept', 130)
  if (!result) throw new UserError(`import failed: ${error ?? 'unknown error'}`)
  if (values.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`)
  else process.stdout.write(summary(result))
  if (result.added + result.updated + result.unchanged === 0) {
    process.stderr.write(`posterity import: nothing could be imported${result.skipped.length ? ` (${result.skipped.length} ${result.skipped.length === 1 ? 'file' : 'files'} skipped, see above)` : ' (no images found)'}\n`)
    return 1
  }
  return 0
}
