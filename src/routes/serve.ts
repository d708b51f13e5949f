import type { Context } from 'hono'
import { CORS_EXPOSED_HEADERS, locatedAt, servedHeaders } from '../domain/headers'
import { accepts } from 'hono/accepts'
import { RETAINED_304_HEADERS } from 'hono/etag'
import { type CachingHeaders, cachingHoldsUntil, cachingUntil, isPrecomputed } from '../domain/caching'
import { isNotModified } from '../domain/conditional'
import { ALLOWED_METHODS, RegistryError } from '../domain/errors'
import { pickLanguage, pickMediaType } from '../domain/negotiation'
import { type ChangeFormat, MEDIA_TYPES, type Release, stateAt, stateEnd, type View } from '../domain/representation'
import {
  getCurrentRelease,
  getRelease,
  type HeldRepresentation,
  holdRepresentation,
  loadRepresentation,
  NOT_IN_MEMORY,
  NOT_IN_RELEASE,
  peekRepresentation,
  type StoredRepresentation,
  stillHeld,
} from '../storage/reader'

export type Env = { Bindings: Cloudflare.Env }

/** Any origin may read, and see the validators and where the bytes came from. */
export const CORS_OPTIONS = { origin: '*', allowMethods: ALLOWED_METHODS, exposeHeaders: CORS_EXPOSED_HEADERS }

/** The webhook and admin routes, which no other origin may call, as route patterns and as a test. */
export const PRIVATE_PATHS = ['/webhooks', '/webhooks/*', '/admin/*', '/objections']
export const isPrivatePath = (path: string) =>
  path === '/webhooks' || path.startsWith('/webhooks/') || path.startsWith('/admin/') || path === '/objections'

/** CORS headers stay on a 304 so that a cross-origin revalidation can still be read. */
const NOT_MODIFIED_HEADERS = new Set([
  ...RETAINED_304_HEADERS,
  'access-control-allow-origin',
  'access-control-expose-headers',
])

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
  if (!set) variants.set(caching, (set = buildHeaderSet(representation, caching)))
  return set
}

function buildHeaderSet(representation: StoredRepresentation, caching: CachingHeaders): HeaderSet {
  const ok = servedHeaders(representation.headers, caching)
  const notModified = Object.fromEntries(
    Object.entries(ok).filter(([name]) => NOT_MODIFIED_HEADERS.has(name.toLowerCase())),
  )
  return { ok, notModified }
}

// Per representation, its bytes as a Blob: a Response shares a Blob's bytes, where it copies an
// array's, which cost a list of 1,000 entries (400 KB) more CPU than everything else a request does.
const bodies = new WeakMap<StoredRepresentation, Blob>()

function bodyOf(representation: StoredRepresentation): Blob {
  let body = bodies.get(representation)
  if (!body) bodies.set(representation, (body = new Blob([representation.body])))
  return body
}

/** Runs `serve` with the current release; without a promise when this isolate holds a fresh one. */
export function withRelease(
  c: Context<Env>,
  serve: (release: Release) => Response | Promise<Response>,
): Response | Promise<Response> {
  const release = getCurrentRelease(c.env.REGISTRY)
  return release instanceof Promise ? release.then(serve) : serve(release)
}

/** Runs `serve` with any published version's release. */
export function withVersion(
  c: Context<Env>,
  current: Release,
  version: number,
  serve: (release: Release) => Response | Promise<Response>,
): Response | Promise<Response> {
  const release = getRelease(c.env.REGISTRY, current, version)
  return release instanceof Promise ? release.then(serve) : serve(release)
}

/** What to answer for a view the release does not contain (only entries can be absent); a promise when finding out reads storage. */
export type AbsentView = () => RegistryError | Promise<never>

/**
 * The first version after `after` for which `has` holds, supposing that it holds from there to the
 * current one; null when the current one does not hold it either. A binary search: a few reads of
 * release records, on a path (a 404) that is never a poller's.
 */
export async function firstVersionWith(
  c: Context<Env>,
  current: Release,
  after: number,
  has: (release: Release) => boolean | Promise<boolean>,
): Promise<number | null> {
  if (!(await has(current))) return null
  let [low, high] = [after + 1, current.version]
  while (low < high) {
    const middle = Math.floor((low + high) / 2)
    if (await has(await getRelease(c.env.REGISTRY, current, middle))) high = middle
    else low = middle + 1
  }
  return low
}

/** A version older than its language: 404, naming the version that first has it. */
export async function languageNotInVersion(
  c: Context<Env>,
  current: Release,
  versioned: Release,
  lang: string,
): Promise<never> {
  const first = await firstVersionWith(c, current, versioned.version, (release) => release.languages.includes(lang))
  throw new RegistryError(
    'not_in_version',
    `Version ${versioned.version} has no "${lang}"${first ? `: the registry has it from version ${first}` : ''}. Version ${versioned.version} comes in ${versioned.languages.join(', ')}.`,
    { parameter: 'lang', allowed: versioned.languages },
  )
}

