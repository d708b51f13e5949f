/** Seconds a response may be reused before it is revalidated. */
export const MAX_AGE_SECONDS = 300

/** How a response may be kept: shared, per visitor, or for good. */
type Keeping = 'shared' | 'private' | 'immutable'

const CACHE_CONTROL: Record<Keeping, string> = {
  // Same bytes for everyone at this URL: browsers and shared caches may keep it and revalidate cheaply.
  shared: `public, max-age=${MAX_AGE_SECONDS}, stale-while-revalidate=60`,
  // A region chosen by the visitor's location must not be served from a shared cache to someone elsewhere.
  private: `private, max-age=${MAX_AGE_SECONDS}`,
  // A published version's bytes never change.
  immutable: 'public, max-age=31536000, immutable',
}

export type CachingHeaders = Readonly<{ 'Cache-Control': string; Vary?: string }>

function build(formatFixed: boolean, langFixed: boolean, keeping: Keeping): CachingHeaders {
  const vary = [formatFixed ? '' : 'Accept', langFixed ? '' : 'Accept-Language'].filter(Boolean).join(', ')
  return Object.freeze(
    vary ? { 'Cache-Control': CACHE_CONTROL[keeping], Vary: vary } : { 'Cache-Control': CACHE_CONTROL[keeping] },
  )
}

const KEEPINGS: Keeping[] = ['private', 'shared', 'immutable']
// Twelve combinations, built once; callers may key other caches on their identity.
const VARIANTS = [false, true].flatMap((f) =>
  [false, true].flatMap((l) => KEEPINGS.map((keeping) => build(f, l, keeping))),
)
const PRECOMPUTED = new Set<CachingHeaders>(VARIANTS)

const variant = (fixedByUrl: { format?: string; lang?: string }, keeping: Keeping) =>
  VARIANTS[(fixedByUrl.format ? 6 : 0) + (fixedByUrl.lang ? 3 : 0) + KEEPINGS.indexOf(keeping)]!

/**
 * The caching headers of a negotiated response: Vary names the request headers that chose it
 * (those the URL left open), and only a response that depends on nothing else may be shared.
 */
export function cachingHeaders(fixedByUrl: { format?: string; lang?: string }, shared: boolean): CachingHeaders {
  return variant(fixedByUrl, shared ? 'shared' : 'private')
}

/** For a published version's bytes, named by `?version=` or a past `?at=`: they never change. */
export function immutableCaching(fixedByUrl: { format?: string; lang?: string }): CachingHeaders {
  return variant(fixedByUrl, 'immutable')
}

/** For a resource with one format and no language, which nothing in the request chooses. */
export const UNNEGOTIATED_CACHING = variant({ format: 'json', lang: 'any' }, 'shared')

/** Until when cachingUntil() gives the caching itself for a state that ends at `end`: from then on, a shorter max-age. */
export const cachingHoldsUntil = (end: number | null): number =>
  end === null ? Number.POSITIVE_INFINITY : end - MAX_AGE_SECONDS * 1000

/**
 * Caching that ends no later than `end`, when an announced change takes effect: no cache may keep
 * a state past its end. Far from an end, the precomputed headers themselves.
 */
export function cachingUntil(caching: CachingHeaders, end: number | null, now: number): CachingHeaders {
  if (end === null || now <= cachingHoldsUntil(end)) return caching
  const seconds = Math.max(0, Math.floor((end - now) / 1000))
  const cacheControl = caching['Cache-Control'].startsWith('private')
    ? `private, max-age=${seconds}`
    : `public, max-age=${seconds}`
  return caching.Vary ? { 'Cache-Control': cacheControl, Vary: caching.Vary } : { 'Cache-Control': cacheControl }
}

/** Whether these headers are one of the precomputed sets, which other caches may key on. */
export const isPrecomputed = (caching: CachingHeaders) => PRECOMPUTED.has(caching)
