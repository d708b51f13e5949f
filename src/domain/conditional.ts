/** Quoted entity-tags in an If-None-Match list, without their weak prefix. */
const ENTITY_TAG = /"[^"]*"/g

/**
 * RFC 9110 §13.2.2 for GET and HEAD: If-None-Match decides when present (weak comparison,
 * `*` matches anything); otherwise If-Modified-Since, against the Last-Modified time.
 */
export function isNotModified(
  ifNoneMatch: string | undefined,
  ifModifiedSince: string | undefined,
  etag: string,
  lastModified: number,
): boolean {
  if (ifNoneMatch !== undefined) {
    if (ifNoneMatch.trim() === '*') return true
    return ifNoneMatch.match(ENTITY_TAG)?.includes(etag) ?? false
  }
  if (ifModifiedSince === undefined) return false
  const since = Date.parse(ifModifiedSince)
  return !Number.isNaN(since) && lastModified <= since
}
