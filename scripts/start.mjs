#!/usr/bin/env node
// `npm start` (the desktop app) and `npm run dev` (the same with electron-vite's hot reload).
// Makes sure the Electron binary is there, builds better-sqlite3 for Electron's ABI into
// .cache/electron-native (node_modules keeps Node's build for the CLI and tests), then
// builds and launches the app (start) or runs `electron-vite dev` (dev), passing flags on:
//   npm start -- --library DIR
// Where Electron cannot be fetched or run, it says so in one message and points at
// `npm run serve`; the details go to .cache/electron-install.log.
import { spawn, spawnSync } from 'node:child_process'
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const require = createRequire(join(root, 'package.json'))
const dev = process.argv[2] === '--dev'
const args = process.argv.slice(dev ? 3 : 2)
const nativeDir = join(root, '.cache', 'electron-native')
const nativeBinding = join(nativeDir, 'node_modules', 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node')
const installLog = join(root, '.cache', 'electron-install.log')

function fail(message) {
  process.stderr.write(`\nposterity: ${message}\n\nThe desktop app cannot start here. Run Posterity in a browser instead:\n  npm run serve\n\n`)
  process.exit(1)
}

function step(message) {
  process.stdout.write(`posterity: ${message}\n`)
}

/** One sentence for why the Electron download failed, from what @electron/get printed. */
export function explainInstallFailure(output, version) {
  if (/fetch failed|ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ECONNRESET|ETIMEDOUT|getaddrinfo|socket hang up|network/i.test(output)) {
    return `the Electron ${version} binary is not installed and could not be downloaded: no network connection to its download server.`
  }
  if (/checksum|sha256/i.test(output)) return `the Electron ${version} download did not match its checksum.`
  if (/40[34]|not found/i.test(output)) return `there is no Electron ${version} build for ${process.platform}-${process.arch}.`
  if (/EACCES|EPERM|ENOSPC/.test(output)) return `the Electron ${version} binary could not be written to disk (permissions or space).`
  return `the Electron ${version} binary is not installed and could not be downloaded.`
}

/** An addon built for Electron must NOT load in this Node (different ABI); one that loads is Node's. */
function assertElectronAbi(file) {
  try {
    process.dlopen({ exports: {} }, file)
  } catch (err) {
    if (/NODE_MODULE_VERSION/.test(String(err))) return
    throw new Error(`the Electron build of better-sqlite3 looks broken: ${err instanceof Error ? err.message : String(err)}`)
  }
  rmSync(nativeDir, { recursive: true, force: true })
  throw new Error('better-sqlite3 was built for Node instead of Electron (check the node-gyp settings).')
}

/** The Electron version the app is built against (package installed, binary or not). */
export function electronVersion() {
  return JSON.parse(readFileSync(join(dirname(require.resolve('electron/package.json')), 'package.json'), 'utf8')).version
}

/** 1. The Electron binary (electron fetches it on first use; install.js exits at once when present). */
function ensureElectron() {
  const electronDir = dirname(require.resolve('electron/package.json'))
  const version = JSON.parse(readFileSync(join(electronDir, 'package.json'), 'utf8')).version
  step(`checking the Electron ${version} binary`)
  // Its output (a raw stack trace when offline) goes to a log, not in front of the user.
  const install = spawnSync(process.execPath, [join(electronDir, 'install.js')], { encoding: 'utf8' })
  if (install.status !== 0) {
    const output = `${install.stdout ?? ''}${install.stderr ?? ''}${install.error ? String(install.error) : ''}`
    mkdirSync(dirname(installLog), { recursive: true })
    writeFileSync(installLog, output)
    fail(`${explainInstallFailure(output, version)}\n(details: ${relative(process.cwd(), installLog) || installLog})`)
  }
  let electronPath
  try {
    electronPath = require('electron')
  } catch (err) {
    fail(`the Electron binary is unusable: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`)
  }
  if (typeof electronPath !== 'string' || !existsSync(electronPath)) fail('the Electron binary is missing after installation.')
  if (process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) {
    fail('there is no display (neither DISPLAY nor WAYLAND_DISPLAY is set).')
  }
  return { electronPath, version }
}

/**
 * 2. better-sqlite3 for Electron's ABI, rebuilt only when Electron or better-sqlite3 changed
 * (also what `npm run dist` packages). Returns the addon's path; throws when it cannot.
 */
export async function ensureNative(electronVersion) {
  const sqliteDir = dirname(require.resolve('better-sqlite3/package.json'))
  const sqliteVersion = JSON.parse(readFileSync(join(sqliteDir, 'package.json'), 'utf8')).version
  const stampFile = join(nativeDir, 'stamp.json')
  const stamp = JSON.stringify({ electron: electronVersion, betterSqlite3: sqliteVersion, platform: process.platform, arch: process.arch })
  const current = existsSync(stampFile) ? readFileSync(stampFile, 'utf8') : null
  if (current === stamp && existsSync(nativeBinding)) return nativeBinding
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
    throw new Error(`better-sqlite3 could not be built for Electron ${electronVersion}: ${err instanceof Error ? err.message : String(err)}\n` +
      '(it needs the Electron headers or a prebuilt binary from the network, and a C++ toolchain).')
  }
  if (!existsSync(nativeBinding)) throw new Error(`the Electron build of better-sqlite3 is missing (${nativeBinding}).`)
  assertElectronAbi(nativeBinding)
  writeFileSync(stampFile, stamp)
  return nativeBinding
}

/** Runs a child, forwarding signals; exits with it. */
function runToEnd(command, argv, env, what) {
  const child = spawn(command, argv, { stdio: 'inherit', cwd: root, env })
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal))
  child.on('error', (err) => fail(`${what} failed to start: ${err.message}`))
  child.on('exit', (code, signal) => {
    if (signal) process.exit(1)
    if (code !== 0) process.stderr.write(`posterity: ${what} exited with code ${code}. If Electron cannot run on this machine, use: npm run serve\n`)
    process.exit(code ?? 1)
  })
}

const isMain = process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)
if (isMain) {
  const { electronPath, version } = ensureElectron()
  try {
    await ensureNative(version)
  } catch (err) {
    fail(err instanceof Error ? err.message : String(err))
  }
  const electronVite = join(dirname(require.resolve('electron-vite/package.json')), 'bin', 'electron-vite.js')
  const env = { ...process.env, POSTERITY_NATIVE_BINDING: nativeBinding }
  if (dev) {
    // electron-vite builds main, preload, the core process and the worker, serves the renderer with hot reload, and starts Electron.
    step('starting electron-vite dev')
    runToEnd(process.execPath, [electronVite, 'dev', '--', ...args], env, 'electron-vite dev')
  } else {
    step('building (electron-vite build)')
    const build = spawnSync(process.execPath, [electronVite, 'build'], { stdio: 'inherit', cwd: root })
    if (build.status !== 0) {
      process.stderr.write('posterity: the build failed (see above)\n')
      process.exit(build.status ?? 1)
    }
    step('starting Electron')
    runToEnd(electronPath, [root, ...args], { ...env, ELECTRON_RENDERER_URL: '' }, 'Electron')
  }
}
