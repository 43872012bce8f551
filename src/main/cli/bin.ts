#!/usr/bin/env node
// The `posterity` executable (package.json "bin"), built to out/main/cli.js by `npm run build`.
import { main } from './index'

process.exitCode = await main(process.argv.slice(2))
