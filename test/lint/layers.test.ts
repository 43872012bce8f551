// The layer rule bites: code placed (virtually) in each layer is linted with the project's
// real ESLint config, and forbidden imports must come back as posterity/layers errors.
import { ESLint } from 'eslint'
import { fileURLToPath } from 'node:url'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'

const root = fileURLToPath(new URL('../..', import.meta.url))
const eslint = new ESLint({ cwd: root, overrideConfigFile: join(root, 'scripts/eslint.config.js') })

async function layerErrors(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: join(root, filePath) })
  return result.messages.filter((m) => m.ruleId === 'posterity/layers').map((m) => m.message)
}

// Each case: a file in a layer, one import, and whether the rule must refuse it.
const cases: [file: string, spec: string, refused: boolean][] = [
  // src/shared: only itself and zod.
  ['src/shared/api/x.ts', 'node:fs', true],
  ['src/shared/api/x.ts', 'path', true],
  ['src/shared/x.ts', 'electron', true],
  ['src/shared/api/x.ts', '../../main/core', true],
  ['src/shared/x.ts', '../renderer/src/api/bridge', true],
  ['src/shared/api/x.ts', '../../../scripts/eslint-layers.js', true],
  ['src/shared/api/x.ts', 'vue', true],
  ['src/shared/api/x.ts', 'zod', false],
  ['src/shared/api/x.ts', './common', false],
  // src/main: anything but electron (and the other processes' code).
  ['src/main/library/x.ts', 'electron', true],
  ['src/main/x.ts', 'electron/main', true],
  ['src/main/server/x.ts', '../../renderer/src/api/bridge', true],
  ['src/main/library/x.ts', 'node:fs', false],
  ['src/main/library/x.ts', 'better-sqlite3', false],
  ['src/main/library/x.ts', '../../shared/api', false],
  // The Electron host may.
  ['src/main/electron/x.ts', 'electron', false],
  ['src/main/index.ts', 'electron', false],
  ['src/main/electron/x.ts', '../core', false],
  // src/renderer: itself, shared, vue, pinia, chart.js.
  ['src/renderer/src/x.ts', 'node:path', true],
  ['src/renderer/src/x.ts', 'fs', true],
  ['src/renderer/src/x.ts', 'electron', true],
  ['src/renderer/src/stores/x.ts', '../../../main/core', true],
  ['src/renderer/src/x.ts', 'better-sqlite3', true],
  ['src/renderer/src/x.ts', 'vue', false],
  ['src/renderer/src/x.ts', 'pinia', false],
  ['src/renderer/src/x.ts', 'chart.js/auto', false],
  ['src/renderer/src/stores/x.ts', '../../../shared/api', false],
  ['src/renderer/src/x.ts', './lib/keymap', false],
  // src/preload: electron and shared only.
  ['src/preload/index.ts', 'electron', false],
  ['src/preload/index.ts', '../shared/api', false],
  ['src/preload/index.ts', 'node:fs', true],
  ['src/preload/index.ts', '../main/core', true],
  ['src/preload/index.ts', 'zod', true],
]

describe('layer rule', () => {
  for (const [file, spec, refused] of cases) {
    it(`${refused ? 'refuses' : 'allows'} "${spec}" in ${file}`, async () => {
      const errors = await layerErrors(file, `import * as m from '${spec}'\nexport const used = m\n`)
      if (refused) expect(errors).toHaveLength(1)
      else expect(errors).toEqual([])
    })
  }

  it('sees every form of import: re-exports, dynamic import, require, import types', async () => {
    const code = [
      "export * from 'node:os'",
      "export { join } from 'node:path'",
      "export const later = () => import('electron')",
      "export const old = require('node:fs')",
      "export type T = import('node:http').Server",
    ].join('\n')
    const errors = await layerErrors('src/shared/api/x.ts', code)
    expect(errors).toHaveLength(5)
  })

  it('names the layer and the reason in the message', async () => {
    const [msg] = await layerErrors('src/renderer/src/x.ts', "import { app } from 'electron'\nexport const a = app\n")
    expect(msg).toMatch(/src\/renderer must not import electron/)
  })

  it('bans Node and DOM globals in src/shared', async () => {
    const [result] = await eslint.lintText('export const a = () => [process.env, window.location]\n', {
      filePath: join(root, 'src/shared/api/x.ts'),
    })
    expect(result.messages.filter((m) => m.ruleId === 'no-restricted-globals')).toHaveLength(2)
  })

  it('checks the <script> of Vue components too', async () => {
    const sfc = `<script setup lang="ts">\nimport { readFileSync } from 'node:fs'\nconst a = readFileSync\n</script>\n<template><div>{{ a }}</div></template>\n`
    const errors = await layerErrors('src/renderer/src/components/X.vue', sfc)
    expect(errors).toEqual(['src/renderer must not import the Node built-in "node:fs"'])
  })

  it('leaves tests and scripts alone', async () => {
    expect(await layerErrors('test/x.test.ts', "import { app } from 'electron'\nexport const a = app\n")).toEqual([])
  })
})
