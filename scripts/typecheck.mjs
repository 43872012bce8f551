// `npm run typecheck`: every TypeScript project tsconfig.json references, one a runtime, each
// with only its own globals (no DOM in the core, no Node in the renderer or shared code).
// Projects with vueCompilerOptions (Vue files) go through vue-tsc, the rest through tsc. Exits non-zero if any fails.
import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const projects = JSON.parse(readFileSync(join(root, 'tsconfig.json'), 'utf8')).references.map((r) => r.path)
let failed = 0
for (const project of projects) {
  const hasVue = 'vueCompilerOptions' in JSON.parse(readFileSync(join(root, project), 'utf8'))
  const bin = join(root, 'node_modules', '.bin', hasVue ? 'vue-tsc' : 'tsc')
  const t0 = Date.now()
  const r = spawnSync(bin, ['--noEmit', '-p', project], { cwd: root, stdio: 'inherit' })
  process.stdout.write(`typecheck ${project}: ${r.status === 0 ? 'ok' : 'FAILED'} (${((Date.now() - t0) / 1000).toFixed(1)} s)\n`)
  if (r.status !== 0) failed++
}
process.exitCode = failed ? 1 : 0
