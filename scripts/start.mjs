#!/usr/bin/env node
// `npm start`: the desktop app. Makes sure the Electron binary is there, builds the app,
// builds better-sqlite3 for Electron's ABI into .cache/electron-native (node_modules keeps
// Node's build for the CLI and tests), then launches Electron with the flags passed through:
//   npm start -- --library DIR
// Where Electron cannot run, it says so and points at `npm run serve`.
import { spawn, spawnSync } from 'node:child_process'
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const require = createRequire(join(root, 'package.json'))
const args = process.argv.slice(2)
const nativeDir = join(root, '.cache', 'electron-native')
const nativeBinding = join(nativeDir, 'node_modules', 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node')

function fail(message) {
  process.stderr.write(`\nposterity: ${message}\n\nThe desktop app cannot start here. Run Posterity in a browser instead:\n  npm run serve\n\n`)
  process.exit(1)
}

function step(message) {
  process.stdout.write(`posterity: ${message}\n`)
}

/** An addon built for Electron must NOT load in this Node (different ABI); one that loads is Node's. */
function assertElectronAbi(file) {
  try {
    process.dlopen({ exports: {} }, file)
  } catch (err) {
    if (/NODE_MODULE_VERSION/.test(String(err))) return
    fail(`the Electron build of better-sqlite3 looks broken: ${err instanceof Error ? err.message : String(err)}`)
  }
  rmSync(nativeDir, { recursive: true, force: true })
  fail('better-sqlite3 was built for Node instead of Electron (check the node-gyp settings).')
}

// 1. The Electron binary (electron fetches it on first use; install.js exits at once when present).
const electronDir = dirname(require.resolve('electron/package.json'))
const electronVersion = JSON.parse(readFileSync(join(electronDir, 'package.json'), 'utf8')).version
step(`checking the Electron ${electronVersion} binary`)
const install = spawnSync(process.execPath, [join(electronDir, 'install.js')], { stdio: 'inherit' })
if (install.status !== 0) {
  fail(`the Electron ${electronVersion} binary is not installed and could not be downloaded (no network, or an unsupported platform).`)
}
const electronPath = require('electron')
if (typeof electronPath !== 'string' || !existsSync(electronPath)) fail('the Electron binary is missing after installation.')
if (process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) {
  fail('there is no display (neither DISPLAY nor WAYLAND_DISPLAY is set).')
}

// 2. The app itself.
step('building (electron-vite build)')
const electronVite = join(dirname(require.resolve('electron-vite/package.json')), 'bin', 'electron-vite.js')
const build = spawnSync(process.execPath, [electronVite, 'build'], { stdio: 'inherit', cwd: root })
if (build.status !== 0) {
  process.stderr.write('posterity: the build failed (see above)\n')
  process.exit(build.status ?? 1)
}

// 3. better-sqlite3 for Electron's ABI, rebuilt only when Electron or better-sqlite3 changed.
const sqliteDir = dirname(require.resolve('better-sqlite3/package.json'))
const sqliteVersion = JSON.parse(readFileSync(join(sqliteDir, 'package.json'), 'utf8')).version
const stampFile = join(nativeDir, 'stamp.json')
const stamp = JSON.stringify({ electron: electronVersion, betterSqlite3: sqliteVersion, platform: process.platform, arch: process.arch })
const current = existsSync(stampFile) ? readFileSync(stampFile, 'utf8') : null
if (current !== stamp || !existsSync(nativeBinding)) {
  step(`building better-sqlite3 ${sqliteVersion} for Electron ${electronVersion} into ${nativeDir}`)
  rmSync(nativeDir, { recursive: true, force: true })
  const target = join(nativeDir, 'node_modules', 'better-sqlite3')
  mkdirSync(target, { recursive: true })
  // A private copy of the package sources; its build/ is made for Electron below.
  cpSync(sqliteDir, target, { recursive: true, dereference: true, filter: (src) => !src.startsWith(join(sqliteDir, 'build')) })
  writeFileSync(join(nativeDir, 'package.json'), JSON.stringify({ name: 'posterity-electron-native', private: true, dependencies: { 'better-sqlite3': sqliteVersion } }, null, 2))
  // A nodedir (as CI sets for Node's own builds) would make node-gyp compile against Node's
  // headers, silently producing the wrong ABI: Electron's headers are wanted here.
  for (const key of Object.keys(process.env)) if (key.toLowerCase() === 'npm_config_nodedir') delete process.env[key]
  try {
    const { rebuild } = await import('@electron/rebuild')
    await rebuild({ buildPath: nativeDir, electronVersion, onlyModules: ['better-sqlite3'], force: true, mode: 'sequential' })
  } catch (err) {
    fail(`better-sqlite3 could not be built for Electron ${electronVersion}: ${err instanceof Error ? err.message : String(err)}\n` +
      '(it needs the Electron headers or a prebuilt binary from the network, and a C++ toolchain).')
  }
  if (!existsSync(nativeBinding)) fail(`the Electron build of better-sqlite3 is missing (${nativeBinding}).`)
  assertElectronAbi(nativeBinding)
  writeFileSync(stampFile, stamp)
}

// 4. Launch; the app quits with its window, and so does this script.
step('starting Electron')
const child = spawn(electronPath, [root, ...args], {
  stdio: 'inherit',
  env: { ...process.env, POSTERITY_NATIVE_BINDING: nativeBinding, ELECTRON_RENDERER_URL: '' },
})
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal))
child.on('error', (err) => fail(`Electron failed to start: ${err.message}`))
child.on('exit', (code, signal) => {
  if (signal) process.exit(1)
  if (code !== 0) process.stderr.write(`posterity: Electron exited with code ${code}. If it cannot run on this machine, use: npm run serve\n`)
  process.exit(code ?? 1)
})
