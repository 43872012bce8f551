#!/usr/bin/env node
// Electronegativity (Doyensec's scanner for Electron misconfigurations) over the built app in
// out/: fails on any HIGH or CRITICAL finding and lists the rest. The scanner is fetched from
// the npm registry at run time (its own old eslint and typescript would clash with ours as a
// dependency); its check for newer Electron releases needs the internet and is skipped.
import { execFileSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const root = new URL('..', import.meta.url).pathname
const out = process.argv[2] ?? join(root, 'out')
if (!existsSync(join(out, 'main'))) {
  console.error('electron-scan: no built app in ${out} (run `npm run build` first)')
  process.exit(2)
}
const electron = JSON.parse(readFileSync(join(root, 'node_modules/electron/package.json'), 'utf8')).version
const work = mkdtempSync(join(tmpdir(), 'posterity-electronegativity-'))
const report = join(work, 'report.csv')
try {
  execFileSync(
    'npm',
    ['exec', '--yes', '--package=@doyensec/electronegativity@1.10.3', '--', 'electronegativity',
      '-i', out, '-e', electron, '-x', 'AvailableSecurityFixesGlobalCheck', '-r', '-v', 'false', '-o', report],
    { stdio: ['ignore', 'ignore', 'inherit'], cwd: work },
  )
  // issue, severity, confidence, filename, location, sample, description, url
  const rows = readFileSync(report, 'utf8').trim().split('\n').slice(1).map((line) => {
    const [issue, severity, confidence, file, location] = line.split(',').map((c) => c.replace(/^"|"$/g, ''))
    return { issue, severity, confidence, file, location }
  })
  for (const r of rows) console.log(`electron-scan: ${r.severity.padEnd(8)} ${r.confidence.padEnd(9)} ${r.issue} ${r.file}:${r.location}`)
  const high = rows.filter((r) => r.severity === 'HIGH' || r.severity === 'CRITICAL')
  console.log(`electron-scan: Electron ${electron}, ${rows.length} finding(s), ${high.length} high`)
  process.exitCode = high.length ? 1 : 0
} finally {
  rmSync(work, { recursive: true, force: true })
}
