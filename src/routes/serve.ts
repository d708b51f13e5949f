import type { Context } from 'hono'
import { RETAINED_304_HEADERS } from 'hono/etag'
import type { CachingHeaders } from '../domain/caching'
import { isNotModified } from '../domain/conditional'
import { ALLOWED_METHODS, RegistryError } from '../domain/errors'
import type { Release, View } from '../domain/representation'
import { getCurrentRelease, loadRepresentation, NOT_IN_MEMORY, NOT_IN_RELEASE, peekRepresentation, type StoredRepresentation } from '../storage/reader'

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
  return release instanceof Promise ? release.then(serve) : serve(release)
}

/** What to answer for a view the release does not contain; only entries can be absent. */
export type AbsentView = () => RegistryError

/**
 * Serves a published representation: bytes and headers computed before this request, one
 * Response built. Preconditions are evaluated before a body is attached (Hono's etag() only
 * sees finished responses), so a 304 costs the same at any registry size.
 */
export function serveView(c: Context<Env>, release: Release, view: View, caching: CachingHeaders, absent: AbsentView): Response | Promise<Response> {
  const warm = peekRepresentation(release, view)
  if (warm === NOT_IN_RELEASE) throw absent()
  if (warm !== NOT_IN_MEMORY) return responseFor(c, warm, caching)
  return loadRepresentation(c.env.REGISTRY, release, view).then((cold) => {
    if (cold === NOT_IN_RELEASE) throw absent()
    return responseFor(c, cold, caching)
  })
}

function responseFor(c: Context<Env>, representation: StoredRepresentation, caching: CachingHeaders): Response {
  const headers = headerSet(representation, caching)
  if (isNotModified(c.req.header('If-None-Match'), c.req.header('If-Modified-Since'), representation.etag, representation.lastModified)) {
    return new Response(null, { status: 304, headers: headers.notModified })
  }
  return new Response(representation.body, { headers: headers.ok })
}

/** For views every release has (lists, documents): their absence is storage's fault, not the request's. */
export function alwaysPresent(): RegistryError {
  return new RegistryError('storage_fault', 'This version of the registry is incomplete in storage.')
}
