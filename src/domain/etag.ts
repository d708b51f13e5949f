// One base64 for the registry and its client: the format's bytes module.
import { toBase64 as base64, toBase64Url as base64url } from '../../client/src/bytes'

export { base64, base64url }

/**
 * A strong ETag from the bytes alone: the whole SHA-256 of them, base64url. Equal bytes share it,
 * different bytes never do, and it is the digest that `Content-Digest` (RFC 9530) and a
 * version's manifest state, so neither costs a second hash.
 */
export async function strongEtag(body: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', body))
  return `"${base64url(digest)}"`
}

/** The SHA-256 that a digest ETag names, in base64: as a manifest lists it. */
export function etagSha256(etag: string): string {
  const text = etag.slice(1, -1).replace(/-/g, '+').replace(/_/g, '/')
  return text + '='.repeat((4 - (text.length % 4)) % 4)
}

/** The ETag of bytes whose SHA-256 (base64) is known: the inverse of `etagSha256`. */
export const sha256Etag = (sha256: string) => `"${sha256.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')}"`

/** The `Content-Digest` field (RFC 9530) of bytes whose ETag is their digest. */
export const contentDigest = (etag: string) => `sha-256=:${etagSha256(etag)}:`
