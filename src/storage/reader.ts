/**
 * The Worker's reader: the only module of the Worker that touches the KV binding. It keeps the
 * current release and the bytes it has served in isolate memory, and checks every value it loads
 * against the digest its ETag was made from, so damaged storage becomes a 503, never a 200.
 */
import { strongEtag } from '../domain/etag'
import { RegistryError } from '../domain/errors'
import { isRelease, type Release, representationHeaders, type View, viewPath } from '../domain/representation'
import { BlobCache, type CachedBlob } from './blob-cache'
import type { ChangeRecord } from '../domain/change'
import { changeLogKey, CURRENT_RELEASE_KEY, entryPack, packKey, representationKey, type StoredMetadata } from './keys'
import { unpack } from './pack'

/** How long an isolate trusts the pointer it read; this bounds how long it serves a superseded version. */
export const RELEASE_RECHECK_MS = 5_000
/** In-isolate bytes kept for the current version; far below the 128 MB isolate limit. */
export const REPRESENTATION_CACHE_BUDGET_BYTES = 24 * 1024 * 1024

/** A representation ready to serve. */
export interface StoredRepresentation {
  body: Uint8Array
  etag: string
  lastModified: number
  headers: Record<string, string>
}

/** The release has no such representation: an entry id it does not contain. */
export const NOT_IN_RELEASE: unique symbol = Symbol('not in release')
/** The release has it, but this isolate has not loaded it yet. */
export const NOT_IN_MEMORY: unique symbol = Symbol('not in memory')

let currentRelease: { release: Release; checkedAt: number } | null = null
const cache = new BlobCache(REPRESENTATION_CACHE_BUDGET_BYTES)
// Concurrent misses on one key share one KV read.
const loading = new Map<string, Promise<CachedBlob>>()

function storageFault(key: string, reason: string, cause?: unknown): RegistryError {
  console.error(JSON.stringify({ event: 'storage_fault', key, reason, cause: cause instanceof Error ? cause.message : cause }))
  return new RegistryError('storage_fault', 'The registry\'s storage could not provide this intact; try again shortly.')
}

/** The current release, re-read from KV at most once per RELEASE_RECHECK_MS per isolate. */
export function getCurrentRelease(kv: KVNamespace): Release | Promise<Release> {
  // Returned as is, not as a promise, on the path every request takes.
  if (currentRelease && Date.now() - currentRelease.checkedAt < RELEASE_RECHECK_MS) return currentRelease.release
  return readPointer(kv)
}

async function readPointer(kv: KVNamespace): Promise<Release> {
  const now = Date.now()
  // Started outside the try: a binding that is not there is our bug (500), a read that fails is storage's (503).
  const reading = kv.get(CURRENT_RELEASE_KEY, 'text')
  let text: string | null
  try {
    text = await reading
  } catch (error) {
    throw storageFault(CURRENT_RELEASE_KEY, 'read failed', error)
  }
  if (text === null) throw new RegistryError('not_published', 'No version of the registry has been published yet.')
  const release = parseRelease(text)
  if (!release) throw storageFault(CURRENT_RELEASE_KEY, 'not a release record')
  if (currentRelease && currentRelease.release.version !== release.version) cache.clear()
  currentRelease = { release, checkedAt: now }
  return release
}

function parseRelease(text: string): Release | null {
  try {
    const value: unknown = JSON.parse(text)
    return isRelease(value) ? value : null
  } catch {
    return null
  }
}

/** Where a view's bytes are stored; null for an entry whose pack the release says is empty. */
function locate(release: Release, view: View): { key: string; path: string } | null {
  const path = viewPath(view)
  if (view.kind !== 'entry') return { key: representationKey(release.version, path), path }
  const pack = entryPack(view.id, release.entryPackSizes.length)
  return release.entryPackSizes[pack] ? { key: packKey(release.version, pack), path } : null
}

