/**
 * The bundle format: many stored values of one version in one gzip-compressed KV value, so that a
 * publish writes a few dozen values, not one per representation, and its bytes shrink with what
 * the values share (every region's list repeats the same rows; every state repeats the others).
 * Decompressed, a bundle is a JSON index line, then the values back to back:
 *
 *   [["s0/list/eu/en.json",0,812,{"etag":"\"…\""}],["s1/list/eu/en.json",812,815,{…}],…]\n<bytes>
 *
 * Keys are below the version's prefix. A value comes out as it went in, with its metadata,
 * and is then read as if it had its own key: the checks against ETags and the manifest are the same.
 */
import type { StoredMetadata } from './keys'

export interface BundledValue {
  /** The value's key below the version's prefix. */
  key: string
  value: Uint8Array
  metadata: StoredMetadata
}

/** Decompressed bytes a bundle may hold: far above any the publisher writes, far below an isolate's memory. */
export const BUNDLE_MAX_BYTES = 64 * 1024 * 1024

const encoder = new TextEncoder()
const NEWLINE = 0x0a

/** Reads a stream whole, refusing more than `limit` bytes. */
async function readAll(stream: ReadableStream<Uint8Array>, limit: number): Promise<Uint8Array> {
  const chunks: Uint8Array[] = []
  let total = 0
  const reader = stream.getReader()
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    total += value.byteLength
    if (total > limit) {
      await reader.cancel()
      throw new Error(`a bundle of more than ${limit} bytes`)
    }
    chunks.push(value)
  }
  const out = new Uint8Array(total)
  let offset = 0
  for (const chunk of chunks) {
    out.set(chunk, offset)
    offset += chunk.byteLength
  }
  return out
}

/** Bytes through a (de)compression stream, part by part; a write the stream refuses (bytes that are not gzip) fails the whole. */
async function through(parts: Uint8Array[], transform: CompressionStream | DecompressionStream, limit: number) {
  const writer = transform.writable.getWriter()
  const writing = (async () => {
    for (const part of parts) await writer.write(part)
    await writer.close()
  })()
  const [, out] = await Promise.all([writing, readAll(transform.readable, limit)])
  return out
}

/**
 * Gzip for bundles, given the parts of the bytes in order: the platform's CompressionStream
 * unless the publisher has a faster one (Node's zlib; its web streams cost much per chunk).
 */
export type Compress = (parts: Uint8Array[]) => Promise<Uint8Array>

export const gzipStream: Compress = (parts) => through(parts, new CompressionStream('gzip'), Number.POSITIVE_INFINITY)

export async function packBundle(values: BundledValue[], compress: Compress = gzipStream): Promise<Uint8Array> {
  const index: [string, number, number, StoredMetadata][] = []
  let offset = 0
  for (const { key, value, metadata } of values) {
    index.push([key, offset, value.byteLength, metadata])
    offset += value.byteLength
  }
  // JSON.stringify escapes newlines in strings, so the first newline byte ends the index.
  const head = encoder.encode(`${JSON.stringify(index)}\n`)
  if (head.byteLength + offset > BUNDLE_MAX_BYTES)
    throw new Error(`a bundle of ${head.byteLength + offset} bytes; the most a reader takes is ${BUNDLE_MAX_BYTES}`)
  // Never one copy of the whole: the parts go to the compressor as they are.
  return compress([head, ...values.map(({ value }) => value)])
}

/** A bundle's values, as views into its decompressed bytes (copy one out to keep it alone); throws on damage. */
export async function unpackBundle(
  bytes: Uint8Array,
  limit = BUNDLE_MAX_BYTES,
): Promise<Map<string, Omit<BundledValue, 'key'>>> {
  const plain = await through([bytes], new DecompressionStream('gzip'), limit)
  const end = plain.indexOf(NEWLINE)
  if (end === -1) throw new Error('bundle has no index line')
  const index: unknown = JSON.parse(new TextDecoder().decode(plain.subarray(0, end)))
  if (!Array.isArray(index)) throw new Error('bundle index is not a list')
  const start = end + 1
  const values = new Map<string, Omit<BundledValue, 'key'>>()
  for (const [key, offset, length, metadata] of index as [string, number, number, StoredMetadata][]) {
    if (typeof key !== 'string' || !Number.isInteger(offset) || !Number.isInteger(length) || offset < 0 || length < 0)
      throw new Error(`bundle index is damaged at ${key}`)
    if (start + offset + length > plain.byteLength) throw new Error(`bundle ends before ${key}`)
    if (typeof metadata !== 'object' || metadata === null) throw new Error(`bundle has no metadata for ${key}`)
    values.set(key, { value: plain.subarray(start + offset, start + offset + length), metadata })
  }
  return values
}
