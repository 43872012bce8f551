// The renderer's Content-Security-Policy. The same text is in the <meta> tag of
// src/renderer/index.html (a test compares them), in every response of `posterity serve`
// and in the desktop window's response headers, so both hosts run the page under one policy.
import { MEDIA_PROTOCOL } from '../../shared/api/bridge'

const directives: Record<string, string[]> = {
  'default-src': ["'self'"],
  'img-src': ["'self'", `${MEDIA_PROTOCOL}:`, 'data:'],
  // Only the serve page's own WebSocket: 'self' covers same-origin ws: in CSP level 3.
  'connect-src': ["'self'"],
  // Vue transitions and chart.js set style attributes; no inline <script> is ever allowed.
  'style-src': ["'self'", "'unsafe-inline'"],
  'script-src': ["'self'"],
  'object-src': ["'none'"],
  'base-uri': ["'none'"],
}

/** The policy as the <meta> tag can carry it. */
export const META_CSP = Object.entries(directives)
  .map(([k, v]) => `${k} ${v.join(' ')}`)
  .join('; ')

/** The header form: browsers honour frame-ancestors only in a header (and warn about it in <meta>). */
export const CSP = `${META_CSP}; frame-ancestors 'none'`

/** Directives that only mean something in a header; left out when comparing with the <meta> tag. */
export const HEADER_ONLY_DIRECTIVES = ['frame-ancestors', 'report-uri', 'sandbox']

/** Splits a policy into directive → sorted sources, to compare two policies textually unalike. */
export function parseCsp(policy: string): Map<string, string[]> {
  const out = new Map<string, string[]>()
  for (const part of policy.split(';')) {
    const [name, ...sources] = part.trim().split(/\s+/)
    if (name) out.set(name.toLowerCase(), sources.sort())
  }
  return out
}

/** Headers sent with every response of the server (and, for the CSP, of the desktop window). */
export const SECURITY_HEADERS: Record<string, string> = {
  'Content-Security-Policy': CSP,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Permissions-Policy': 'camera=(), microphone=(), geolocation=()',
}
