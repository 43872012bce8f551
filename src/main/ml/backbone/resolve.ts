// Where the backbone file comes from: the library's own copy (downloaded and checksum-
// verified, or imported), else a folder given by configuration (POSTERITY_MODELS, default
// ../shared/models beside the repository), which is accepted on its STRUCTURE and logged.
import { copyFileSync, existsSync, mkdirSync, readFileSync, statSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { appRoot } from '../../app-root'
import { buildFeatureGraph } from '../onnx/features'
import type { BackboneEntry } from './catalog'
import { sha256File } from './download'

export interface ResolvedBackbone {
  path: string
  source: 'library' | 'configured'
  note: string
}

/** POSTERITY_MODELS, else ../shared/models relative to the repository root. */
export function configuredModelsDir(): string {
  return process.env.POSTERITY_MODELS ? resolve(process.env.POSTERITY_MODELS) : resolve(appRoot(), '..', 'shared', 'models')
}

export function libraryBackbonePath(libraryDir: string, b: BackboneEntry): string {
  return join(libraryDir, 'models', 'backbones', b.file)
}

/** Checks that a file is a usable backbone: one image input and a findable pooled embedding. */
export function checkStructure(bytes: Uint8Array, b: BackboneEntry): string {
  const fg = buildFeatureGraph(bytes)
  if (fg.taps[0].channels && fg.taps[0].channels !== b.embedding.dims)
    throw new Error(`the pooled embedding has ${fg.taps[0].channels} channels, ${b.embedding.dims} expected`)
  if (fg.input !== b.input.name) throw new Error(`input "${fg.input}" found, "${b.input.name}" expected`)
  return `pooled embedding found structurally at ${fg.taps[0].source}`
}

const accepted = new Map<string, string>()

export function resolveBackbone(libraryDir: string, b: BackboneEntry, log: (m: string) => void = () => undefined): ResolvedBackbone | null {
  const own = libraryBackbonePath(libraryDir, b)
  if (existsSync(own)) return { path: own, source: 'library', note: 'library copy (checksum verified when it was downloaded or imported)' }
  const configured = join(configuredModelsDir(), b.file)
  if (!existsSync(configured)) return null
  let note = accepted.get(configured)
  if (!note) {
    note = `configured file ${configured} accepted on its structure, not its checksum (${checkStructure(readFileSync(configured), b)})`
    accepted.set(configured, note)
    log(note)
  }
  return { path: configured, source: 'configured', note }
}

/**
 * "Import model file": a file whose checksum is the published one is taken as it is; any
 * other must pass the structural check. It is copied into the library.
 */
/** Far above any backbone the catalog lists (MobileNetV2 is 3.5 MB quantised, 14 MB in float). */
const MAX_BACKBONE_BYTES = 1024 * 2 ** 20

export async function importBackboneFile(libraryDir: string, b: BackboneEntry, file: string): Promise<string> {
  if (!existsSync(file)) throw new Error(`no such file: ${file}`)
  // A FIFO or a device would block or never end; an ONNX backbone is tens of MB, not gigabytes.
  const st = statSync(file)
  if (!st.isFile()) throw new Error(`${file} is not a regular file`)
  if (st.size === 0 || st.size > MAX_BACKBONE_BYTES) throw new Error(`${file} is ${st.size === 0 ? 'empty' : `larger than ${MAX_BACKBONE_BYTES / 2 ** 20} MiB`}: not a ${b.title} model file`)
  const sum = await sha256File(file)
  let note: string
  if (sum === b.sha256) note = 'checksum matches the published file'
  else {
    try {
      note = `checksum differs from the published file; accepted on its structure (${checkStructure(readFileSync(file), b)})`
    } catch (err) {
      throw new Error(`${file} is not a usable ${b.title}: ${(err as Error).message}`)
    }
  }
  const dest = libraryBackbonePath(libraryDir, b)
  mkdirSync(dirname(dest), { recursive: true })
  copyFileSync(file, dest)
  return note
}
