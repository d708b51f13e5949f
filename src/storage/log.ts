/**
 * The log format: a representation whose items (newest first) can be cut at any version, so that
 * `?since=N` is a slice of stored bytes, never a rendering. A JSON index line, then the bytes:
 *
 *   {"etag":"\"…\"","head":120,"tail":14,"ends":[[7,812],[7,1630],[5,2401]]}\n<head><items><tail>
 *
 * `ends` gives, per item, the version that last touched it and where the item ends within the
 * items part; items are joined by the format's separator, which a slice never ends with.
 */

export interface LogItem {
  body: Uint8Array
  /** The version that announced or withdrew the change: what `since` compares with. */
  touched: number
}

export interface LogParts {
  head: Uint8Array
  items: LogItem[]
  separator: Uint8Array
  tail: Uint8Array
}

export interface DecodedLog {
  /** ETag of the whole log: head, every item, tail. */
  etag: string
  whole: Uint8Array
  head: Uint8Array
  items: Uint8Array
  tail: Uint8Array
  ends: [number, number][]
}

const encoder = new TextEncoder()
const NEWLINE = 0x0a

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.byteLength, 0))
  let offset = 0
  for (const part of parts) {
    out.set(part, offset)
    offset += part.byteLength
  }
  return out
}

/** The whole log's bytes, as a reader receives them with no `since`. */
export function wholeLog({ head, items, separator, tail }: LogParts): Uint8Array {
  return concat([head, ...items.flatMap((item, i) => (i ? [separator, item.body] : [item.body])), tail])
}

export function encodeLog(parts: LogParts, etag: string): Uint8Array {
  const ends: [number, number][] = []
  let end = 0
  parts.items.forEach((item, i) => {
    end += (i ? parts.separator.byteLength : 0) + item.body.byteLength
    ends.push([item.touched, end])
  })
  const index = encoder.encode(`${JSON.stringify({ etag, head: parts.head.byteLength, tail: parts.tail.byteLength, ends })}\n`)
  return concat([index, wholeLog(parts)])
}

/** A log's parts, as views into its bytes; throws on an index or length that does not fit them. */
export function decodeLog(bytes: Uint8Array): DecodedLog {
  const newline = bytes.indexOf(NEWLINE)
  if (newline === -1) throw new Error('log has no index line')
  const { etag, head, tail, ends } = JSON.parse(new TextDecoder().decode(bytes.subarray(0, newline))) as { etag: string; head: number; tail: number; ends: [number, number][] }
  const whole = bytes.subarray(newline + 1)
  const itemsLength = whole.byteLength - head - tail
  if (itemsLength < 0 || (ends.at(-1)?.[1] ?? 0) !== itemsLength) throw new Error('log length does not match its index')
  return { etag, whole, head: whole.subarray(0, head), items: whole.subarray(head, head + itemsLength), tail: whole.subarray(head + itemsLength), ends }
}

/** The log with only the items touched after version `since`: head, a prefix of the items, tail. */
export function sliceLog(log: DecodedLog, since: number): Uint8Array {
  let end = 0
  for (const [touched, itemEnd] of log.ends) {
    if (touched <= since) break
    end = itemEnd
  }
  return concat([log.head, log.items.subarray(0, end), log.tail])
}
