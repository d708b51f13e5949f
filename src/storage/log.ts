/**
 * The log format: a representation whose items (newest first) can be cut at any version, so that
 * `?since=N` is a slice of stored bytes, never a rendering. A version's own value holds a JSON
 * index line, then its bytes:
 *
 *   {"etag":"\"…\"","digest":"\"…\"","head":120,"tail":14,"separator":",\n","ends":[[70,812],[69,1630]],
 *    "chunks":[{"key":"logs/…","newest":64}]}\n<head><items><tail>
 *
 * `ends` gives, per item, the version that last touched it and where the item ends within the
 * items part. Items touched in earlier blocks of LOG_BLOCK_VERSIONS versions are not repeated in
 * every version: they sit in chunks, each a value named by the digest of its bytes, which every
 * later version whose items there are the same bytes shares. So a version stores the recent items
 * only, and the history as a whole grows linearly, not with its square. A chunk is an index line
 * `{"ends":[…]}` and its items. `etag` is the whole log's (head, every item, tail); `digest` is
 * the version's own value's bytes after the index line.
 */

/** Versions per chunk of a stored log: a version's own value holds at most this many versions' items. */
export const LOG_BLOCK_VERSIONS = 64

import { strongEtag } from '../domain/etag'
import { logChunkKey } from './keys'

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

/** A chunk a log refers to: its key, and the newest version that touched an item in it. */
export interface ChunkRef {
  key: string
  newest: number
}

export interface DecodedLog {
  /** ETag of the whole log: head, every item (in chunks too), tail. */
  etag: string
  /** ETag of `whole`: what the value's own bytes are checked against. */
  digest: string
  /** The value's own bytes: head, its items, tail. */
  whole: Uint8Array
  head: Uint8Array
  items: Uint8Array
  tail: Uint8Array
  separator: Uint8Array
  ends: [number, number][]
  /** Older items, newest chunk first. */
  chunks: ChunkRef[]
}

export interface DecodedChunk {
  items: Uint8Array
  ends: [number, number][]
}

/** A log as stored: the version's own value, and the chunks it refers to, each with its key. */
export interface StoredLog {
  value: Uint8Array
  chunks: { key: string; value: Uint8Array }[]
}

const encoder = new TextEncoder()
const decoder = new TextDecoder()
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

/** Parts with a separator between each two, framed by `before` and `after`: one copy of the bytes. */
function join(parts: Uint8Array[], separator: Uint8Array, before?: Uint8Array, after?: Uint8Array): Uint8Array {
  const framed: Uint8Array[] = before ? [before] : []
  for (const [i, part] of parts.entries()) {
    if (i) framed.push(separator)
    framed.push(part)
  }
  if (after) framed.push(after)
  return concat(framed)
}

/** The whole log's bytes, as a reader receives them with no `since`. */
export function wholeLog({ head, items, separator, tail }: LogParts): Uint8Array {
  return join(
    items.map((item) => item.body),
    separator,
    head,
    tail,
  )
}

/** Items joined, with where each ends. */
function itemsWithEnds(items: LogItem[], separator: Uint8Array): { bytes: Uint8Array; ends: [number, number][] } {
  const ends: [number, number][] = []
  let end = 0
  items.forEach((item, i) => {
    end += (i ? separator.byteLength : 0) + item.body.byteLength
    ends.push([item.touched, end])
  })
  return {
    bytes: join(
      items.map((item) => item.body),
      separator,
    ),
    ends,
  }
}

/** The versions whose items a version's own log value leaves to chunks: every whole block before its own. */
export const frozenThrough = (version: number) => Math.floor((version - 1) / LOG_BLOCK_VERSIONS) * LOG_BLOCK_VERSIONS

/**
 * Stores a log of version `version` whose whole bytes have ETag `etag`: the items touched in its
 * own block in the value itself, older ones in one chunk per block, each named by its digest.
 */
