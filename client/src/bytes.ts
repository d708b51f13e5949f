/**
 * Bytes as the format writes them: base64 (RFC 4648 §4, with padding) for hashes and keys, and
 * SHA-256 through Web Crypto. One module, so that every reader and writer agrees on both.
 */

export type Bytes = Uint8Array

const encoder = new TextEncoder()
const decoder = new TextDecoder()

export const utf8 = (text: string): Bytes => encoder.encode(text)
export const fromUtf8 = (bytes: Bytes): string => decoder.decode(bytes)

export function toBase64(bytes: Bytes): string {
  let binary = ''
  for (const byte of bytes) binary += String.fromCharCode(byte)
  return btoa(binary)
}

/** base64url (RFC 4648 §5) without padding: ETags, tokens. */
export const toBase64Url = (bytes: Bytes): string =>
  toBase64(bytes).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')

/** The bytes of canonical base64 text, or null for anything else. */
export function fromBase64(text: unknown): Bytes | null {
  if (typeof text !== 'string' || text.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(text)) return null
  try {
    return Uint8Array.from(atob(text), (c) => c.charCodeAt(0))
  } catch {
    return null
  }
}

export async function sha256(bytes: Bytes): Promise<Bytes> {
  return new Uint8Array(await crypto.subtle.digest('SHA-256', bytes))
}

export const sha256Base64 = async (bytes: Bytes): Promise<string> => toBase64(await sha256(bytes))

export function concat(...parts: Bytes[]): Bytes {
  const out = new Uint8Array(parts.reduce((n, part) => n + part.byteLength, 0))
  let offset = 0
  for (const part of parts) {
    out.set(part, offset)
    offset += part.byteLength
  }
  return out
}

export const equalBytes = (a: Bytes, b: Bytes): boolean =>
  a.byteLength === b.byteLength && a.every((byte, i) => byte === b[i])
