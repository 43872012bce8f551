// Helpers shared by the train / predict / eval CLI commands.
import { existsSync, readFileSync, statSync } from 'node:fs'
import { resolve } from 'node:path'
import { PosterId, type ModelEvaluation } from '../../shared/api'
import { errnoWords } from '../errno'
import { UserError } from './command'
import { coreApi } from './api'
import type { Core } from '../core'
import { isImagePath, scan } from '../importer/scan'

/**
 * One poster id a line; blank lines, `#` comments, a BOM, CRLF and repeated ids are fine. A
 * line that is no poster id (a CSV row, a path, a title) is refused naming its line and text.
 */
export function readIdsFile(file: string): string[] {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (err) {
    throw new UserError(`cannot read --ids file ${file}: ${errnoWords(err, 'no such file')}`)
  }
  const ids: string[] = []
  const bad: { line: number; text: string }[] = []
  text.split(/\r?\n/).forEach((raw, i) => {
    const l = raw.replace(/^\uFEFF/, '').trim()
    if (!l || l.startsWith('#')) return
    if (PosterId.safeParse(l).success) ids.push(l)
    else bad.push({ line: i + 1, text: l })
  })
  if (bad.length) {
    const { line, text: what } = bad[0]
    const shown = what.length > 60 ? `${what.slice(0, 59)}…` : what
    throw new UserError(
      `--ids file ${file} line ${line}: ${JSON.stringify(shown)} is not a poster id (one id a line: letters, digits and . _ : -)` +
        (bad.length > 1 ? `; ${bad.length - 1} more line${bad.length === 2 ? '' : 's'} like it` : ''),
      2,
    )
  }
  if (ids.length === 0) throw new UserError(`--ids file ${file} lists no ids`)
  return [...new Set(ids)]
}

/**
 * Image files named on the command line, folders searched recursively by the importer's walk
 * (symlink loops skipped, hidden entries left out, each file once); an image that cannot be
 * read (a broken link, a folder without permission) is an error, not a silent gap.
 */
export async function listImages(paths: string[]): Promise<string[]> {
  for (const p of paths) {
    const abs = resolve(p)
    if (!existsSync(abs)) throw new UserError(`no such file or folder: ${p}`)
    if (statSync(abs).isFile() && !isImagePath(abs)) throw new UserError(`${p} is not an image file (jpg, png, webp, gif, avif, tiff)`)
  }
  const found = await scan(paths)
  if (found.skipped.length) throw new UserError(`cannot read ${found.skipped[0].path}: ${found.skipped[0].reason}`)
  return found.files
}

/** Runs a job started through the API to its end, relaying Ctrl-C as a cancel. */
export async function waitForJob(core: Core, jobId: string): Promise<void> {
  const api = coreApi(core)
  const onSigint = () => {
    process.stderr.write('\ncancelling…\n')
    void api.jobs.cancel({ jobId })
  }
  process.once('SIGINT', onSigint)
  try {
    await core.jobs.wait(jobId)
  } finally {
    process.off('SIGINT', onSigint)
  }
  const job = (await api.jobs.list({})).jobs.find((j) => j.jobId === jobId)
  if (job?.status === 'failed') throw new UserError(job.message ?? 'the job failed')
  if (job?.status === 'cancelled') throw new UserError('cancelled', 130)
}

const f3 = (x: number | null) => (x === null ? '  -  ' : x.toFixed(3))

export function formatEvaluation(ev: ModelEvaluation): string {
  const m = ev.model
  const p = ev.prior
  const iv = ev.intervals
  const how =
    ev.method === 'cross-validation'
      ? `out-of-fold predictions of ${ev.folds}-fold cross-validation (duplicates kept in one fold; F1 with thresholds tuned on the other folds) on ${ev.posters} posters`
      : ev.method === 'holdout'
        ? `a held-out validation split of ${ev.posters} posters`
        : `${ev.posters} posters`
  const ci = (k: keyof ModelEvaluation['model'], side: 'model' | 'prior') => (iv ? `  [${f3(iv[side][k][0])}, ${f3(iv[side][k][1])}]` : '')
  const line = (label: string, k: keyof ModelEvaluation['model']) =>
    `  ${label.padEnd(13)}${f3(m[k])}${ci(k, 'model')}   ${f3(p[k])}${ci(k, 'prior')}`
  const lines = [
    `evaluated on ${how} (genres with < ${ev.minSupport} positives listed apart, not averaged)`,
    ...(ev.ensemble
      ? [
          `figures of the kept model, which averages ${ev.ensemble.members} models: carried there from the out-of-fold figures of each of the ${ev.ensemble.deals} fold deals alone and of their average` +
            ` (measured, ${ev.ensemble.deals} models averaged: macro-AP ${f3(ev.ensemble.outOfFold.macroAp)}, micro-AP ${f3(ev.ensemble.outOfFold.microAp)}, macro-F1 ${f3(ev.ensemble.outOfFold.macroF1)}), a figure moving as 1 / models`,
        ]
      : []),
    iv ? `               model  95% interval      prior  95% interval   (bootstrap, ${iv.replicates} resamples of the posters)` : '               model   prior',
    line('macro-AP', 'macroAp'),
    line('micro-AP', 'microAp'),
    line('macro-F1', 'macroF1'),
    line('micro-F1', 'microF1'),
    line('hit@1', 'hit1'),
    line('hit@3', 'hit3'),
    '',
    '  genre            support     AP  prior-AP     F1  prior-F1  threshold',
  ]
  const row = (g: ModelEvaluation['genres'][number]) =>
    `  ${g.genre.padEnd(16)} ${String(g.support).padStart(7)}  ${f3(g.ap)}   ${f3(g.priorAp)}  ${f3(g.f1)}   ${f3(g.priorF1)}     ${g.threshold.toFixed(3)}`
  lines.push(...ev.genres.map(row))
  if (ev.rare.length) lines.push('  rare (not averaged):', ...ev.rare.map(row))
  return lines.join('\n') + '\n'
}
