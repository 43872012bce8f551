// A tiny ESLint rule that keeps the three processes apart (issue 2, "Layout and tooling"):
//   src/shared    imports only src/shared and zod: no Node built-ins, no DOM-only modules, no electron;
//   src/main      never imports electron, except src/main/electron/** and src/main/index.ts;
//                 never imports renderer or preload code;
//   src/renderer  imports its own files, src/shared, vue, pinia and chart.js: no node:, no electron, no src/main;
//   src/preload   imports electron, src/shared and its own files.
// Imports are classified by resolving relative paths against the importing file, so the
// rule holds at any folder depth (no-restricted-imports patterns cannot do that).
import { builtinModules } from 'node:module'
import { dirname, relative, resolve, sep } from 'node:path'
import { fileURLToPath } from 'node:url'

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..')

const builtins = new Set(builtinModules.flatMap((m) => [m, m.split('/')[0]]))
const toPosix = (p) => p.split(sep).join('/')

/** The layer a file of the repository belongs to, or null for files the rule leaves alone. */
export function layerOf(file) {
  const rel = toPosix(relative(repoRoot, file))
  if (rel.startsWith('src/shared/')) return 'shared'
  if (rel.startsWith('src/main/electron/') || rel === 'src/main/index.ts') return 'electron-main'
  if (rel.startsWith('src/main/')) return 'main'
  if (rel.startsWith('src/renderer/')) return 'renderer'
  if (rel.startsWith('src/preload/')) return 'preload'
  return null
}

/** What an import specifier names: a repo layer, a Node built-in, electron or an npm package. */
function classify(spec, fromFile) {
  if (spec.startsWith('.') || spec.startsWith('/')) {
    const target = resolve(dirname(fromFile), spec)
    const rel = toPosix(relative(repoRoot, target))
    if (rel.startsWith('src/shared/') || rel === 'src/shared') return { kind: 'layer', layer: 'shared' }
    if (rel.startsWith('src/main/') || rel === 'src/main') return { kind: 'layer', layer: 'main' }
    if (rel.startsWith('src/renderer/')) return { kind: 'layer', layer: 'renderer' }
    if (rel.startsWith('src/preload/')) return { kind: 'layer', layer: 'preload' }
    return { kind: 'layer', layer: 'outside', path: rel }
  }
  if (spec.startsWith('node:') || builtins.has(spec) || builtins.has(spec.split('/')[0])) return { kind: 'builtin' }
  const parts = spec.split('/')
  const pkg = spec.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]
  if (pkg === 'electron') return { kind: 'electron' }
  return { kind: 'package', pkg }
}

const rules = {
  shared: { layers: ['shared'], packages: ['zod'], builtins: false, electron: false },
  main: { layers: ['shared', 'main'], packages: '*', builtins: true, electron: false },
  'electron-main': { layers: ['shared', 'main'], packages: '*', builtins: true, electron: true },
  renderer: { layers: ['shared', 'renderer'], packages: ['vue', 'pinia', 'chart.js'], builtins: false, electron: false },
  preload: { layers: ['shared', 'preload'], packages: [], builtins: false, electron: true },
}

/** Why `spec` may not be imported from `file`, or null when it may. */
export function violation(file, spec) {
  const layer = layerOf(file)
  if (!layer) return null
  const allowed = rules[layer]
  const what = classify(spec, file)
  const where = `src/${layer === 'electron-main' ? 'main/electron' : layer}`
  switch (what.kind) {
    case 'builtin':
      return allowed.builtins ? null : `${where} must not import the Node built-in "${spec}"`
    case 'electron':
      return allowed.electron
        ? null
        : `${where} must not import electron (only src/main/electron/**, src/main/index.ts and src/preload may)`
    case 'package':
      return allowed.packages === '*' || allowed.packages.includes(what.pkg)
        ? null
        : `${where} must not import "${what.pkg}" (allowed packages: ${allowed.packages.join(', ') || 'none'})`
    case 'layer': {
      const target = what.layer === 'main' && layer === 'electron-main' ? 'main' : what.layer
      if (allowed.layers.includes(target)) return null
      const name = what.layer === 'outside' ? `"${what.path}" outside src` : `src/${what.layer}`
      return `${where} must not import from ${name} (it may import ${allowed.layers.map((l) => `src/${l}`).join(', ')})`
    }
  }
  return null
}

const layersRule = {
  meta: {
    type: 'problem',
    docs: { description: 'keep src/shared, src/main, src/renderer and src/preload within their allowed imports' },
    schema: [],
    messages: { forbidden: '{{reason}}' },
  },
  create(context) {
    const file = context.filename
    if (!layerOf(file)) return {}
    const check = (node, source) => {
      if (!source || source.type !== 'Literal' || typeof source.value !== 'string') return
      const reason = violation(file, source.value)
      if (reason) context.report({ node: source, messageId: 'forbidden', data: { reason } })
    }
    return {
      ImportDeclaration: (node) => check(node, node.source),
      ExportNamedDeclaration: (node) => check(node, node.source),
      ExportAllDeclaration: (node) => check(node, node.source),
      ImportExpression: (node) => check(node, node.source),
      TSImportEqualsDeclaration: (node) =>
        node.moduleReference?.type === 'TSExternalModuleReference' && check(node, node.moduleReference.expression),
      CallExpression(node) {
        const callee = node.callee
        const isRequire = callee.type === 'Identifier' && callee.name === 'require'
        const isResolve =
          callee.type === 'MemberExpression' && callee.object.type === 'Identifier' && callee.object.name === 'require'
        if ((isRequire || isResolve) && node.arguments.length > 0) check(node, node.arguments[0])
      },
      // `import('x')` types in type positions: import type X = import('node:fs')
      TSImportType(node) {
        // typescript-eslint 8 calls it `source`; older versions `argument` (a TSLiteralType).
        const arg = 'source' in node ? node.source : node.argument
        check(node, arg?.type === 'TSLiteralType' ? arg.literal : arg)
      },
    }
  },
}

export default { meta: { name: 'posterity-layers' }, rules: { layers: layersRule } }
