/**
 * The Worker's reader: the only module of the Worker that touches the KV binding. It keeps the
 * current release and the bytes it has served in isolate memory, and checks every value it loads
 * against the digest its ETag was made from and against its version's manifest (the leaf of the
 * signed log that the release names), so damaged or rewritten storage becomes a 503, never a 200.
 */
import { type ChangeRecord, withRecordDefaults } from '../domain/change'
import { representationHeaders } from '../domain/headers'
import { contentDigest, etagSha256, strongEtag } from '../domain/etag'
import { listedDigests, listingKey } from '../domain/evidence'
import { RegistryError } from '../domain/errors'
import {
  type ChangesView,
  entryViewAt,
  isPerState,
  isRelease,
  type Release,
  type ReleaseEvidence,
  type VersionsView,
  type View,
  viewPath,
  viewUrl,
  type HistoryEntry,
} from '../domain/representation'
import { BlobCache, type CachedBlob, type StoredRepresentation } from './blob-cache'
import { MerkleTree, TILE_WIDTH, tilePath } from '../domain/merkle'
import { type BundledValue, unpackBundle } from './bundle'
import {
  bundleOf,
  changeLogKey,
  cosignedCheckpointKey,
  CURRENT_RELEASE_KEY,
  entryPack,
  historyKey,
  manifestKey,
  packKey,
  releaseKey,
  representationKey,
  type StoredMetadata,
  tileKey,
} from './keys'
import { readChunkedList } from './lists'
import { chunksAfter, decodeChunk, type DecodedChunk, type DecodedLog, decodeLog, sliceLog } from './log'
import { unpack } from './pack'

/** How long an isolate trusts the pointer it read; this bounds how long it serves a superseded version. */
export const RELEASE_RECHECK_MS = 5_000
/** In-isolate bytes kept for the current version; far below the 128 MB isolate limit. */
export const REPRESENTATION_CACHE_BUDGET_BYTES = 24 * 1024 * 1024

export type { StoredRepresentation } from './blob-cache'

/** The release has no such representation: an entry id it does not contain. */
export const NOT_IN_RELEASE: unique symbol = Symbol('not in release')
/** The release has it, but this isolate has not loaded it yet. */
export const NOT_IN_MEMORY: unique symbol = Symbol('not in memory')

let currentRelease: { release: Release; checkedAt: number } | null = null
const cache = new BlobCache(REPRESENTATION_CACHE_BUDGET_BYTES)
// Concurrent misses on one key share one KV read.
const loading = new Map<string, Promise<CachedBlob>>()
// Earlier versions are immutable: once read, an isolate keeps their records.
const releases = new Map<number, Release | Promise<Release>>()
const RELEASES_KEPT = 64
const SLICES_KEPT_PER_LOG = 16
let history: { version: number; versions: Promise<HistoryEntry[]> } | null = null

function storageFault(key: string, reason: string, cause?: unknown): RegistryError {
  console.error(
    JSON.stringify({ event: 'storage_fault', key, reason, cause: cause instanceof Error ? cause.message : cause }),
  )
  return new RegistryError('storage_fault', "The registry's storage could not provide this intact; try again shortly.")
}

/** A KV read whose failure is storage's fault (503); started outside the try, so a missing binding stays our bug (500). */
async function read<T>(key: string, reading: Promise<T>): Promise<T> {
  try {
    return await reading
  } catch (error) {
    throw storageFault(key, 'read failed', error)
  }
}

/** The current release, re-read from KV at most once per RELEASE_RECHECK_MS per isolate. */
export function getCurrentRelease(kv: KVNamespace): Release | Promise<Release> {
  // Returned as is, not as a promise, on the path every request takes.
  return peekCurrentRelease() ?? readPointer(kv)
}

/** The current release if this isolate read its pointer within RELEASE_RECHECK_MS; null when it is due for a read. */
export function peekCurrentRelease(): Release | null {
  return currentRelease && Date.now() - currentRelease.checkedAt < RELEASE_RECHECK_MS ? currentRelease.release : null
}

