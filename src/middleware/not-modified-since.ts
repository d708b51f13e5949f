import type { MiddlewareHandler } from 'hono'

/**
 * If-Modified-Since for responses that carry Last-Modified. Hono's etag() handles only
 * If-None-Match; RFC 9110 §13.1.3 says to ignore If-Modified-Since whenever If-None-Match is present.
 */
export function notModifiedSince(options: { retainedHeaders: string[] }): MiddlewareHandler {
  const retained = new Set(options.retainedHeaders.map((header) => header.toLowerCase()))
  return async function notModifiedSince(c, next) {
    await next()
    const since = c.req.header('If-Modified-Since')
    const lastModified = c.res.headers.get('Last-Modified')
    if (!since || !lastModified || c.res.status !== 200 || c.req.header('If-None-Match') !== undefined) return
    if (!(c.req.method === 'GET' || c.req.method === 'HEAD')) return
    const sinceTime = Date.parse(since)
    if (Number.isNaN(sinceTime) || Date.parse(lastModified) > sinceTime) return
    await c.res.body?.cancel()
    // Assigning c.res merges the 200's headers in; keep only those a 304 may carry.
    c.res = new Response(null, { status: 304 })
    for (const name of [...c.res.headers.keys()]) if (!retained.has(name)) c.res.headers.delete(name)
  }
}