export async function storeLog(parts: LogParts, etag: string, version: number): Promise<StoredLog> {
  const frozen = frozenThrough(version)
  const own = parts.items.filter((item) => item.touched > frozen)
  const blocks = new Map<number, LogItem[]>()
  for (const item of parts.items.slice(own.length)) {
    if (item.touched > frozen) throw new Error('log items are not newest first')
    const block = Math.floor((item.touched - 1) / LOG_BLOCK_VERSIONS)
    const items = blocks.get(block)
    if (items) items.push(item)
    else blocks.set(block, [item])
  }
  const chunks: (StoredLog['chunks'][number] & { newest: number })[] = []
  for (const items of blocks.values()) {
    const { bytes, ends } = itemsWithEnds(items, parts.separator)
    const value = concat([encoder.encode(`${JSON.stringify({ ends })}\n`), bytes])
    chunks.push({ key: logChunkKey(await strongEtag(value)), value, newest: items[0]!.touched })
  }
  const { bytes, ends } = itemsWithEnds(own, parts.separator)
  const whole = concat([parts.head, bytes, parts.tail])
  const index = {
    etag,
    digest: await strongEtag(whole),
    head: parts.head.byteLength,
    tail: parts.tail.byteLength,
    separator: decoder.decode(parts.separator),
    ends,
    chunks: chunks.map(({ key, newest }) => ({ key, newest })),
  }
  return {
    value: concat([encoder.encode(`${JSON.stringify(index)}\n`), whole]),
    chunks: chunks.map(({ key, value }) => ({ key, value })),
  }
}

function splitIndex(bytes: Uint8Array): { index: unknown; rest: Uint8Array } {
  const newline = bytes.indexOf(NEWLINE)
  if (newline === -1) throw new Error('log has no index line')
  return { index: JSON.parse(decoder.decode(bytes.subarray(0, newline))), rest: bytes.subarray(newline + 1) }
}

/** A log's parts, as views into its bytes; throws on an index or length that does not fit them. */
export function decodeLog(bytes: Uint8Array): DecodedLog {
  const { index, rest: whole } = splitIndex(bytes)
  const { etag, digest, head, tail, separator, ends, chunks } = index as Omit<
    DecodedLog,
    'whole' | 'items' | 'head' | 'tail' | 'separator'
  > & { head: number; tail: number; separator: string }
  const itemsLength = whole.byteLength - head - tail
  if (itemsLength < 0 || (ends.at(-1)?.[1] ?? 0) !== itemsLength || !Array.isArray(chunks))
    throw new Error('log length does not match its index')
  return {
    etag,
    digest,
    whole,
    head: whole.subarray(0, head),
    items: whole.subarray(head, head + itemsLength),
    tail: whole.subarray(head + itemsLength),
    separator: encoder.encode(separator),
    ends,
    chunks,
  }
}

export function decodeChunk(bytes: Uint8Array): DecodedChunk {
  const { index, rest: items } = splitIndex(bytes)
  const { ends } = index as { ends: [number, number][] }
  if (!Array.isArray(ends) || (ends.at(-1)?.[1] ?? 0) !== items.byteLength)
    throw new Error('chunk length does not match its index')
  return { items, ends }
}

/** The chunks a slice after version `since` needs: those holding an item touched after it. */
export function chunksAfter(log: DecodedLog, since: number): ChunkRef[] {
  return log.chunks.filter((chunk) => chunk.newest > since)
}

/**
 * The log with only the items touched after version `since`: head, the newest items, tail.
 * `chunks` are those chunksAfter() names, in its order.
 */
export function sliceLog(log: DecodedLog, chunks: DecodedChunk[], since: number): Uint8Array {
  const kept: Uint8Array[] = []
  // Keeps the items of one part touched after `since`; true when that was all of them.
  const cut = (items: Uint8Array, ends: [number, number][]) => {
    let end = 0
    for (const [touched, itemEnd] of ends) {
      if (touched <= since) {
        if (end) kept.push(items.subarray(0, end))
        return false
      }
      end = itemEnd
    }
    if (end) kept.push(items)
    return true
  }
  if (cut(log.items, log.ends)) for (const chunk of chunks) if (!cut(chunk.items, chunk.ends)) break
  return join(kept, log.separator, log.head, log.tail)
}
