#!/usr/bin/env node
// The `posterity` CLI: plain Node running the TypeScript core through tsx, so the
// checkout needs no build step for scripting, tests and benchmarks.
import { register } from 'tsx/esm/api'

register()
const { main } = await import('../src/main/cli/index.ts')
process.exitCode = await main(process.argv.slice(2))
