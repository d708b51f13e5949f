import type { Context } from 'hono'
import { RETAINED_304_HEADERS } from 'hono/etag'
import type { CachingHeaders } from '../domain/caching'
import { isNotModified } from '../domain/conditional'
import { ALLOWED_METHODS, RegistryError } from '../domain/errors'
import type { Release, View } from '../domain/representation'
import { cachedRepresentation, getCurrentRelease, getRepresentation, type StoredRepresentation } from '../storage'

export type Env = { Bindings: Cloudflare.Env }

/** Any origin may read, and see the validators and where the bytes came from. */
export const CORS_OPTIONS = {
  origin: '*',
  allowMethods: ALLOWED_METHODS,
  exposeHeaders: ['ETag', 'Last-Modified', 'Content-Location', 'Content-Language', 'Content-Disposition', 'Link'],
}

/**
 * What cors() and secureHeaders() would add to every response, as constants. They go into each
 * representation's precomputed header set instead: header-setting middleware cost about a tenth
 * of a request in `npm run bench`. A read-only API and a script-free page need only these two
 * security headers; the page's own CSP forbids framing, and HSTS belongs to the zone.
 */
export const COMMON_HEADERS: Record<string, string> = {
  'Access-Control-Allow-Origin': CORS_OPTIONS.origin,
  'Access-Control-Expose-Headers': CORS_OPTIONS.exposeHeaders.join(','),
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
}

/** CORS headers stay on a 304 so that a cross-origin revalidation can still be read. */
const NOT_MODIFIED_HEADERS = new Set([...RETAINED_304_HEADERS, 'access-control-allow-origin', 'access-control-expose-headers'])

interface HeaderSet {
  ok: Record<string, string>
  notModified: Record<string, string>
}

// Per representation, per caching variant: a handful of combinations, built once, never per request.
const headerSets = new WeakMap<StoredRepresentation, Map<CachingHeaders, HeaderSet>>()

function headerSet(representation: StoredRepresentation, caching: CachingHeaders): HeaderSet {
  let variants = headerSets.get(representation)
  if (!variants) headerSets.set(representation, (variants = new Map()))
  let set = variants.get(caching)
  if (!set) {
    const ok = { ...COMMON_HEADERS, ...representation.headers, ...caching }
    const notModified = Object.fromEntries(Object.entries(ok).filter(([name]) => NOT_MODIFIED_HEADERS.has(name.toLowerCase())))
    variants.set(caching, (set = { ok, notModified }))
  }
  return set
}

/** Runs `serve` with the current release; without a promise when this isolate holds a fresh one. */
export function withRelease(c: Context<Env>, serve: (release: Release) => Response | Promise<Response>): Response | Promise<Response> {
  const release = getCurrentRelease(c.env.REGISTRY)
  if (!(release instanceof Promise)) return serve(release)
  return release.then((fetched) => {
    if (!fetched) throw new RegistryError(503, 'not_published', 'No version of the registry has been published yet.')
    return serve(fetched)
  })
}

/**
 * Serves a published representation: bytes and headers computed before this request, one
 * Response built. Preconditions are evaluated before a body is attached (Hono's etag() only
 * sees finished responses), so a 304 costs the same at any registry size.
 */
export function respond(c: Context<Env>, release: Release, view: View, caching: CachingHeaders, missing: () => RegistryError): Response | Promise<Response> {
  const warm = cachedRepresentation(release, view)
  if (warm) return reply(c, warm, caching)
  if (warm === null) throw missing()
  return getRepresentation(c.env.REGISTRY, release, view).then((cold) => {
    if (!cold) throw missing()
    return reply(c, cold, caching)
  })
}

function reply(c: Context<Env>, representation: StoredRepresentation, caching: CachingHeaders): Response {
  const headers = headerSet(representation, caching)
  if (isNotModified(c.req.header('If-None-Match'), c.req.header('If-Modified-Since'), representation.etag, representation.lastModified)) {
    return new Response(null, { status: 304, headers: headers.notModified })
  }
  return new Response(representation.body, { headers: headers.ok })
}
