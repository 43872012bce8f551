// `npm run bench -- export [N]`: `posterity export` on a synthetic N-poster library (default
// 100,000), CSV and JSON. The CLI now reads the export through the contract in parts
// (library.exportPart via the validating dispatcher); the baseline, in the same process, is
// the one-pass stream over the library that the CLI used before. Prints seconds, the peak
// heap growth while exporting, and whether both give the same bytes.
import { createHash } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { openCore } from '../src/main/core'
import { exportLabels } from '../src/main/library/export'
import { createSyntheticLibrary } from './synthetic'

async function measure(produce: (sink: (text: string) => void) => Promise<void>): Promise<{ seconds: number; peakMiB: number; sha: string; bytes: number }> {
  const hash = createHash('sha256')
  const base = process.memoryUsage().heapUsed
  let peak = base
  let bytes = 0
  const t0 = performance.now()
  await produce((text) => {
    hash.update(text)
    bytes += text.length
    const h = process.memoryUsage().heapUsed
    if (h > peak) peak = h
  })
  return { seconds: (performance.now() - t0) / 1000, peakMiB: (peak - base) / 2 ** 20, sha: hash.digest('hex').slice(0, 12), bytes }
}

export default async function (args: string[]): Promise<number> {
  const n = Number(args[0] ?? 100_000)
  const dir = mkdtempSync(join(tmpdir(), 'posterity-bench-export-'))
  try {
    const made = await createSyntheticLibrary(join(dir, 'lib'), { posters: n })
    console.log(`synthetic library: ${made.posters} posters in ${made.seconds.toFixed(1)} s; load average ${loadavg().map((x) => x.toFixed(1)).join(' ')}`)
    const core = openCore({ libraryDir: join(dir, 'lib') })
    try {
      for (const format of ['csv', 'json'] as const) {
        for (let round = 1; round <= 2; round++) {
          const stream = await measure(async (sink) => {
            let i = 0
            for (const line of exportLabels(core.db, format).lines) {
              sink(line)
              // What the old CLI's awaited writes did: let the loop turn now and then.
              if (++i % 1000 === 0) await new Promise((r) => setImmediate(r))
            }
          })
          const parts = await measure(async (sink) => {
            let after: string | undefined
            do {
              const env = await core.dispatch('library.exportPart', { format, after })
              if (!env.ok) throw new Error(env.error.message)
              const part = env.value as { text: string; next: string | null }
              sink(part.text)
              after = part.next ?? undefined
            } while (after !== undefined)
          })
          console.log(
            `${format} round ${round}: one-pass stream ${stream.seconds.toFixed(2)} s (heap +${stream.peakMiB.toFixed(0)} MiB); ` +
              `contract parts ${parts.seconds.toFixed(2)} s (heap +${parts.peakMiB.toFixed(0)} MiB), ratio ${(parts.seconds / stream.seconds).toFixed(2)}x; ` +
              `${(parts.bytes / 2 ** 20).toFixed(1)} MiB, same bytes: ${stream.sha === parts.sha && stream.bytes === parts.bytes}`,
          )
        }
      }
    } finally {
      await core.close()
    }
    console.log(`load average after: ${loadavg().map((x) => x.toFixed(1)).join(' ')}`)
    return 0
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
