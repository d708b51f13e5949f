/**
 * The registry in Workers KV. This module owns the key layout and is the only one that touches
 * the binding. Each published version lives under its own prefix and is never rewritten; the
 * pointer to the current version is written last, so a reader never sees half a publish.
 */
import { type ListView, listPath, type Release, representationHeaders } from './domain/representation'

const CURRENT_RELEASE_KEY = 'release/current'
const RELEASE_PREFIX = 'release/v'
const REPRESENTATION_PREFIX = 'v'

const releaseKey = (version: number) => `${RELEASE_PREFIX}${version}`
const representationKey = (version: number, path: string) => `${REPRESENTATION_PREFIX}${version}/${path}`

/** How long an isolate trusts the pointer it read; this bounds how long it serves a superseded version. */
export const RELEASE_RECHECK_MS = 5_000
/** In-isolate bytes kept for the current version; far below the 128 MB isolate limit. */
export const REPRESENTATION_CACHE_BUDGET_BYTES = 24 * 1024 * 1024

export interface RepresentationMetadata {
  etag: string
}

export interface StoredRepresentation {
  body: Uint8Array
  headers: Record<string, string>
}

/** A rendered representation, ready to write. */
export interface RenderedRepresentation {
  path: string
  body: Uint8Array
  etag: string
}

let currentRelease: { release: Release; checkedAt: number } | null = null
// Keyed by version and path, and a version is immutable: a cached entry is never stale, only evicted.
const representations = new Map<string, StoredRepresentation>()
let cachedBytes = 0

/** The current release, re-read from KV at most once per RELEASE_RECHECK_MS per isolate. */
export async function getCurrentRelease(kv: KVNamespace): Promise<Release | null> {
  const now = Date.now()
  if (currentRelease && now - currentRelease.checkedAt < RELEASE_RECHECK_MS) return currentRelease.release
  const release = await kv.get<Release>(CURRENT_RELEASE_KEY, 'json')
  if (!release) return null
  if (currentRelease && currentRelease.release.version !== release.version) forgetRepresentations()
  currentRelease = { release, checkedAt: now }
  return release
}

/** One representation of a release: bytes and headers, from this isolate's memory when it has them. */
export async function getRepresentation(kv: KVNamespace, release: Release, view: ListView): Promise<StoredRepresentation | null> {
  const key = representationKey(release.version, listPath(view))
  const cached = representations.get(key)
  if (cached) {
    // Re-inserting keeps the Map in least-recently-used order.
    representations.delete(key)
    representations.set(key, cached)
    return cached
  }
  const { value, metadata } = await kv.getWithMetadata<RepresentationMetadata>(key, 'arrayBuffer')
  if (!value || !metadata) return null
  const body = new Uint8Array(value)
  const stored = { body, headers: { ...representationHeaders(release, view, metadata.etag), 'Content-Length': String(body.byteLength) } }
  remember(key, stored)
  return stored
}

function remember(key: string, stored: StoredRepresentation): void {
  const size = stored.body.byteLength
  if (size > REPRESENTATION_CACHE_BUDGET_BYTES) return
  for (const [oldest, entry] of representations) {
    if (cachedBytes + size <= REPRESENTATION_CACHE_BUDGET_BYTES) break
    representations.delete(oldest)
    cachedBytes -= entry.body.byteLength
  }
  representations.set(key, stored)
  cachedBytes += size
}

function forgetRepresentations(): void {
  representations.clear()
  cachedBytes = 0
}

/** Drops everything this isolate remembers, as a fresh isolate would start. */
export function forgetCachedReleases(): void {
  currentRelease = null
  forgetRepresentations()
}

/** What this isolate holds in memory now. */
export function cachedRepresentationBytes(): number {
  return cachedBytes
}

// Publishing. These read KV directly, never through the isolate's caches.

export interface KvRecord {
  key: string
  value: string | Uint8Array
  metadata?: RepresentationMetadata
}

/** The current release as KV holds it now. */
export async function readCurrentRelease(kv: Pick<KVNamespace, 'get'>): Promise<Release | null> {
  return kv.get<Release>(CURRENT_RELEASE_KEY, 'json')
}

/** Everything a release writes, in two steps: the immutable version first, then the pointer to it. */
export function releaseRecords(release: Release, rendered: RenderedRepresentation[]): { version: KvRecord[]; pointer: KvRecord } {
  const version: KvRecord[] = rendered.map(({ path, body, etag }) => ({
    key: representationKey(release.version, path),
    value: body,
    metadata: { etag },
  }))
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
