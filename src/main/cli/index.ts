// STUB — the CLI entry: parses argv and runs a command; returns the exit code.
export async function main(argv: string[]): Promise<number> {
  process.stderr.write(`posterity: unknown command ${argv[0] ?? ''}\n`)
  return 2
}
