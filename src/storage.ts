/**
 * The registry in Workers KV. This module owns the key layout and is the only one that touches
 * the binding. Each published version lives under its own prefix and is never rewritten; the
 * pointer to the current version is written last, so a reader never sees half a publish.
 *
 *   release/current              the current Release (JSON), written last
 *   release/v{n}                 every Release ever published (JSON)
 *   v{n}/list/{region}/{lang}.{format}, v{n}/doc/{name}.json
 *                                one representation each; metadata { etag }
 *   v{n}/entries/{pack}          the representations of the entries whose id hashes to the pack;
 *                                metadata { packed: true }. One KV value per ~64 entries keeps a
 *                                10,000-entry publish to a few hundred writes.
 */
import { type Release, representationHeaders, type View, viewPath } from './domain/representation'

const CURRENT_RELEASE_KEY = 'release/current'
const releaseKey = (version: number) => `release/v${version}`
const blobKey = (version: number, path: string) => `v${version}/${path}`
const packKey = (version: number, pack: number) => `v${version}/entries/${pack}`

const ENTRIES_PER_PACK = 64

/** How long an isolate trusts the pointer it read; this bounds how long it serves a superseded version. */
export const RELEASE_RECHECK_MS = 5_000
/** In-isolate bytes kept for the current version; far below the 128 MB isolate limit. */
export const REPRESENTATION_CACHE_BUDGET_BYTES = 24 * 1024 * 1024

type StoredMetadata = { etag: string } | { packed: true }

/** A representation ready to serve. */
export interface StoredRepresentation {
  body: Uint8Array
  etag: string
  lastModified: number
  headers: Record<string, string>
}

/** A rendered representation, ready to write; entries name their id so they can be packed. */
export interface RenderedRepresentation {
  path: string
  body: Uint8Array
  etag: string
  entryId?: string
}

/** One KV value as this isolate keeps it: its bytes, and the representations found in them. */
interface CachedBlob {
  bytes: number
  /** When it was last served, in a clock of this isolate's own; eviction drops the least recent. */
  used: number
  parts: Map<string, { body: Uint8Array; etag: string; served?: StoredRepresentation }>
}

/** Which pack holds an entry: FNV-1a of its id, so publisher and Worker agree without an index. */
export function entryPack(id: string, packs: number): number {
  let hash = 0x811c9dc5
  for (let i = 0; i < id.length; i++) hash = Math.imul(hash ^ id.charCodeAt(i), 0x01000193)
  return (hash >>> 0) % packs
}

let currentRelease: { release: Release; checkedAt: number } | null = null
// Keyed by version, and a version is immutable: a cached blob is never stale, only evicted.
const blobs = new Map<string, CachedBlob>()
let cachedBytes = 0
let clock = 0

/** The current release, re-read from KV at most once per RELEASE_RECHECK_MS per isolate. */
export function getCurrentRelease(kv: KVNamespace): Release | Promise<Release | null> {
  // Returned as is, not as a promise, on the path every request takes.
  if (currentRelease && Date.now() - currentRelease.checkedAt < RELEASE_RECHECK_MS) return currentRelease.release
  return readPointer(kv)
}

async function readPointer(kv: KVNamespace): Promise<Release | null> {
  const now = Date.now()
  const release = await kv.get<Release>(CURRENT_RELEASE_KEY, 'json')
  if (!release) return null
  if (currentRelease && currentRelease.release.version !== release.version) forgetBlobs()
  currentRelease = { release, checkedAt: now }
  return release
}

function locate(release: Release, view: View): { key: string; path: string } {
  const path = viewPath(view)
  const key = view.kind === 'entry' ? packKey(release.version, entryPack(view.id, release.entryPacks)) : blobKey(release.version, path)
  return { key, path }
}

function served(release: Release, view: View, blob: CachedBlob, path: string): StoredRepresentation | null {
  blob.used = ++clock
  const part = blob.parts.get(path)
  if (!part) return null
  part.served ??= {
    body: part.body,
    etag: part.etag,
    lastModified: Date.parse(release.publishedAt),
    headers: { ...representationHeaders(release, view, part.etag), 'Content-Length': String(part.body.byteLength) },
  }
  return part.served
}

/** The representation if this isolate holds it already: the warm path, with no promise on it. */
export function cachedRepresentation(release: Release, view: View): StoredRepresentation | null | undefined {
  const { key, path } = locate(release, view)
  const blob = blobs.get(key)
  return blob && served(release, view, blob, path)
}

/** One representation of a release, from this isolate's memory when it has it; null when there is none. */
export async function getRepresentation(kv: KVNamespace, release: Release, view: View): Promise<StoredRepresentation | null> {
  const { key, path } = locate(release, view)
  const blob = blobs.get(key) ?? (await load(kv, key, view))
  return blob && served(release, view, blob, path)
}

// Concurrent misses on one key share one KV read.
const loading = new Map<string, Promise<CachedBlob | null>>()

