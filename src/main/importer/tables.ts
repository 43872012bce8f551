// What an import reads besides the posters: a label file (labels.ts) and a metadata file
// (metadata.ts), both read up front so a bad file fails the call before any work.
import { readLabels, type GenreProblem, type LabelRow, type LabelTables } from './labels'
import { readMetadata, type MetaLookup } from './metadata'

export interface Tables {
  labels: Map<string, LabelRow>
  /** Ids whose row says N/A (genre unknown): left unlabelled, and a poster an older import marked "no genre" goes back to unlabelled. */
  unknown: Set<string>
  /** Genres in the order the labels file lists them (they join the vocabulary in this order). */
  genreOrder: string[]
  meta: MetaLookup
  warnings: string[]
}

/** No label or metadata file: every poster is named by its file. */
export function noTables(): Tables {
  return { labels: new Map(), genreOrder: [], meta: new Map(), unknown: new Set(), warnings: [] }
}

/**
 * Reads both files up front, so a bad file fails the call before any work. `genreProblem`:
 * the library's verdict on a genre name; genres it refuses are skipped with a warning.
 */
export async function readTables(labelsPath?: string, metadataPath?: string, genreProblem?: GenreProblem): Promise<Tables> {
  const warnings: string[] = []
  const fromLabels: LabelTables = labelsPath ? await readLabels(labelsPath, warnings, genreProblem) : { ...noTables(), meta: new Map() }
  let meta: MetaLookup = fromLabels.meta
  if (metadataPath) {
    const more = await readMetadata(metadataPath, warnings)
    const titled = fromLabels.meta
    let extra = 0
    for (const id of titled.keys()) if (!more.has(id)) extra++
    // The metadata file wins over the labels file's titles.
    meta = titled.size === 0 ? more : { get: (id) => more.get(id) ?? titled.get(id), size: more.size + extra }
  }
  return { labels: fromLabels.labels, genreOrder: fromLabels.genreOrder, meta, unknown: fromLabels.unknown, warnings }
}
