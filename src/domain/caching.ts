/** Same bytes for everyone at this URL: browsers and shared caches may keep it and revalidate cheaply. */
export const SHARED_CACHING = 'public, max-age=300, stale-while-revalidate=60'
/** A region chosen by the visitor's location must not be served from a shared cache to someone elsewhere. */
const PER_VISITOR_CACHING = 'private, max-age=300'

/**
 * The caching headers of a negotiated response: Vary names the request headers that chose it
 * (those the URL left open), and only a response that depends on nothing else may be shared.
 */
export function cachingHeaders(fixedByUrl: { format?: string; lang?: string }, shared: boolean): { 'Cache-Control': string; Vary?: string } {
  const vary = [fixedByUrl.format ? '' : 'Accept', fixedByUrl.lang ? '' : 'Accept-Language'].filter(Boolean).join(', ')
  const cacheControl = shared ? SHARED_CACHING : PER_VISITOR_CACHING
  return vary ? { 'Cache-Control': cacheControl, Vary: vary } : { 'Cache-Control': cacheControl }
}
