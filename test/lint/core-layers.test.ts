// The layers inside the core bite: code placed (virtually) in each part of src/main is linted
// with the project's real ESLint config (eslint-plugin-boundaries, scripts/eslint-core-layers.js),
// and every import the layers forbid must come back as a boundaries error.
import { ESLint } from 'eslint'
import { fileURLToPath } from 'node:url'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'

const root = fileURLToPath(new URL('../..', import.meta.url))
const eslint = new ESLint({ cwd: root, overrideConfigFile: join(root, 'scripts/eslint.config.js') })

async function boundaryErrors(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: join(root, filePath) })
  return result.messages.filter((m) => m.ruleId?.startsWith('boundaries/')).map((m) => m.message)
}

const valueImport = (spec: string) => `import { a } from '${spec}'\nexport const b = a\n`
const typeImport = (spec: string) => `import type { A } from '${spec}'\nexport const b = null as unknown as A\n`

// Each case: a file in a part of the core, one import, and whether the layers refuse it.
const cases: [file: string, spec: string, refused: boolean][] = [
  // The library knows nothing above it.
  ['src/main/library/x.ts', '../ml/store/schema', true],
  ['src/main/library/x.ts', '../importer/csv', true],
  ['src/main/library/x.ts', '../collection/schema', true],
  ['src/main/library/x.ts', '../server/guard', true],
  ['src/main/library/x.ts', '../cli/command', true],
  ['src/main/library/x.ts', '../electron/paths', true],
  ['src/main/library/x.ts', '../core-host/host', true],
  ['src/main/library/x.ts', '../core', true],
  ['src/main/library/x.ts', './db', false],
  ['src/main/library/x.ts', '../formats/csv-field', false],
  ['src/main/library/x.ts', '../context', false],
  ['src/main/library/x.ts', '../../shared/api', false],
  // Formats are leaves.
  ['src/main/formats/x.ts', '../library/db', true],
  ['src/main/formats/x.ts', '../../shared/printable', false],
  // The importer and ml may use the library; the importer knows nothing of ml or the collection.
  ['src/main/importer/x.ts', '../library/db', false],
  ['src/main/importer/x.ts', '../formats/nfo', false],
  ['src/main/importer/x.ts', '../ml/worker/client', true],
  ['src/main/importer/x.ts', '../collection/store', true],
  ['src/main/ml/store/x.ts', '../../library/db', false],
  ['src/main/ml/embed/x.ts', '../../decoded-sink', false],
  ['src/main/importer/x.ts', '../decoded-sink', false],
  ['src/main/ml/x.ts', '../collection/store', true],
  ['src/main/ml/x.ts', '../cli/command', true],
  ['src/main/ml/x.ts', '../core', true],
  ['src/main/collection/x.ts', '../ml/service/model-service', false],
  ['src/main/collection/x.ts', '../importer/run', false],
  ['src/main/collection/x.ts', '../server', true],
  // The kernel (context, jobs, dispatch) is below every part.
  ['src/main/jobs/x.ts', '../library/db', true],
  ['src/main/api/x.ts', '../core', true],
  // The core composes the parts, and never a host.
  ['src/main/core.ts', './ml/handlers', false],
  ['src/main/core.ts', './cli', true],
  ['src/main/schema.ts', './server', true],
  // Hosts use the core and what they share, never each other.
  ['src/main/electron/x.ts', '../server/static', true],
  ['src/main/electron/x.ts', '../cli/command', true],
  ['src/main/electron/x.ts', '../core-host/host', true],
  ['src/main/index.ts', './server', true],
  ['src/main/server/x.ts', '../electron/supervisor', true],
  ['src/main/server/x.ts', '../cli/command', true],
  ['src/main/server/x.ts', '../core-host/host', true],
  ['src/main/cli/x.ts', '../server', true],
  ['src/main/cli/commands/x.ts', '../../server/guard', true],
  ['src/main/cli/x.ts', '../electron/paths', true],
  ['src/main/cli/x.ts', '../core-host/host', true],
  ['src/main/core-host/x.ts', '../electron/supervisor', true],
  ['src/main/core-host/x.ts', '../server/socket', true],
  ['src/main/core-host/x.ts', '../cli/library', true],
  ['src/main/electron/x.ts', '../hosting/csp', false],
  ['src/main/server/x.ts', '../hosting/media-path', false],
  ['src/main/cli/x.ts', '../hosting/loopback', false],
  ['src/main/core-host/x.ts', '../hosting/core-process-protocol', false],
  ['src/main/server/x.ts', '../core', false],
  ['src/main/cli/x.ts', '../core', false],
  ['src/main/core-host/x.ts', '../api/channel', false],
  // What the hosts share belongs to none of them.
  ['src/main/hosting/x.ts', '../server/respond', true],
  ['src/main/hosting/x.ts', '../electron/paths', true],
  ['src/main/hosting/x.ts', '../../shared/api', false],
  // The executable composes the CLI with the server it starts.
  ['src/main/cli-main.ts', './server', false],
  ['src/main/cli-main.ts', './cli', false],
  ['src/main/cli-main.ts', './electron/app', true],
]

describe('core layers (eslint-plugin-boundaries)', () => {
  for (const [file, spec, refused] of cases) {
    it(`${refused ? 'refuses' : 'allows'} "${spec}" in ${file}`, async () => {
      const errors = await boundaryErrors(file, valueImport(spec))
      if (refused) expect(errors).toHaveLength(1)
      else expect(errors).toEqual([])
    })
  }

  it('refuses a type-only import across a forbidden line as well', async () => {
    expect(await boundaryErrors('src/main/library/x.ts', typeImport('../ml/worker/protocol'))).toHaveLength(1)
    expect(await boundaryErrors('src/main/cli/x.ts', typeImport('../server'))).toHaveLength(1)
  })

  it('keeps the kernel below every part: its context names no part, not even by type', async () => {
    expect(await boundaryErrors('src/main/context.ts', typeImport('./ml/worker/protocol'))).toHaveLength(1)
    expect(await boundaryErrors('src/main/context.ts', typeImport('./library/db'))).toHaveLength(1)
    expect(await boundaryErrors('src/main/context.ts', valueImport('./ml/worker/client'))).toHaveLength(1)
    expect(await boundaryErrors('src/main/context.ts', typeImport('./decoded-sink'))).toEqual([])
  })

  it('names both parts in the message', async () => {
    const [msg] = await boundaryErrors('src/main/library/x.ts', valueImport('../ml/store/schema'))
    expect(msg).toMatch(/library must not import ml/)
  })

  it('gives every file of src/main a layer: a new top-level file must be placed first', async () => {
    const [result] = await eslint.lintText('export const a = 1\n', { filePath: join(root, 'src/main/stray.ts') })
    expect(result.messages.map((m) => m.ruleId)).toContain('boundaries/no-unknown-files')
  })
})
