#!/usr/bin/env node
// `npm run dist [-- electron-builder options]`: the installers of the desktop app for this
// platform (package.json "build": AppImage and deb, dmg, nsis). Builds better-sqlite3 for
// Electron's ABI into .cache/electron-native (packaging only: node_modules keeps Node's
// build, which the CLI and the tests load), builds the app, then runs electron-builder, which
// copies that addon into the package and unpacks the native modules from the asar.
// electron-builder downloads Electron itself: this needs the network.
import { spawnSync } from 'node:child_process'
import { createRequire } from 'node:module'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { electronVersion, ensureNative } from './start.mjs'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const require = createRequire(join(root, 'package.json'))

function run(what, script, argv) {
  process.stdout.write(`posterity dist: ${what}\n`)
  const r = spawnSync(process.execPath, [script, ...argv], { stdio: 'inherit', cwd: root })
  if (r.status !== 0) {
    process.stderr.write(`posterity dist: ${what} failed (see above)\n`)
    process.exit(r.status ?? 1)
  }
}

try {
  const version = electronVersion()
  process.stdout.write(`posterity dist: better-sqlite3 for Electron ${version}\n`)
  await ensureNative(version)
} catch (err) {
  process.stderr.write(`posterity dist: ${err instanceof Error ? err.message : String(err)}\n`)
  process.exit(1)
}
run('building (electron-vite build)', join(dirname(require.resolve('electron-vite/package.json')), 'bin', 'electron-vite.js'), ['build'])
run('packaging (electron-builder)', join(dirname(require.resolve('electron-builder/package.json')), 'cli.js'), process.argv.slice(2))
