// One TypeScript configuration per runtime: a file placed (virtually) in each part of src is
// typechecked with that part's real tsconfig.*.json, so DOM globals fail in the core and in
// shared code, Node globals fail in the renderer and in shared code, and each runtime's own
// globals pass (the control that shows the check can succeed).
import { fileURLToPath } from 'node:url'
import { join } from 'node:path'
import ts from 'typescript'
import { describe, expect, it } from 'vitest'

const root = fileURLToPath(new URL('../..', import.meta.url))

/** Diagnostics of `code` as the file `file`, compiled with the options of `project`. */
function typecheck(project: string, file: string, code: string): string[] {
  const config = ts.getParsedCommandLineOfConfigFile(join(root, project), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: (d) => { throw new Error(String(d.messageText)) } })
  if (!config) throw new Error(`cannot read ${project}`)
  const path = join(root, file)
  const host = ts.createCompilerHost(config.options)
  const getSourceFile = host.getSourceFile.bind(host)
  host.getSourceFile = (name, lang, ...rest) => (name === path ? ts.createSourceFile(name, code, lang) : getSourceFile(name, lang, ...rest))
  const fileExists = host.fileExists.bind(host)
  host.fileExists = (name) => name === path || fileExists(name)
  const program = ts.createProgram([path], config.options, host)
  return ts.getPreEmitDiagnostics(program).filter((d) => d.file?.fileName === path).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'))
}

const cases: [project: string, file: string, code: string, fails: boolean][] = [
  // The core (CLI, server, worker, core process): Node, no DOM.
  ['tsconfig.node.json', 'src/main/library/x.ts', 'export const t = document.title', true],
  ['tsconfig.node.json', 'src/main/server/x.ts', 'export const w = window.location', true],
  ['tsconfig.node.json', 'src/main/library/x.ts', 'export const e = process.env.HOME; export const b = Buffer.from("a")', false],
  // The renderer: DOM, no Node.
  ['tsconfig.renderer.json', 'src/renderer/src/x.ts', 'export const e = process.env.HOME', true],
  ['tsconfig.renderer.json', 'src/renderer/src/x.ts', 'export const b = Buffer.from("a")', true],
  ['tsconfig.renderer.json', 'src/renderer/src/x.ts', 'export const t = document.title', false],
  // Shared code runs in every process: neither.
  ['tsconfig.shared.json', 'src/shared/x.ts', 'export const t = document.title', true],
  ['tsconfig.shared.json', 'src/shared/x.ts', 'export const b = Buffer.from("a")', true],
  ['tsconfig.shared.json', 'src/shared/x.ts', 'export const n = [1, 2].at(-1)', false],
  // Electron's main process and preload: Node and Electron, no DOM.
  ['tsconfig.electron.json', 'src/main/electron/x.ts', 'export const t = document.title', true],
  ['tsconfig.electron.json', 'src/main/electron/x.ts', 'import { app } from "electron"\nexport const v = [app.getVersion(), process.versions.electron]', false],
]

describe('one TypeScript configuration per runtime', () => {
  for (const [project, file, code, fails] of cases) {
    it(`${fails ? 'refuses' : 'accepts'} \`${code.split('\n').pop()}\` in ${file} (${project})`, () => {
      const errors = typecheck(project, file, code)
      if (fails) expect(errors.join('\n')).toMatch(/Cannot find name '(document|window|process|Buffer)'/)
      else expect(errors).toEqual([])
    })
  }

  it('npm run typecheck checks every project tsconfig.json references', async () => {
    const { readFileSync } = await import('node:fs')
    const refs = JSON.parse(readFileSync(join(root, 'tsconfig.json'), 'utf8')).references.map((r: { path: string }) => r.path)
    expect(refs).toEqual(['./tsconfig.shared.json', './tsconfig.node.json', './tsconfig.electron.json', './tsconfig.renderer.json', './tsconfig.test.json'])
    expect(JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).scripts.typecheck).toBe('node scripts/typecheck.mjs')
  })
})
