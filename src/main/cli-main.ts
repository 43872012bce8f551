#!/usr/bin/env node
// The `posterity` executable (package.json "bin"), built to out/main/cli.js by `npm run build`.
// It composes two hosts that never import each other: the CLI, and the server that
// `posterity serve` starts (loaded only for that command).
import { main } from './cli'
import { UserError } from './cli/command'
import { cannotOpen } from './cli/library'

process.exitCode = await main(process.argv.slice(2), {
  async startServer(options) {
    const { startServer, MissingRendererError, BindError } = await import('./server')
    try {
      return await startServer(options)
    } catch (err) {
      if (err instanceof MissingRendererError || err instanceof BindError) throw new UserError(err.message)
      throw cannotOpen(err, options.libraryDir) ?? err
    }
  },
})
