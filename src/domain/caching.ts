import type { ListSelection } from './selection'

/** A list fetched by a URL that names its region: the same bytes for everyone, so shared caches may keep it. */
const SHARED = 'public, max-age=300, stale-while-revalidate=60'
/** A region chosen by the visitor's location must not be served from a shared cache to someone elsewhere. */
const PER_VISITOR = 'private, max-age=300'

/** The caching headers of a list response, from what its URL fixes. */
export function cachingHeaders(selection: ListSelection): { 'Cache-Control': string; Vary?: string } {
  const vary = [selection.format ? '' : 'Accept', selection.lang ? '' : 'Accept-Language'].filter(Boolean).join(', ')
  const cacheControl = selection.region ? SHARED : PER_VISITOR
  return vary ? { 'Cache-Control': cacheControl, Vary: vary } : { 'Cache-Control': cacheControl }
}
