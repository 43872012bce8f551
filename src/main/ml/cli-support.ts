// Helpers shared by the train / predict / eval CLI commands.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { extname, join, resolve } from 'node:path'
import type { ModelEvaluation } from '../../shared/api'
import { UserError } from '../cli/command'
import type { Core } from '../core'

/** One poster id a line; blank lines and `#` comments ignored. */
export function readIdsFile(file: string): string[] {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (err) {
    throw new UserError(`cannot read --ids file ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`)
  }
  const ids = text
    .split(/\r?\n/)
    .map((l) => l.replace(/^\uFEFF/, '').trim())
    .filter((l) => l && !l.startsWith('#'))
  if (ids.length === 0) throw new UserError(`--ids file ${file} lists no ids`)
  return [...new Set(ids)]
}

const IMAGE_EXT = new Set(['.jpg', '.jpeg', '.png', '.webp', '.gif', '.avif', '.tif', '.tiff'])

/** Image files named on the command line, folders searched recursively (symlink loops skipped). */
export function listImages(paths: string[]): string[] {
  const out: string[] = []
  const seen = new Set<string>()
  const walk = (p: string) => {
    const st = statSync(p)
    if (st.isDirectory()) {
      const key = `${st.dev}:${st.ino}`
      if (seen.has(key)) return
      seen.add(key)
      for (const name of readdirSync(p).sort()) walk(join(p, name))
    } else if (IMAGE_EXT.has(extname(p).toLowerCase())) out.push(p)
  }
  for (const p of paths) {
    const abs = resolve(p)
    if (!existsSync(abs)) throw new UserError(`no such file or folder: ${p}`)
    const before = out.length
    walk(abs)
    if (statSync(abs).isFile() && out.length === before) throw new UserError(`${p} is not an image file (jpg, png, webp, gif, avif, tiff)`)
  }
  return out
}

/** Runs a job started through the API to its end, relaying Ctrl-C as a cancel. */
export async function waitForJob(core: Core, jobId: string): Promise<void> {
  const onSigint = () => {
    process.stderr.write('\ncancelling…\n')
    core.jobs.cancel(jobId)
  }
  process.once('SIGINT', onSigint)
  try {
    await core.jobs.wait(jobId)
  } finally {
    process.off('SIGINT', onSigint)
  }
  const job = core.jobs.list().find((j) => j.jobId === jobId)
  if (job?.status === 'failed') throw new UserError(job.message ?? 'the job failed')
  if (job?.status === 'cancelled') throw new UserError('cancelled', 130)
}

export async function call<T>(core: Core, channel: string, args: unknown): Promise<T> {
  const env = await core.dispatch(channel, args)
  if (!env.ok) throw new UserError(env.error.message, env.error.code === 'invalid-args' ? 2 : 1)
  return env.value as T
}

const f3 = (x: number | null) => (x === null ? '  -  ' : x.toFixed(3))

export function formatEvaluation(ev: ModelEvaluation): string {
  const m = ev.model
  const p = ev.prior
  const lines = [
    `evaluated on ${ev.posters} posters (genres with < ${ev.minSupport} positives listed apart, not averaged)`,
    '                 model   prior',
    `  macro-AP       ${f3(m.macroAp)}   ${f3(p.macroAp)}`,
    `  micro-AP       ${f3(m.microAp)}   ${f3(p.microAp)}`,
    `  macro-F1       ${f3(m.macroF1)}   ${f3(p.macroF1)}`,
    `  micro-F1       ${f3(m.microF1)}   ${f3(p.microF1)}`,
    `  hit@1          ${f3(m.hit1)}   ${f3(p.hit1)}`,
    `  hit@3          ${f3(m.hit3)}   ${f3(p.hit3)}`,
    '',
    '  genre            support     AP  prior-AP     F1  prior-F1  threshold',
  ]
  const row = (g: ModelEvaluation['genres'][number]) =>
    `  ${g.genre.padEnd(16)} ${String(g.support).padStart(7)}  ${f3(g.ap)}   ${f3(g.priorAp)}  ${f3(g.f1)}   ${f3(g.priorF1)}     ${g.threshold.toFixed(3)}`
  lines.push(...ev.genres.map(row))
  if (ev.rare.length) lines.push('  rare (not averaged):', ...ev.rare.map(row))
  return lines.join('\n') + '\n'
}

/** A CSV field, quoted when needed. */
export function csvField(s: string): string {
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s
}
