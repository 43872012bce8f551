// Whether an address stays on this machine: the server's Host check and the CLI's refusal
// to bind elsewhere without --allow-remote use the same test.

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host)
}
