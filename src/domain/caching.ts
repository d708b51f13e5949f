/** Same bytes for everyone at this URL: browsers and shared caches may keep it and revalidate cheaply. */
const SHARED_CACHING = 'public, max-age=300, stale-while-revalidate=60'
/** A region chosen by the visitor's location must not be served from a shared cache to someone elsewhere. */
const PER_VISITOR_CACHING = 'private, max-age=300'

export type CachingHeaders = Readonly<{ 'Cache-Control': string; Vary?: string }>

function build(formatFixed: boolean, langFixed: boolean, shared: boolean): CachingHeaders {
  const vary = [formatFixed ? '' : 'Accept', langFixed ? '' : 'Accept-Language'].filter(Boolean).join(', ')
  const cacheControl = shared ? SHARED_CACHING : PER_VISITOR_CACHING
  return Object.freeze(vary ? { 'Cache-Control': cacheControl, Vary: vary } : { 'Cache-Control': cacheControl })
}

// Eight combinations, built once; callers may key other caches on their identity.
const VARIANTS = [false, true].flatMap((f) => [false, true].flatMap((l) => [false, true].map((s) => build(f, l, s))))

/**
 * The caching headers of a negotiated response: Vary names the request headers that chose it
 * (those the URL left open), and only a response that depends on nothing else may be shared.
 */
export function cachingHeaders(fixedByUrl: { format?: string; lang?: string }, shared: boolean): CachingHeaders {
  return VARIANTS[(fixedByUrl.format ? 4 : 0) + (fixedByUrl.lang ? 2 : 0) + (shared ? 1 : 0)]!
}

/** For a resource with one format and no language, which nothing in the request chooses. */
export const UNNEGOTIATED_CACHING = VARIANTS[VARIANTS.length - 1]!
