#!/usr/bin/env node
// `npm run bench -- <name> [args]`: runs bench/<name>.ts (its default export) under tsx,
// after printing the machine it runs on. Without a name, lists the benchmarks.
// To add one, write bench/<name>.ts with `export default async function (args: string[]): Promise<number>`
// (the exit code); bench/synthetic.ts is a helper module, not a benchmark.
import { register } from 'tsx/esm/api'
import { readdirSync } from 'node:fs'
import { availableParallelism, cpus, totalmem } from 'node:os'

register()
const benchDir = new URL('../bench/', import.meta.url)
const available = readdirSync(benchDir)
  .filter((f) => f.endsWith('.ts') && !f.startsWith('_'))
  .map((f) => f.slice(0, -3))
  .filter((n) => n !== 'synthetic')
const [name, ...args] = process.argv.slice(2)
if (!name || !available.includes(name)) {
  process.stderr.write(`${name ? `unknown benchmark "${name}". ` : ''}Usage: npm run bench -- <${available.join('|')}> [args]\n`)
  process.exit(2)
}
const cpu = cpus()[0]?.model ?? 'unknown CPU'
process.stdout.write(
  `machine: ${cpu.trim()}, ${availableParallelism()} cores, ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM, Node ${process.version}, ${process.platform}-${process.arch}\n`,
)
// Benchmarks run the built model worker, core process and CLI: build first when out/ is missing or stale.
const { ensureBuilt } = await import(new URL('./harness.ts', import.meta.url).href)
await ensureBuilt()
const mod = await import(new URL(`${name}.ts`, benchDir).href)
process.exitCode = (await mod.default(args)) ?? 0
