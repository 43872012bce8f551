// The layers inside the core (src/main), enforced with eslint-plugin-boundaries. The
// hand-written rule in eslint-layers.js keeps the processes apart (which packages, Node
// built-ins and electron each may import); this one says which part of the core may import
// which, element by element (issue 13):
//   library     SQLite, history, vocabulary: nothing above it (no ml, importer, collection, hosts)
//   formats     file formats several parts read or write (NFO, CSV fields): nothing of ours
//   importer    may use the library
//   ml          may use the library and the importer's hooks
//   collection  may use the library, the importer and ml
//   kernel      what every part is built from (context, events, jobs, the API dispatch, the
//               import's decoded-pixel sink): it imports no part, not even a type
//   core        composes the parts (core.ts, the schema, library switching, system)
//   hosting     what the hosts share (CSP, the media path, the core process's messages)
//   hosts       electron, server, cli, core-host: use the core and hosting, never each other
//   cli-main    the executable: composes the CLI with the server it starts
import boundaries from 'eslint-plugin-boundaries'
import { repoRoot } from './eslint-layers.js'

// A folder element matches from the repository root. A single file needs `mode: 'file'`,
// which v7 marks deprecated without offering a replacement for elements that are one file
// (the top-level core files), hence legacy-warnings off below.
const element = (type, pattern, mode = 'folder') => (mode === 'file' ? { type, pattern, mode } : { type, pattern, partialMatch: false })

export const elements = [
  element('shared', 'src/shared'),
  element('library', 'src/main/library'),
  element('formats', 'src/main/formats'),
  element('importer', 'src/main/importer'),
  element('ml', 'src/main/ml'),
  element('collection', 'src/main/collection'),
  element('kernel', 'src/main/{jobs,api}'),
  element('kernel', 'src/main/{context,events,app-root,paths,version,errno,decoded-sink,bounded-read}.ts', 'file'),
  element('core', 'src/main/{core,schema,libraries,system}.ts', 'file'),
  element('hosting', 'src/main/hosting'),
  element('electron', 'src/main/electron'),
  element('electron', 'src/main/index.ts', 'file'),
  element('server', 'src/main/server'),
  element('cli', 'src/main/cli'),
  element('core-host', 'src/main/core-host'),
  element('cli-main', 'src/main/cli-main.ts', 'file'),
]

const domains = ['library', 'formats', 'importer', 'ml', 'collection']
const hostBase = ['shared', 'kernel', 'core', 'hosting', ...domains]

/** Which element types each element type may import (besides its own files). */
export const allowed = {
  shared: ['shared'],
  formats: ['formats', 'shared'],
  library: ['library', 'formats', 'kernel', 'shared'],
  importer: ['importer', 'library', 'formats', 'kernel', 'shared'],
  ml: ['ml', 'importer', 'library', 'formats', 'kernel', 'shared'],
  collection: ['collection', 'ml', 'importer', 'library', 'formats', 'kernel', 'shared'],
  kernel: ['kernel', 'shared'],
  core: ['core', 'kernel', 'shared', ...domains],
  hosting: ['hosting', 'library', 'shared'],
  electron: ['electron', ...hostBase],
  server: ['server', ...hostBase],
  cli: ['cli', ...hostBase],
  'core-host': ['core-host', ...hostBase],
  'cli-main': ['cli', 'server'],
}

const types = (list) => ({ types: { anyOf: list } })

export default {
  basePath: repoRoot,
  files: ['src/main/**/*.ts', 'src/shared/**/*.ts'],
  plugins: { boundaries },
  settings: {
    'boundaries/elements': elements,
    'boundaries/include': ['src/main/**/*.ts', 'src/shared/**/*.ts'],
    'boundaries/legacy-warnings': false,
    'import/resolver': { node: { extensions: ['.ts', '.js'] } },
  },
  rules: {
    // A file outside every element would escape the layers: a new top-level file gets a place above.
    'boundaries/no-unknown-files': 'error',
    'boundaries/dependencies': [
      'error',
      {
        default: 'disallow',
        message: 'src/main layers: {{from.type}} must not import {{to.type}} (issue 13; see scripts/eslint-core-layers.js)',
        policies: [
          ...Object.entries(allowed).map(([from, to]) => ({ from: { element: { type: from } }, allow: { to: { element: types(to) } } })),
        ],
      },
    ],
  },
}
