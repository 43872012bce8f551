// `npm start` / `npm run dev` where Electron cannot be fetched: one clear message pointing
// at `npm run serve`, no raw stack trace in front of it (the details go to a log file).
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'

const repo = resolve(__dirname, '../..')
const installed = existsSync(join(repo, 'node_modules/electron/dist'))

describe.skipIf(installed)('npm start without an Electron binary (skipped where Electron is installed)', () => {
  for (const mode of [[], ['--dev']]) {
    it(`${mode.length ? 'npm run dev' : 'npm start'} says in one message that Electron cannot be downloaded`, () => {
      // A mirror nobody listens on: the download fails at once, as it does offline.
      const r = spawnSync(process.execPath, [join(repo, 'scripts/start.mjs'), ...mode], {
        cwd: repo,
        encoding: 'utf8',
        env: { ...process.env, ELECTRON_MIRROR: 'http://127.0.0.1:9/', electron_config_cache: join(repo, '.cache', 'electron-test-cache') },
        timeout: 60_000,
      })
      expect(r.status).toBe(1)
      expect(r.stderr).toMatch(/^\nposterity: the Electron [\d.]+ binary is not installed and could not be downloaded: no network connection/)
      expect(r.stderr).toContain('npm run serve')
      expect(r.stderr).not.toMatch(/TypeError|^\s+at /m)
      expect(r.stdout + r.stderr).not.toMatch(/fetch failed/)
    })
  }
})

describe('the install failure explanation', () => {
  it('names the cause from what the downloader printed', async () => {
    const { explainInstallFailure } = (await import(join(repo, 'scripts/start.mjs') as string)) as { explainInstallFailure: (o: string, v: string) => string }
    expect(explainInstallFailure('TypeError: fetch failed\n    at x', '45.4.1')).toMatch(/no network connection/)
    expect(explainInstallFailure('HTTPError: Response code 404 (Not Found)', '45.4.1')).toMatch(/no Electron 45.4.1 build for/)
    expect(explainInstallFailure('Error: EACCES: permission denied', '45.4.1')).toMatch(/could not be written/)
    expect(explainInstallFailure('Generated checksum for "electron.zip" did not match', '45.4.1')).toMatch(/checksum/)
  })
})