async function readPointer(kv: KVNamespace): Promise<Release> {
  const now = Date.now()
  const text = await read(CURRENT_RELEASE_KEY, kv.get(CURRENT_RELEASE_KEY, 'text'))
  if (text === null) throw new RegistryError('not_published', 'No version of the registry has been published yet.')
  const release = parseRelease(text)
  if (!release) throw storageFault(CURRENT_RELEASE_KEY, 'not a release record')
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

/** Any published version's release; a version outside 1..current is unknown (404), a missing record a storage fault. */
export function getRelease(kv: KVNamespace, current: Release, version: number): Release | Promise<Release> {
  if (version === current.version) return current
  if (!Number.isInteger(version) || version < 1 || version > current.version) {
    throw new RegistryError(
      'unknown_version',
      `No version ${version} has been published; versions 1 to ${current.version} exist.`,
      {
        parameter: 'version',
        allowed: [`1-${current.version}`],
      },
    )
  }
  const known = releases.get(version)
  if (known) return known
  const key = releaseKey(version)
  const pending = read(key, kv.get(key, 'text')).then((text) => {
    const release = text === null ? null : parseRelease(text)
    if (!release || release.version !== version) {
      releases.delete(version)
      throw storageFault(key, text === null ? 'missing' : 'not a release record')
    }
    releases.set(version, release)
    return release
  })
  if (releases.size >= RELEASES_KEPT) releases.clear()
  releases.set(version, pending)
  return pending
}

/** [version, publishedAt in ms] of every version up to the current one, oldest first: for `?at=`. */
export function getHistory(kv: KVNamespace, current: Release): Promise<HistoryEntry[]> {
  if (history?.version !== current.version) {
    const key = historyKey(current)
    const versions = readList<[number, number]>(kv, key).then(
      (value) => {
        if (value.length !== current.version) {
          history = null
          throw storageFault(key, 'not a version history')
        }
        return value
      },
      (error: unknown) => {
        history = null
        throw error
      },
    )
    history = { version: current.version, versions }
  }
  return history.versions
}

/** Where a view's bytes are stored; null for an entry whose pack the release says is empty. */
function locate(release: Release, state: number, view: View): { key: string; path: string } | null {
  const path = viewPath(view)
  if (view.kind !== 'entry') return { key: representationKey(release, isPerState(view) ? state : null, path), path }
  const sizes = release.entryPackSizes[state]!
  const pack = entryPack(view.id, sizes.length)
  return sizes[pack] ? { key: packKey(release, state, pack), path } : null
}

/** Where the manifest lists the parts of the value that holds a view: for the cold path only, as it builds strings. */
function listingOf(release: Release, state: number, view: View): Listing {
  if (view.kind === 'manifest') return { release, keyOf: () => null }
  if (view.kind === 'entry') {
    return {
      release,
      keyOf: (part) => {
        const entry = entryViewAt(part)
        return entry ? listingKey(state, viewUrl(entry)) : undefined
      },
    }
  }
  const key = listingKey(isPerState(view) ? state : null, viewUrl(view), view.kind === 'list' && view.scheduled)
  return { release, keyOf: () => key }
}

/**
 * Where a value's version lists each of its parts: the listing key of a part's path (undefined
 * for a path no manifest could list), or null for the manifest itself, which the release names.
 */
interface Listing {
  release: Release
  keyOf: (path: string) => string | null | undefined
}

function servable(
  release: Release,
  state: number,
  view: View,
  blob: CachedBlob,
  path: string,
): StoredRepresentation | typeof NOT_IN_RELEASE {
  const part = blob.parts.get(path)
  if (!part) return NOT_IN_RELEASE
  if (!part.servable) {
    const since = isPerState(view) ? release.states[state]! : Date.parse(release.publishedAt)
    part.servable = {
      body: part.body,
      etag: part.etag,
      lastModified: since,
      headers: representationHeaders(release, view, { etag: part.etag, since, bytes: part.body.byteLength }),
    }
  }
  return part.servable
}

/** The representation if this isolate holds it: the warm path, with no promise on it. */
export function peekRepresentation(
  release: Release,
  state: number,
  view: View,
): StoredRepresentation | typeof NOT_IN_RELEASE | typeof NOT_IN_MEMORY {
  const place = locate(release, state, view)
  if (!place) return NOT_IN_RELEASE
  const blob = cache.get(place.key)
  if (!blob) return NOT_IN_MEMORY
  cache.markServed(blob)
  return servable(release, state, view, blob, place.path)
}

/** A representation this isolate holds, and the value it came from. */
export interface HeldRepresentation {
  representation: StoredRepresentation
  value: CachedBlob
}

/** The representation with the value that holds it, if this isolate holds it: what a repeat of the same request may answer with. */
export function holdRepresentation(release: Release, state: number, view: View): HeldRepresentation | null {
  const place = locate(release, state, view)
  const value = place && cache.get(place.key)
  if (!value) return null
  const representation = servable(release, state, view, value, place.path)
  return representation === NOT_IN_RELEASE ? null : { representation, value }
}

/** Whether a representation held before is held still (marked served, as a lookup marks it): no key is built. */
export const stillHeld = (held: HeldRepresentation): boolean => cache.markServedIfHeld(held.value)

/** The representation from KV, checked and kept in memory; a value the release promises but storage lacks or damaged throws a storage fault. */
export async function loadRepresentation(
  kv: KVNamespace,
  release: Release,
  state: number,
  view: View,
): Promise<StoredRepresentation | typeof NOT_IN_RELEASE> {
  const place = locate(release, state, view)
  if (!place) return NOT_IN_RELEASE
  const blob = cache.get(place.key) ?? (await load(kv, place.key, place.path, listingOf(release, state, view)))
  cache.markServed(blob)
  return servable(release, state, view, blob, place.path)
}

/**
 * The changes after version `since`: a slice of the stored log, cut where the items of later
 * versions end, with older items from the chunks it needs. Its ETag is the whole log's, with the
 * cut named in it: equal for equal bytes.
 */
export function loadChangeSlice(
  kv: KVNamespace,
  release: Release,
  state: number,
  view: ChangesView,
  since: number,
): Promise<StoredRepresentation> {
  const etag = (whole: string) => `${whole.slice(0, -1)}.${since}"`
  return loadLogSlice(kv, release, state, { ...view, complete: true }, since, etag, `${viewUrl(view)}&since=${since}`)
}

/** A whole log that versions extend, the version index: its own items and every chunk, joined. */
export function loadWholeLog(kv: KVNamespace, release: Release, view: VersionsView): Promise<StoredRepresentation> {
  return loadLogSlice(kv, release, 0, view, 0, (whole) => whole, viewUrl(view))
}

/**
 * A slice of a stored log (log.ts), with older items from the chunks it needs. A slice of the
 * version's own value is kept; one that reaches into chunks is joined again on each request, from
 * chunks kept in memory, so that the memory a log takes stays near its stored size.
 */
async function loadLogSlice(
  kv: KVNamespace,
  release: Release,
  state: number,
  stored: ChangesView | VersionsView,
  since: number,
  etagOf: (whole: string) => string,
  location: string,
): Promise<StoredRepresentation> {
  const place = locate(release, state, stored)!
  const blob = cache.get(place.key) ?? (await load(kv, place.key, place.path, listingOf(release, state, stored)))
  cache.markServed(blob)
  const log = blob.log!
  const kept = log.slices.get(since)
  if (kept) return kept
  const needed = chunksAfter(log.decoded, since)
  const body = sliceLog(log.decoded, await loadChunks(kv, log.decoded, since), since)
  const etag = etagOf(log.decoded.etag)
  const lastModified = isPerState(stored) ? release.states[state]! : Date.parse(release.publishedAt)
  // The whole log (since=0) is what the manifest lists; any other cut is hashed here, once per slice kept.
  const digest = contentDigest(since === 0 ? log.decoded.etag : await strongEtag(body))
  const slice = {
    body,
    etag,
    lastModified,
    headers: representationHeaders(release, stored, {
      etag,
      since: lastModified,
      bytes: body.byteLength,
      digest,
      location,
    }),
  }
  if (needed.length === 0) {
    if (log.slices.size >= SLICES_KEPT_PER_LOG) log.slices.clear()
    log.slices.set(since, slice)
  }
  return slice
}

/** The chunks of older items a slice of a log needs, each checked against its name. */
function loadChunks(kv: KVNamespace, log: DecodedLog, since: number): Promise<DecodedChunk[]> {
  return Promise.all(
    chunksAfter(log, since).map(async ({ key }) => {
      const chunk = cache.get(key) ?? (await load(kv, key, key))
      cache.markServed(chunk)
      return chunk.chunk!
    }),
  )
}

// Each version's manifest as the cold path checks against it: the SHA-256 of every representation, by listing key.
const listings = new Map<string, Promise<Map<string, string> | null>>()
const LISTINGS_KEPT = 8

/** A version's manifest, read and checked against the digest its release names; null for a version published before the log. */
function listedIn(kv: KVNamespace, release: Release): Promise<Map<string, string> | null> {
  const named = release.evidence?.manifest
  if (!named) return Promise.resolve(null)
  let listed = listings.get(release.prefix)
  if (!listed) {
    const key = manifestKey(release)
    // Read around the blob cache: a 10,000-entry manifest is megabytes that only this index needs.
    listed = read(key, kv.get(key, 'arrayBuffer')).then(async (value) => {
      if (!value) throw storageFault(key, 'missing')
      const bytes = new Uint8Array(value)
      if (etagSha256(await strongEtag(bytes)) !== named)
        throw storageFault(key, 'the manifest is not the one the release names')
      try {
        return listedDigests(JSON.parse(new TextDecoder().decode(bytes)))
      } catch (error) {
        throw storageFault(key, 'unreadable manifest', error)
      }
    })
    listed.catch(() => listings.delete(release.prefix))
    if (listings.size >= LISTINGS_KEPT) listings.clear()
    listings.set(release.prefix, listed)
  }
  return listed
}

/** Each part of a value is what its version's manifest lists: bytes rewritten together with their ETag are still caught. */
async function checkListed(
  kv: KVNamespace,
  key: string,
  { release, keyOf }: Listing,
  parts: { path: string; etag: string }[],
): Promise<void> {
  if (release.evidence && keyOf(parts[0]?.path ?? '') === null) {
    if (etagSha256(parts[0]!.etag) !== release.evidence.manifest)
      throw storageFault(key, 'the manifest is not the one the release names')
    return
  }
  const listed = await listedIn(kv, release)
  if (!listed) return
  for (const { path, etag } of parts) {
    const at = keyOf(path)
    if (!at || listed.get(at) !== etagSha256(etag))
      throw storageFault(key, `${path} is not as the version's manifest lists it`)
  }
}

function load(kv: KVNamespace, key: string, path: string, listing?: Listing): Promise<CachedBlob> {
  let pending = loading.get(key)
  if (!pending) {
    pending = fetchVerified(kv, key, path, listing).finally(() => loading.delete(key))
    loading.set(key, pending)
  }
  return pending
}

// Bundles recently decompressed: a cold isolate reads several values of one bundle in a row.
const bundles = new Map<string, Promise<Map<string, Omit<BundledValue, 'key'>>>>()
const BUNDLES_KEPT = 2

function readBundle(kv: KVNamespace, key: string): Promise<Map<string, Omit<BundledValue, 'key'>>> {
  let pending = bundles.get(key)
  if (!pending) {
    const reading = read(key, kv.get(key, 'arrayBuffer'))
    pending = reading.then(async (value) => {
      if (!value) throw storageFault(key, 'missing')
      try {
        return await unpackBundle(new Uint8Array(value))
      } catch (error) {
        throw storageFault(key, 'unreadable bundle', error)
      }
    })
    pending.catch(() => bundles.delete(key))
    if (bundles.size >= BUNDLES_KEPT) bundles.delete(bundles.keys().next().value!)
    bundles.set(key, pending)
  }
  return pending
}

/** A stored value and its metadata, from its bundle when its release keeps it in one; nulls when there is none. */
async function readStored(
  kv: KVNamespace,
  key: string,
  release?: Release,
): Promise<{ value: Uint8Array | null; metadata: StoredMetadata | null }> {
  const bundle = release ? bundleOf(release, key) : null
  if (!bundle) {
    const { value, metadata } = await read(key, kv.getWithMetadata<StoredMetadata>(key, 'arrayBuffer'))
    return { value: value && new Uint8Array(value), metadata }
  }
  const stored = (await readBundle(kv, bundle)).get(key.slice(release!.prefix.length + 1))
  // A copy, so that what the isolate keeps is this value alone, not the bundle it came in.
  return stored ? { value: stored.value.slice(), metadata: stored.metadata } : { value: null, metadata: null }
}

async function fetchVerified(kv: KVNamespace, key: string, path: string, listing?: Listing): Promise<CachedBlob> {
  try {
    return await fetchChecked(kv, key, path, listing)
  } catch (error) {
    // A bundle that gave damaged bytes may be a stale read: read it again next time.
    const bundle = listing && bundleOf(listing.release, key)
    if (bundle) bundles.delete(bundle)
    // The manifest read this load began is kept for later requests; it must finish within this one, or they wait forever.
    if (listing) await listedIn(kv, listing.release).catch(() => {})
    throw error
  }
}

async function fetchChecked(kv: KVNamespace, key: string, path: string, listing?: Listing): Promise<CachedBlob> {
  const reading = readStored(kv, key, listing?.release)
  // The manifest is read beside the value, not after it: a cold load waits for one round trip.
  if (listing) listedIn(kv, listing.release).catch(() => {})
  const { value: bytes, metadata } = await reading
  if (!bytes || !metadata) throw storageFault(key, 'missing')
  let parts: { path: string; body: Uint8Array; etag: string }[]
  let log: CachedBlob['log']
  let chunk: CachedBlob['chunk']
  try {
    if ('packed' in metadata) parts = unpack(bytes)
    else if ('log' in metadata) {
      const decoded = decodeLog(bytes)
      log = { decoded, slices: new Map() }
      parts = [{ path, body: decoded.whole, etag: decoded.digest }]
    } else if ('chunk' in metadata) {
      // A chunk's key is the ETag of its bytes.
      chunk = decodeChunk(bytes)
      parts = [{ path, body: bytes, etag: `"${key.slice(key.indexOf('/') + 1)}"` }]
    } else if ('etag' in metadata) parts = [{ path, body: bytes, etag: metadata.etag }]
    else if ('tile' in metadata) parts = [{ path, body: bytes, etag: await strongEtag(bytes) }]
    else throw new Error('not a representation')
  } catch (error) {
    throw storageFault(key, 'unreadable value', error)
  }
  // Once per value per isolate: the warm path serves what was checked here and never hashes.
  const digests = await Promise.all(parts.map(({ body }) => strongEtag(body)))
  const damaged = parts.findIndex((part, i) => part.etag !== digests[i])
  if (damaged !== -1) throw storageFault(key, `bytes of ${parts[damaged]!.path} do not match their ETag`)
  // A log's own bytes hold only its recent items: the whole log, with its chunks, is what its ETag and the manifest name.
  if (log && (await strongEtag(sliceLog(log.decoded, await loadChunks(kv, log.decoded, 0), 0))) !== log.decoded.etag) {
    throw storageFault(key, 'the log and its chunks are not the log its ETag names')
  }
  if (listing) await checkListed(kv, key, listing, log ? [{ path, etag: log.decoded.etag }] : parts)
  const blob: CachedBlob = {
    bytes: bytes.byteLength,
    lastServed: 0,
    parts: new Map(parts.map(({ path, body, etag }) => [path, { body, etag }])),
    log,
    chunk,
  }
  cache.remember(key, blob)
  return blob
}

/**
 * A tile of the signed log, by its C2SP path: bytes and their ETag. A tile is checked by whoever
 * uses it against a signed checkpoint (the evidence route does, below), not against itself.
 */
export async function loadTile(kv: KVNamespace, path: string): Promise<{ body: Uint8Array; etag: string }> {
  const key = tileKey(path)
  const blob = cache.get(key) ?? (await load(kv, key, key))
  cache.markServed(blob)
  return blob.parts.get(key)!
}

/** The leaf hashes of the first `size` leaves, from the level-0 tiles. */
export async function loadLeafHashes(kv: KVNamespace, size: number): Promise<Uint8Array[]> {
  const tiles = await Promise.all(
    Array.from({ length: Math.ceil(size / TILE_WIDTH) }, (_, index) =>
      loadTile(kv, tilePath(0, index, Math.min(TILE_WIDTH, size - index * TILE_WIDTH))),
    ),
  )
  const leaves: Uint8Array[] = []
  for (const [index, { body }] of tiles.entries()) {
    const width = Math.min(TILE_WIDTH, size - index * TILE_WIDTH)
    if (body.byteLength !== width * 32)
      throw storageFault(tileKey(tilePath(0, index, width)), `a tile of ${body.byteLength} bytes, not ${width * 32}`)
    for (let i = 0; i < width; i++) leaves.push(body.subarray(i * 32, (i + 1) * 32))
  }
  return leaves
}

/** The log's tree as its tiles hold it, checked against the root a signed checkpoint states: a tile that disagrees is storage's fault. */
export async function loadLogTree(kv: KVNamespace, size: number, root: Uint8Array): Promise<MerkleTree> {
  if (logTree?.size === size) return logTree.tree
  const tree = await MerkleTree.fromLeafHashes(await loadLeafHashes(kv, size))
  const computed = await tree.root()
  if (computed.some((byte, i) => byte !== root[i]))
    throw storageFault(
      tileKey(tilePath(0, 0)),
      `the tiles of the log do not hash to the checkpoint's root at size ${size}`,
    )
  logTree = { size, tree }
  return tree
}

// The newest tree this isolate checked: each evidence request of the same size reuses it.
let logTree: { size: number; tree: MerkleTree } | null = null

/** Every change record up to a release, for work off the request path (webhook delivery); read from KV each call. */
export async function readChangeLog(kv: KVNamespace, release: Release): Promise<ChangeRecord[]> {
  return (await readList<ChangeRecord>(kv, changeLogKey(release))).map(withRecordDefaults)
}

// Blocks of growing lists are immutable (named by their bytes): an isolate keeps the ones it read.
const listBlocks = new Map<string, Uint8Array>()
const LIST_BLOCKS_KEPT = 256

/** A list stored in shared blocks (lists.ts): its index, then its blocks, each checked against its name. */
async function readList<T>(kv: KVNamespace, key: string): Promise<T[]> {
  const index = await read(key, kv.get<unknown>(key, 'json'))
  if (index === null) throw storageFault(key, 'missing')
  try {
    return await readChunkedList<T>(index, async (chunk) => {
      const kept = listBlocks.get(chunk)
      if (kept) return kept
      const value = await read(chunk, kv.get(chunk, 'arrayBuffer'))
      if (!value) return null
      if (listBlocks.size >= LIST_BLOCKS_KEPT) listBlocks.clear()
      const bytes = new Uint8Array(value)
      listBlocks.set(chunk, bytes)
      return bytes
    })
  } catch (error) {
    // A block that failed its check may be a stale read: read again next time.
    listBlocks.clear()
    if (error instanceof RegistryError) throw error
    throw storageFault(key, (error as Error).message)
  }
}

/** Drops everything this isolate remembers, as a fresh isolate would start. */
export function forgetCachedReleases(): void {
  currentRelease = null
  logTree = null
  listings.clear()
  listBlocks.clear()
  history = null
  releases.clear()
  bundles.clear()
  cache.clear()
}

/** The bytes this isolate holds in memory now. */
export function cachedRepresentationBytes(): number {
  return cache.bytes
}

/**
 * The current checkpoint as readers get it: with its witnesses' cosignatures where the log has
 * witnesses and they have cosigned, else the note the release holds. A stored value that does not
 * begin with the release's own note is another tree's, and is not served.
 */
export async function loadCosignedCheckpoint(kv: KVNamespace, evidence: ReleaseEvidence): Promise<string> {
  if (!evidence.witnesses) return evidence.checkpoint
  const size = Number(evidence.checkpoint.split('\n', 2)[1])
  const key = cosignedCheckpointKey(size)
  const cosigned = await read(key, kv.get(key, 'text'))
  return cosigned?.startsWith(evidence.checkpoint) ? cosigned : evidence.checkpoint
}
