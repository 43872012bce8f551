// Small response helpers shared by the server's routes.
import type { ServerResponse } from 'node:http'
import { SECURITY_HEADERS } from '../hosting/csp'

export function setSecurityHeaders(res: ServerResponse): void {
  for (const [k, v] of Object.entries(SECURITY_HEADERS)) res.setHeader(k, v)
}

/** A short plain-text error; never echoes request data back. */
export function sendError(res: ServerResponse, status: number, message: string): void {
  if (res.headersSent) return void res.destroy()
  const body = `${message}\n`
  res.statusCode = status
  res.setHeader('Content-Type', 'text/plain; charset=utf-8')
  res.setHeader('Content-Length', Buffer.byteLength(body))
  res.setHeader('Cache-Control', 'no-store')
  res.end(body)
}
