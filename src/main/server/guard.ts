// Who may talk to `posterity serve`: the holder of the token, from a page of our own
// origin, addressing the server by a name DNS rebinding cannot hijack.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'
import { isIP } from 'node:net'
import { isLoopback } from '../hosting/loopback'

export function newToken(): string {
  return randomBytes(32).toString('base64url')
}

/** Constant-time comparison; hashing first hides the length of the expected token too. */
export function tokenMatches(expected: string, given: string | null | undefined): boolean {
  if (typeof given !== 'string' || given.length === 0 || given.length > 1024) return false
  const a = createHash('sha256').update(expected).digest()
  const b = createHash('sha256').update(given).digest()
  return timingSafeEqual(a, b)
}

const isWildcard = (host: string): boolean => host === '0.0.0.0' || host === '::'

/** `host:port` as it appears in a Host header and a URL (IPv6 in brackets). */
export function hostPort(host: string, port: number): string {
  return `${isIP(host) === 6 ? `[${host}]` : host}:${port}`
}

/**
 * Whether a Host header names this server. DNS rebinding needs a domain name that the
 * attacker controls, so only the bound address itself is accepted, plus `localhost` on
 * loopback and, when bound to every interface, any IP literal.
 */
export function hostAllowed(header: string | undefined, bound: { host: string; port: number }): boolean {
  if (!header) return false
  const m = /^(\[[0-9a-fA-F:.]+\]|[^:[\]]+):(\d+)$/.exec(header.trim())
  if (!m || Number(m[2]) !== bound.port) return false
  const name = m[1].replace(/^\[|\]$/g, '').toLowerCase()
  if (name === bound.host.toLowerCase()) return true
  if (isLoopback(bound.host) && name === 'localhost') return true
  if (isWildcard(bound.host) && isIP(name) !== 0) return true
  return false
}

/**
 * Browsers always send Origin on a WebSocket upgrade; it must be the page's own origin,
 * i.e. `http://` + the (already validated) Host. Clients that are not browsers send none
 * and are let through on the token alone.
 */
export function originAllowed(origin: string | undefined, hostHeader: string): boolean {
  if (origin === undefined) return true
  return origin.toLowerCase() === `http://${hostHeader.trim()}`.toLowerCase()
}
