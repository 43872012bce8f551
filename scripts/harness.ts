// The harness of the end-to-end tests, the grid benchmark and the screenshot script:
// Chromium's location and flags, the app build, and `posterity serve` as a child process.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'

export const repo = fileURLToPath(new URL('..', import.meta.url))

/** Debian's Chromium (.ci/run installs it); POSTERITY_CHROMIUM points elsewhere. */
export const CHROMIUM = process.env.POSTERITY_CHROMIUM ?? '/usr/bin/chromium'
export const hasChromium = existsSync(CHROMIUM)

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  // Containers often have a tiny /dev/shm.
  '--disable-dev-shm-usage',
]

/** What `npm run build` makes that tests, benchmarks and the CLI run. */
export const BUILT = ['out/renderer/index.html', 'out/main/cli.js', 'out/main/worker.js', 'out/main/core-host.js', 'out/main/index.js', 'out/preload/index.cjs']
/** The built CLI (package.json "bin"). */
export const CLI = join(repo, 'out/main/cli.js')

function newestSource(dir: string): number {
  let newest = 0
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name)
    newest = Math.max(newest, entry.isDirectory() ? newestSource(p) : statSync(p).mtimeMs)
  }
  return newest
}

/** Why the build must run: an output missing or older than the sources; null when it is current. */
export function buildOutdated(): string | null {
  const missing = BUILT.find((f) => !existsSync(join(repo, f)))
  if (missing) return `${missing} is missing`
  const sources = Math.max(newestSource(join(repo, 'src')), statSync(join(repo, 'electron.vite.config.ts')).mtimeMs)
  const oldest = Math.min(...BUILT.map((f) => statSync(join(repo, f)).mtimeMs))
  return sources > oldest ? 'the sources changed since the last build' : null
}

/**
 * `npm test` on a fresh checkout, or after editing sources: build the app first (CI has
 * built it already), since tests run the built CLI, worker and core process. Test files may
 * run in parallel, so one builds under a lock folder and the others wait for its result.
 */
export async function ensureBuilt(): Promise<void> {
  if (!buildOutdated()) return
  const lock = join(repo, '.cache', 'build.lock')
  mkdirSync(dirname(lock), { recursive: true })
  // A lock left by a killed run is stale after a few minutes (a build takes seconds).
  if (existsSync(lock) && Date.now() - statSync(lock).mtimeMs > 300_000) rmSync(lock, { recursive: true, force: true })
  try {
    mkdirSync(lock)
  } catch {
    for (let waited = 0; waited < 180_000 && existsSync(lock); waited += 250) await new Promise((r) => setTimeout(r, 250))
    const still = buildOutdated()
    if (still) throw new Error(`waited in vain for another process to build the app (${still}); run \`npm run build\``)
    return
  }
  try {
    const why = buildOutdated()
    if (!why) return
    console.warn(`[build] ${why}: running \`electron-vite build\` first`)
    const build = spawnSync(process.execPath, [join(repo, 'node_modules/electron-vite/bin/electron-vite.js'), 'build'], { cwd: repo, encoding: 'utf8' })
    if (build.status !== 0) throw new Error(`electron-vite build failed; fix it and run \`npm run build\`:\n${build.stdout}\n${build.stderr}`)
  } finally {
    rmSync(lock, { recursive: true, force: true })
  }
}

export interface ServeChild {
  url: string
  origin: string
  port: number
  token: string
  child: ChildProcess
  /** Everything the server wrote to stderr so far. */
  stderr(): string
  /** SIGTERM (SIGKILL after 5 s) and wait; resolves with the exit code. */
  stop(): Promise<number | null>
}

/** `runAs`: a command that runs the CLI as another user (setpriv ... ), its arguments first. */
export function startServeChild(libraryDir: string, env: Record<string, string> = {}, runAs: string[] = []): Promise<ServeChild> {
  const [command, ...prefix] = [...runAs, process.execPath]
  const child = spawn(command, [...prefix, CLI, 'serve', '--library', libraryDir, '--port', '0'], {
    cwd: repo,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stderr = ''
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()))
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  return new Promise((resolve, reject) => {
    createInterface({ input: child.stdout! }).once('line', (line) => {
      const m = /^Posterity serving (http:\/\/127\.0\.0\.1:(\d+)\/\?token=([A-Za-z0-9_-]+))$/.exec(line)
      if (!m) return reject(new Error(`unexpected first line: ${line}\n${stderr}`))
      resolve({
        url: m[1],
        origin: `http://127.0.0.1:${m[2]}`,
        port: Number(m[2]),
        token: m[3],
        child,
        stderr: () => stderr,
        stop: () => {
          if (child.exitCode === null && child.signalCode === null) {
            child.kill('SIGTERM')
            const timer = setTimeout(() => child.kill('SIGKILL'), 5000)
            void exit.then(() => clearTimeout(timer))
          }
          return exit
        },
      })
    })
    void exit.then((code) => reject(new Error(`posterity serve exited with ${code}:\n${stderr}`)))
  })
}
