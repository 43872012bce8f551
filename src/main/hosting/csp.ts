// The renderer's Content-Security-Policy. The same text is in the <meta> tag of
// src/renderer/index.html (a test compares them), in every response of `posterity serve`
// and of the desktop window's posterity-app: protocol, so both hosts run the page under one
// policy.
import { MEDIA_PROTOCOL } from '../../shared/api/bridge'

const directives: Record<string, string[]> = {
  'default-src': ["'self'"],
  'img-src': ["'self'", `${MEDIA_PROTOCOL}:`, 'data:'],
  // Only the serve page's own WebSocket: 'self' covers same-origin ws: in CSP level 3.
  'connect-src': ["'self'"],
  // Stylesheets from the app only: no <style> element or style="" attribute in markup. Vue's
  // :style bindings and chart.js set styles through the CSSOM, which CSP does not govern.
  'style-src': ["'self'"],
  'script-src': ["'self'"],
  'object-src': ["'none'"],
  'base-uri': ["'none'"],
  // Not covered by default-src: without it a <form> put into the page could still send what
  // it holds anywhere. The app's forms are all handled in script (@submit.prevent).
  'form-action': ["'none'"],
}

const serialize = (d: Record<string, string[]>): string =>
  Object.entries(d)
    .map(([k, v]) => `${k} ${v.join(' ')}`)
    .join('; ')

/** The policy as the <meta> tag can carry it. */
export const META_CSP = serialize(directives)

/** The header form: browsers honour frame-ancestors only in a header (and warn about it in <meta>). */
export const CSP = `${META_CSP}; frame-ancestors 'none'`

/**
 * Only for Vite's dev server under `electron-vite dev`, whose CSS arrives as injected <style>
 * elements: the same policy with inline styles allowed. Never sent with the built page.
 */
export const DEV_SERVER_CSP = `${serialize({ ...directives, 'style-src': [...directives['style-src'], "'unsafe-inline'"] })}; frame-ancestors 'none'`

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

/** Headers sent with every response of the server and of the desktop window's posterity-app: protocol. */
export const SECURITY_HEADERS: Record<string, string> = {
  'Content-Security-Policy': CSP,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Permissions-Policy': 'camera=(), microphone=(), geolocation=()',
}