/** A representation to serve, and how. */
export interface Served {
  release: Release
  /** The state of the release; 0, its first, unless given. */
  state?: number
  view: View
  caching: CachingHeaders
  /** What a view the release lacks answers; a storage fault unless given (only entries can be absent). */
  absent?: AbsentView
  /** The URL of these bytes when it is not the view's own (a version or an instant in the query). */
  location?: string
}

/**
 * Serves a published representation: bytes and headers computed before this request, one
 * Response built. Preconditions are evaluated before a body is attached (Hono's etag() only
 * sees finished responses), so a 304 costs the same at any registry size.
 */
export function serveView(
  c: Context<Env>,
  { release, state = 0, view, caching, absent = alwaysPresent, location }: Served,
): Response | Promise<Response> {
  const warm = peekRepresentation(release, state, view)
  if (warm === NOT_IN_RELEASE) return refuse(absent)
  if (warm !== NOT_IN_MEMORY) return responseFor(c, warm, caching, location)
  return loadRepresentation(c.env.REGISTRY, release, state, view).then((cold) => {
    if (cold === NOT_IN_RELEASE) return refuse(absent)
    return responseFor(c, cold, caching, location)
  })
}

function refuse(absent: AbsentView): Promise<never> {
  const error = absent()
  if (error instanceof Promise) return error
  throw error
}

export function responseFor(
  c: Context<Env>,
  representation: StoredRepresentation,
  caching: CachingHeaders,
  location?: string,
): Response {
  // Precomputed header sets for the common case; caching cut short by a boundary, or another location, build theirs.
  const headers = isPrecomputed(caching) ? headerSet(representation, caching) : buildHeaderSet(representation, caching)
  return answer(c.req.raw.headers, representation, headers, location)
}

function answer(request: Headers, representation: StoredRepresentation, headers: HeaderSet, location?: string) {
  const notModified = isNotModified(
    request.get('If-None-Match') ?? undefined,
    request.get('If-Modified-Since') ?? undefined,
    representation.etag,
    representation.lastModified,
  )
  const chosen = notModified ? headers.notModified : headers.ok
  const sent = locatedAt(chosen, location)
  return notModified
    ? new Response(null, { status: 304, headers: sent })
    : new Response(bodyOf(representation), { headers: sent })
}

/**
 * The answer to a request that resolves as one before it did (the same URL and negotiating
 * headers): its representation and header set, found once. It holds while the caching headers
 * stay the same (until near its state's end) and this isolate keeps the bytes.
 */
export interface Prepared {
  held: HeldRepresentation
  headers: HeaderSet
  until: number
}

/** The answer prepared for a view in force now; null when its caching is cut short or its bytes are not in memory. */
export function prepare(release: Release, state: number, view: View, caching: CachingHeaders): Prepared | null {
  if (!isPrecomputed(caching)) return null
  const held = holdRepresentation(release, state, view)
  if (!held) return null
  return {
    held,
    headers: headerSet(held.representation, caching),
    until: cachingHoldsUntil(stateEnd(release, state)),
  }
}

/** Answers with a prepared answer that still holds; null once it has lapsed. */
export function answerPrepared(request: Headers, prepared: Prepared): Response | null {
  if (Date.now() > prepared.until || !stillHeld(prepared.held)) return null
  return answer(request, prepared.held.representation, prepared.headers)
}

/** For views every release has (lists, documents): their absence is storage's fault, not the request's. */
export function alwaysPresent(): RegistryError {
  return new RegistryError('storage_fault', 'This version of the registry is incomplete in storage.')
}

/** The state of the current release in force now, and caching that ends when it does. */
export function currentState(release: Release, caching: CachingHeaders): { state: number; caching: CachingHeaders } {
  const now = Date.now()
  const state = stateAt(release, now)
  return {
    state,
    caching: release.states.length === 1 ? caching : cachingUntil(caching, stateEnd(release, state), now),
  }
}

/** Picks a media type from Accept among a resource's formats; 406 when none is acceptable. */
export function negotiateFormat<F extends ChangeFormat>(c: Context<Env>, formats: readonly F[]): F {
  const offered = formats.map((format) => MEDIA_TYPES[format])
  const type = accepts(c, { header: 'Accept', supports: offered, default: offered[0]!, match: pickMediaType })
  const format = formats.find((f) => MEDIA_TYPES[f] === type)
  if (!format) {
    c.header('Vary', 'Accept')
    throw new RegistryError('not_acceptable', 'Accept allows none of the formats this resource comes in.', {
      allowed: offered,
    })
  }
  return format
}

export function negotiateLanguage(c: Context<Env>, release: Release): string {
  return accepts(c, {
    header: 'Accept-Language',
    supports: release.languages,
    default: release.defaultLanguage,
    match: pickLanguage,
  })
}

/** `/subprocessors.csv` names its format; `/subprocessors.xml` reaches the handler to get a 400 listing the formats. */
export const suffixOf = (file: string | undefined) => file?.slice(file.indexOf('.') + 1)
