// Dropped files and folders, sorted into what the import dialog asks for.

/** Sorts dropped paths into poster sources, a labels CSV and a metadata CSV. */
export function classifyDropped(paths: string[]): { paths: string[]; labels?: string; metadata?: string } {
  const out: { paths: string[]; labels?: string; metadata?: string } = { paths: [] }
  for (const p of paths) {
    const name = p.split(/[\\/]/).pop()?.toLowerCase() ?? ''
    if (!name.endsWith('.csv')) out.paths.push(p)
    else if (/meta|movies|titles/.test(name) && !out.metadata) out.metadata = p
    else if (!out.labels) out.labels = p
    else if (!out.metadata) out.metadata = p
  }
  return out
}