function load(kv: KVNamespace, key: string, view: View): Promise<CachedBlob | null> {
  let pending = loading.get(key)
  if (!pending) {
    pending = (async () => {
      const { value, metadata } = await kv.getWithMetadata<StoredMetadata>(key, 'arrayBuffer')
      if (!value || !metadata) return null
      const bytes = new Uint8Array(value)
      const blob = 'packed' in metadata ? unpack(bytes) : { bytes: bytes.byteLength, used: 0, parts: new Map([[viewPath(view), { body: bytes, etag: metadata.etag }]]) }
      remember(key, blob)
      return blob
    })().finally(() => loading.delete(key))
    loading.set(key, pending)
  }
  return pending
}

/** Keeps a blob within the byte budget, evicting the least recently served first (a scan, but only on a miss). */
function remember(key: string, blob: CachedBlob): void {
  if (blob.bytes > REPRESENTATION_CACHE_BUDGET_BYTES) return
  const previous = blobs.get(key)
  if (previous) cachedBytes -= previous.bytes
  blobs.delete(key)
  while (blobs.size > 0 && cachedBytes + blob.bytes > REPRESENTATION_CACHE_BUDGET_BYTES) {
    let oldest: string | undefined
    let oldestUse = Infinity
    for (const [candidate, entry] of blobs) {
      if (entry.used < oldestUse) {
        oldest = candidate
        oldestUse = entry.used
      }
    }
    cachedBytes -= blobs.get(oldest!)!.bytes
    blobs.delete(oldest!)
  }
  blobs.set(key, blob)
  cachedBytes += blob.bytes
}

function forgetBlobs(): void {
  blobs.clear()
  cachedBytes = 0
}

/** Drops everything this isolate remembers, as a fresh isolate would start. */
export function forgetCachedReleases(): void {
  currentRelease = null
  forgetBlobs()
}

/** The bytes this isolate holds in memory now. */
export function cachedRepresentationBytes(): number {
  return cachedBytes
}

// A pack is a JSON index line, then the bodies back to back:
//   {"entry/twilio/en.json":[0,812,"\"etag\""],...}\n<bytes>
const encoder = new TextEncoder()
const NEWLINE = 0x0a

function pack(parts: RenderedRepresentation[]): Uint8Array {
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

function unpack(bytes: Uint8Array): CachedBlob {
  const end = bytes.indexOf(NEWLINE)
  const index = JSON.parse(new TextDecoder().decode(bytes.subarray(0, end))) as Record<string, [number, number, string]>
  const start = end + 1
  const parts: CachedBlob['parts'] = new Map()
  for (const [path, [offset, length, etag]] of Object.entries(index)) {
    parts.set(path, { body: bytes.subarray(start + offset, start + offset + length), etag })
  }
  return { bytes: bytes.byteLength, used: 0, parts }
}

// Publishing. These read KV directly, never through the isolate's caches.

export interface KvRecord {
  key: string
  value: string | Uint8Array
  metadata?: StoredMetadata
}

/** The current release as KV holds it now. */
export async function readCurrentRelease(kv: Pick<KVNamespace, 'get'>): Promise<Release | null> {
  return kv.get<Release>(CURRENT_RELEASE_KEY, 'json')
}

/** How many packs a release with this many entries uses. */
export function entryPackCount(entries: number): number {
  return Math.max(1, Math.ceil(entries / ENTRIES_PER_PACK))
}

/** Everything a release writes, in two steps: the immutable version first, then the pointer to it. */
export function releaseRecords(release: Release, rendered: RenderedRepresentation[]): { version: KvRecord[]; pointer: KvRecord } {
  const version: KvRecord[] = []
  const packs = new Map<number, RenderedRepresentation[]>()
  for (const representation of rendered) {
    if (representation.entryId === undefined) {
      version.push({ key: blobKey(release.version, representation.path), value: representation.body, metadata: { etag: representation.etag } })
    } else {
      const number = entryPack(representation.entryId, release.entryPacks)
      const parts = packs.get(number)
      if (parts) parts.push(representation)
      else packs.set(number, [representation])
    }
  }
  for (const [number, parts] of packs) version.push({ key: packKey(release.version, number), value: pack(parts), metadata: { packed: true } })
  version.push({ key: releaseKey(release.version), value: JSON.stringify(release) })
  return { version, pointer: { key: CURRENT_RELEASE_KEY, value: JSON.stringify(release) } }
}

/** Writes a release to a KV binding; the pointer moves only after every other write has finished. */
export async function writeRelease(
  kv: Pick<KVNamespace, 'put'>,
  release: Release,
  rendered: RenderedRepresentation[],
  onProgress?: (written: number, total: number) => void,
): Promise<void> {
  const { version, pointer } = releaseRecords(release, rendered)
  const CONCURRENCY = 16
  let next = 0
  let written = 0
  const worker = async () => {
    while (next < version.length) {
      const record = version[next++]!
      await kv.put(record.key, record.value, record.metadata ? { metadata: record.metadata } : undefined)
      onProgress?.(++written, version.length)
    }
  }
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, version.length) }, worker))
  await kv.put(pointer.key, pointer.value)
}
