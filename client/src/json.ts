/**
 * JSON from a host that may be hostile: nesting is bounded before parsing (a deep document
 * overflows the stack of whatever walks it later, `JSON.stringify` included), and a document
 * that is not JSON is refused without a word of what it held: the body is never echoed.
 */
import { fromUtf8 } from './bytes.js'
import { WatchError } from './errors.js'

/** Deeper than any document of the format needs (discovery is 4 levels deep; a change log 6). */
export const MAX_DEPTH = 32

/** The deepest nesting of arrays and objects in JSON text, strings skipped; stops once past `limit`. */
export function nestingDepth(text: string, limit = MAX_DEPTH): number {
  let depth = 0
  let deepest = 0
  let inString = false
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (inString) {
      if (c === 0x5c) i++
      else if (c === 0x22) inString = false
    } else if (c === 0x22) inString = true
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > deepest && (deepest = depth) > limit) return deepest
    } else if (c === 0x7d || c === 0x5d) depth--
  }
  return deepest
}

/** The body as JSON, or a WatchError naming the URL and what is wrong, never what the body said. */
export function parseJson(bytes: Uint8Array, url: string): unknown {
  const text = fromUtf8(bytes)
  if (nestingDepth(text) > MAX_DEPTH)
    throw new WatchError(
      'error',
      `${url} nests deeper than ${MAX_DEPTH} levels; the client refuses it`,
      'The registry served a document no reader needs; tell the vendor.',
    )
  try {
    return JSON.parse(text)
  } catch {
    throw new WatchError(
      'error',
      `${url} is not valid JSON (${bytes.byteLength} bytes)`,
      'The registry served a broken document; tell the vendor.',
    )
  }
}
