// Where the importer hands the pixels it decoded anyway: the genre model's features are
// computed from the same decode that makes the thumbnail, while the import runs, so a first
// model needs no second pass over the posters. The importer knows nothing of the model: the
// core wires a sink in when the backbone is installed and the request asks for it. Declared in
// the kernel, beside the context that carries it, so neither side names the other.

export interface ViewSpec {
  width: number
  height: number
  /** Per view: stretched whole ('fill') or centre-cropped ('cover') into width x height. */
  views: ('fill' | 'cover')[]
}

export interface DecodedSink {
  spec: ViewSpec
  /** False when the artwork is already embedded (or queued): the importer then skips the extra resizes. */
  wants(hash: string): boolean
  /** One RGB (HWC) buffer per view; resolves when the sink can take more (back-pressure). */
  push(hash: string, views: Buffer[]): Promise<void>
  /**
   * A file's bytes, for a poster whose thumbnail needs no encode: the sink's decode is then the
   * import's only one, and its verdict the import's check. Resolves when the sink can take more
   * (back-pressure) with `verdict`: null once every pixel decoded, the decoder's reason when
   * not, or undefined when the sink could not tell (the importer then decodes it itself).
   */
  pushEncoded(hash: string, bytes: Buffer): Promise<{ verdict: Promise<string | null | undefined> }>
  /** Sends what is batched now (the importer waits for the verdicts of its last posters). */
  flush(): void
  /** Waits for every pushed poster to be embedded and stored. */
  finish(): Promise<{ embedded: number; failed: number }>
  /** Drops what is queued (cancelled or failed import). */
  abort(): void
}
