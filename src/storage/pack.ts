/**
 * The pack format: many representations in one KV value. A JSON index line, then the bodies back
 * to back:
 *
 *   {"entry/twilio/en.json":[0,812,"\"etag\""],...}\n<bytes>
 */

export interface PackedPart {
  path: string
  body: Uint8Array
  etag: string
}

const encoder = new TextEncoder()
const NEWLINE = 0x0a

export function pack(parts: PackedPart[]): Uint8Array {
  const index: Record<string, [number, number, string]> = {}
  let offset = 0
  for (const { path, body, etag } of parts) {
    index[path] = [offset, body.byteLength, etag]
    offset += body.byteLength
  }
  // JSON.stringify escapes newlines in strings, so the first newline byte ends the index.
  const head = encoder.encode(`${JSON.stringify(index)}\n`)
  const packed = new Uint8Array(head.byteLength + offset)
  packed.set(head)
  offset = head.byteLength
  for (const { body } of parts) {
    packed.set(body, offset)
    offset += body.byteLength
  }
  return packed
}

/** The parts of a pack, as views into its bytes; throws on a pack whose index or length is damaged. */
export function unpack(bytes: Uint8Array): PackedPart[] {
  const end = bytes.indexOf(NEWLINE)
  if (end === -1) throw new Error('pack has no index line')
  const index = JSON.parse(new TextDecoder().decode(bytes.subarray(0, end))) as Record<string, [number, number, string]>
  const start = end + 1
  return Object.entries(index).map(([path, [offset, length, etag]]) => {
    if (start + offset + length > bytes.byteLength) throw new Error(`pack ends before ${path}`)
    return { path, body: bytes.subarray(start + offset, start + offset + length), etag }
  })
}
