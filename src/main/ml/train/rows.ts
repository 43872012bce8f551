// Row selection from a row-major matrix (embeddings, labels, probabilities): one copy per
// call, rows in the order asked.

/** The rows `rows` of `src` (`width` values a row), copied side by side. */
export function gatherRows(src: Float32Array, width: number, rows: number[]): Float32Array {
  const out = new Float32Array(rows.length * width)
  rows.forEach((r, i) => out.set(src.subarray(r * width, (r + 1) * width), i * width))
  return out
}