function servable(release: Release, view: View, blob: CachedBlob, path: string): StoredRepresentation | typeof NOT_IN_RELEASE {
  const part = blob.parts.get(path)
  if (!part) return NOT_IN_RELEASE
  part.servable ??= {
    body: part.body,
    etag: part.etag,
    lastModified: Date.parse(release.publishedAt),
    headers: { ...representationHeaders(release, view, part.etag), 'Content-Length': String(part.body.byteLength) },
  }
  return part.servable
}

/** The representation if this isolate holds it: the warm path, with no promise on it. */
export function peekRepresentation(release: Release, view: View): StoredRepresentation | typeof NOT_IN_RELEASE | typeof NOT_IN_MEMORY {
  const place = locate(release, view)
  if (!place) return NOT_IN_RELEASE
  const blob = cache.get(place.key)
  if (!blob) return NOT_IN_MEMORY
  cache.markServed(blob)
  return servable(release, view, blob, place.path)
}

/** The representation from KV, checked and kept in memory; a value the release promises but storage lacks or damaged throws a storage fault. */
export async function loadRepresentation(kv: KVNamespace, release: Release, view: View): Promise<StoredRepresentation | typeof NOT_IN_RELEASE> {
  const place = locate(release, view)
  if (!place) return NOT_IN_RELEASE
  const blob = cache.get(place.key) ?? (await load(kv, place.key, place.path))
  cache.markServed(blob)
  return servable(release, view, blob, place.path)
}

function load(kv: KVNamespace, key: string, path: string): Promise<CachedBlob> {
  let pending = loading.get(key)
  if (!pending) {
    pending = fetchVerified(kv, key, path).finally(() => loading.delete(key))
    loading.set(key, pending)
  }
  return pending
}

async function fetchVerified(kv: KVNamespace, key: string, path: string): Promise<CachedBlob> {
  const reading = kv.getWithMetadata<StoredMetadata>(key, 'arrayBuffer')
  let stored: KVNamespaceGetWithMetadataResult<ArrayBuffer, StoredMetadata>
  try {
    stored = await reading
  } catch (error) {
    throw storageFault(key, 'read failed', error)
  }
  const { value, metadata } = stored
  if (!value || !metadata) throw storageFault(key, 'missing')
  const bytes = new Uint8Array(value)
  let parts
  try {
    parts = 'packed' in metadata ? unpack(bytes) : [{ path, body: bytes, etag: metadata.etag }]
  } catch (error) {
    throw storageFault(key, 'unreadable pack', error)
  }
  // Once per value per isolate: the warm path serves what was checked here and never hashes.
  const digests = await Promise.all(parts.map(({ body }) => strongEtag(body)))
  const damaged = parts.findIndex((part, i) => part.etag !== digests[i])
  if (damaged !== -1) throw storageFault(key, `bytes of ${parts[damaged]!.path} do not match their ETag`)
  const blob: CachedBlob = { bytes: bytes.byteLength, lastServed: 0, parts: new Map(parts.map(({ path, body, etag }) => [path, { body, etag }])) }
  cache.remember(key, blob)
  return blob
}

/** Every change record up to a release, for work off the request path (webhook delivery); read from KV each call. */
export async function readChangeLog(kv: KVNamespace, release: Release): Promise<ChangeRecord[]> {
  const key = changeLogKey(release.version)
  const reading = kv.get<ChangeRecord[]>(key, 'json')
  let records: ChangeRecord[] | null
  try {
    records = await reading
  } catch (error) {
    throw storageFault(key, 'read failed', error)
  }
  if (!Array.isArray(records)) throw storageFault(key, 'missing')
  return records
}

/** Drops everything this isolate remembers, as a fresh isolate would start. */
export function forgetCachedReleases(): void {
  currentRelease = null
  cache.clear()
}

/** The bytes this isolate holds in memory now. */
export function cachedRepresentationBytes(): number {
  return cache.bytes
}
