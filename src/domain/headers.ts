/**
 * Every response header the registry sends is composed here: a representation's own (type,
 * validators, digest, links), the headers every public answer carries (CORS, security), the
 * private answers' and the errors'. Built at load time, never per request, except an error's.
 */
import { ALLOWED_METHODS, RETRY_AFTER_SECONDS, type RegistryError } from './errors'
import { contentDigest } from './etag'
import { CONTENT_TYPES, DOCUMENTS, linkHeader, manifestLink, type Release, type View, viewUrl } from './representation'

/** What another origin's script may read: the validators and where the bytes came from. */
export const CORS_EXPOSED_HEADERS = [
  'ETag',
  'Last-Modified',
  'Content-Location',
  'Content-Language',
  'Content-Disposition',
  'Link',
  'Content-Digest',
]

/**
 * What cors() and secureHeaders() would add to every response, as constants. They go into each
 * representation's precomputed header set instead: header-setting middleware cost about a tenth
 * of a request in `npm run bench`. A read-only API and a script-free page need only these two
 * security headers; the page's own CSP forbids framing, and HSTS belongs to the zone.
 */
export const SECURITY_HEADERS: Record<string, string> = {
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
}

/** On every public answer: any origin may read it. */
export const COMMON_HEADERS: Record<string, string> = {
  'Access-Control-Allow-Origin': '*',
  'Access-Control-Expose-Headers': CORS_EXPOSED_HEADERS.join(','),
  ...SECURITY_HEADERS,
}

/**
 * Webhook and admin answers: never cached (some show a secret), and no CORS, so that no page a
 * visitor opens can subscribe, manage or read on their behalf.
 */
export const PRIVATE_HEADERS: Record<string, string> = { ...SECURITY_HEADERS, 'Cache-Control': 'no-store' }

/** A public answer's headers: the common ones, the bytes' own, and how long they may be kept. */
export const servedHeaders = (own: Record<string, string>, caching: Readonly<Record<string, string>>) => ({
  ...COMMON_HEADERS,
  ...own,
  ...caching,
})

/** The same headers for the same bytes served under another URL (a version or an instant in the query). */
export const locatedAt = (headers: Record<string, string>, location: string | undefined) =>
  location ? { ...headers, 'Content-Location': location } : headers

/** Bytes of any kind, with their validators: what the evidence routes serve beside the representations. */
export function bodyHeaders(contentType: string, bytes: number, etag: string, lastModified?: number) {
  const headers: Record<string, string> = {
    'Content-Type': contentType,
    'Content-Length': String(bytes),
    ETag: etag,
    'Content-Digest': contentDigest(etag),
  }
  if (lastModified !== undefined) headers['Last-Modified'] = new Date(lastModified).toUTCString()
  return headers
}

/** An error's headers: never cached; the method list of a 405, the scheme of a 401, and when to retry. */
export function errorHeaders(error: RegistryError, isPrivate: boolean): Record<string, string> {
  const headers: Record<string, string> = isPrivate
    ? { ...PRIVATE_HEADERS }
    : { ...COMMON_HEADERS, 'Cache-Control': 'no-store' }
  if (error.status === 405) headers.Allow = (error.details.allowed ?? ALLOWED_METHODS).join(', ')
  if (error.status === 401) headers['WWW-Authenticate'] = 'Bearer realm="webhooks"'
  if (error.status === 503 || error.retryAfter !== undefined)
    headers['Retry-After'] = String(error.retryAfter ?? RETRY_AFTER_SECONDS)
  return headers
}

/** What a representation's headers state about its bytes. */
export interface RepresentationFacts {
  etag: string
  /** The instant the state the bytes belong to began: their Last-Modified. */
  since: number
  bytes: number
  /** Of exactly these bytes; the ETag's own digest unless given (a slice of a log has its own). */
  digest?: string
  /** The URL of these bytes, when it is not the view's own (a slice of a log). */
  location?: string
}

/** The headers that belong to a representation's bytes, whichever URL serves them. */
export function representationHeaders(
  release: Release,
  view: View,
  { etag, since, bytes, digest = contentDigest(etag), location = viewUrl(view) }: RepresentationFacts,
): Record<string, string> {
  const headers: Record<string, string> = {
    'Content-Type':
      view.kind === 'document'
        ? DOCUMENTS[view.name].contentType
        : view.kind === 'manifest'
          ? CONTENT_TYPES.json
          : CONTENT_TYPES[view.format],
    'Content-Location': location,
    'Content-Length': String(bytes),
    ETag: etag,
    'Last-Modified': new Date(since).toUTCString(),
    'Content-Digest': digest,
  }
  if (view.kind === 'manifest') return headers
  if (view.kind === 'document') {
    headers.Link = manifestLink(release)
    return headers
  }
  headers['Content-Language'] = view.lang
  headers.Link = `${linkHeader(release, view)}, ${manifestLink(release)}`
  if (view.format === 'csv') {
    const subject = view.kind === 'list' ? view.region : view.kind === 'entry' ? view.id : `changes-${view.region}`
    headers['Content-Disposition'] =
      `attachment; filename="${release.fileStem}-${subject}-${view.lang}-v${release.version}.csv"`
  }
  if (view.format === 'html') headers['Content-Security-Policy'] = release.htmlContentSecurityPolicy
  return headers
}
