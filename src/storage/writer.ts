/**
 * The publisher's writer: the only publish-side module that touches the KV binding. A version's
 * values are written first, every one of them, under the version's own prefix; its release record
 * and the pointer come last, and only once the version number is the publisher's (see arbiter.ts).
 */
import { type ChangeRecord, withRecordDefaults } from '../domain/change'
import { sha256Etag } from '../domain/etag'
import { type HistoryEntry, isRelease, type Release } from '../domain/representation'
import { type BundledValue, type Compress, packBundle } from './bundle'
import {
  type BundleSlot,
  bundleKey,
  bundleSlot,
  changeLogKey,
  CURRENT_RELEASE_KEY,
  dataKey,
  entryPack,
  historyKey,
  logChunksKey,
  manifestKey,
  packKey,
  releaseKey,
  representationKey,
  type StoredMetadata,
  tileKey,
} from './keys'
import { type ChunkedList, readChunkedList } from './lists'
import { pack, type PackedPart } from './pack'

/** A rendered representation, ready to write. */
export interface RenderedRepresentation extends PackedPart {
  /** The state of the version it shows; null for the version's own (documents, the version index). */
  state: number | null
  /** Entries name their id, so that they can be packed. */
  entryId?: string
  /** The body is a sliceable log (log.ts), its ETag inside it. */
  log?: true
}

/** What the next version is computed from: kept with every version. The data's shape is the publisher's (publish/input/schema). */
export interface VersionInputs<Data = unknown> {
  data: Data
  changes: ChangeRecord[]
  /** [version, publishedAt in ms] of every version up to this one, oldest first. */
  history: HistoryEntry[]
  /** The keys of the shared chunks the version refers to (change logs, change records, publish times): the next version need not write them again. */
  logChunks: string[]
  /** The blocks its change records and publish times are stored in (lists.ts). */
  lists: { changes: ChunkedList; history: ChunkedList }
}

export interface KvRecord {
  key: string
  value: string | Uint8Array
  metadata?: StoredMetadata
}

/** Reads one KV value as text; null when there is none. */
export type KvRead = (key: string) => Promise<string | null>
/** Writes KV values (in batches where the route to KV allows), reporting progress. */
export type KvWrite = (records: KvRecord[], onProgress?: (written: number, total: number) => void) => Promise<void>

/** The current release as KV holds it now, read directly, never through an isolate's caches. */
export async function readCurrentRelease(read: KvRead): Promise<Release | null> {
  const text = await read(CURRENT_RELEASE_KEY)
  return text === null ? null : parseStoredRelease(text)
}

/** A stored release record; throws with the reason when it is not one. */
export function parseStoredRelease(text: string): Release {
  const value: unknown = JSON.parse(text)
  if (!isRelease(value)) throw new Error(`${CURRENT_RELEASE_KEY} holds something that is not a release record`)
  return value
}

/** The data, change records, history and log chunks a version was published with. */
export async function readVersionInputs(read: KvRead, release: Release): Promise<VersionInputs> {
  const [data, changeIndex, historyIndex, logChunks] = await Promise.all(
    [dataKey, changeLogKey, historyKey, logChunksKey].map(
      async (key) => JSON.parse((await read(key(release))) ?? 'null') as unknown,
    ),
  )
  const incomplete = (reason?: string) =>
    new Error(
      `version ${release.version} lacks its data, change log, history or log chunk list under ${release.prefix}/${reason ? ` (${reason})` : ''}; storage is incomplete`,
    )
  if (!data || !Array.isArray(logChunks)) throw incomplete()
  // A block is compact JSON, which never ends in a newline: one there is the wrangler CLI's.
  const readBytes = async (key: string) => {
    const text = await read(key)
    return text === null ? null : new TextEncoder().encode(text.endsWith('\n') ? text.slice(0, -1) : text)
  }
  try {
    const [changes, history] = await Promise.all([
      readChunkedList<ChangeRecord>(changeIndex, readBytes),
      readChunkedList<HistoryEntry>(historyIndex, readBytes),
    ])
    const lists = { changes: changeIndex as ChunkedList, history: historyIndex as ChunkedList }
    return { data, changes: changes.map(withRecordDefaults), history, logChunks: logChunks as string[], lists }
  } catch (error) {
    throw incomplete((error as Error).message)
  }
}

/** Decompressed bytes per bundle the publisher aims at: a cold read decompresses one bundle to serve one value. */
const BUNDLE_TARGET_BYTES = 2 * 1024 * 1024

/**
 * A version's values in bundles (bundle.ts): each group in as many bundles as keep them near
 * BUNDLE_TARGET_BYTES, every state of a path side by side so that compression finds their likeness.
 * Values stored under their own key pass through.
 */
async function bundled(
  release: Release,
  records: KvRecord[],
  compress?: Compress,
): Promise<{ records: KvRecord[]; bundles: Record<string, number> }> {
  const encoder = new TextEncoder()
  const own: KvRecord[] = []
  const groups = new Map<string, { slot: BundleSlot; value: BundledValue }[]>()
  for (const record of records) {
    const slot = bundleSlot(release, record.key)
    if (!slot || !record.metadata) {
      own.push(record)
      continue
    }
    const value = typeof record.value === 'string' ? encoder.encode(record.value) : record.value
    const key = record.key.slice(release.prefix.length + 1)
    const members = groups.get(slot.group) ?? []
    members.push({ slot, value: { key, value, metadata: record.metadata } })
    groups.set(slot.group, members)
  }
  const bundles: Record<string, number> = {}
  const byKey = new Map<string, BundledValue[]>()
  for (const [group, members] of [...groups].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const bytes = members.reduce((sum, { value }) => sum + value.value.byteLength, 0)
    const count = Math.max(1, Math.ceil(bytes / BUNDLE_TARGET_BYTES))
    bundles[group] = count
    members.sort((a, b) =>
      a.slot.path < b.slot.path ? -1 : a.slot.path > b.slot.path ? 1 : a.value.key < b.value.key ? -1 : 1,
    )
    for (const { slot, value } of members) {
      const key = bundleKey(release, slot, count)
      const values = byKey.get(key)
      if (values) values.push(value)
      else byKey.set(key, [value])
    }
  }
  const packed = await Promise.all(
    [...byKey].map(
      async ([key, values]): Promise<KvRecord> => ({
        key,
        value: await packBundle(values, compress),
        metadata: { bundle: true },
      }),
    ),
  )
  return { records: [...packed, ...own], bundles }
}

/**
 * Every value of a version: the change-log chunks not stored already (`stored`, the previous
 * version's), then under its prefix the representations (entries in packs), in bundles, and what
 * the next version needs. A chunk is named by its bytes, so writing one twice, or racing another
 * publisher to it, writes the same bytes; `owned` are the keys this version alone may delete.
 * `bundles` goes into the release, so that readers find each value's bundle.
 */
export async function versionRecords(
  release: Release,
  rendered: RenderedRepresentation[],
  logChunks: Map<string, Uint8Array>,
  stored: readonly string[],
  inputs: VersionInputs,
  compress?: Compress,
): Promise<{ records: KvRecord[]; owned: string[]; bundles: Record<string, number> }> {
  const already = new Set(stored)
  const records: KvRecord[] = [...logChunks]
    .filter(([key]) => !already.has(key))
    .map(([key, value]) => ({ key, value, metadata: { chunk: true } }))
  const shared = records.length
  const packs = new Map<string, RenderedRepresentation[]>()
  for (const representation of rendered) {
    if (representation.entryId === undefined) {
      records.push({
        key: representationKey(release, representation.state, representation.path),
        value: representation.body,
        metadata: representation.log ? { log: true } : { etag: representation.etag },
      })
    } else {
      const state = representation.state!
      const key = packKey(release, state, entryPack(representation.entryId, release.entryPackSizes[state]!.length))
      const parts = packs.get(key)
      if (parts) parts.push(representation)
      else packs.set(key, [representation])
    }
  }
  for (const [key, parts] of packs) records.push({ key, value: pack(parts), metadata: { packed: true } })
  records.push({ key: dataKey(release), value: JSON.stringify(inputs.data) })
  records.push({ key: changeLogKey(release), value: JSON.stringify(inputs.lists.changes) })
  records.push({ key: historyKey(release), value: JSON.stringify(inputs.lists.history) })
  records.push({ key: logChunksKey(release), value: JSON.stringify(inputs.logChunks) })
  const own = await bundled(release, records.slice(shared), compress)
  return {
    records: [...records.slice(0, shared), ...own.records],
    owned: own.records.map(({ key }) => key),
    bundles: own.bundles,
  }
}

/** A version's manifest, under its prefix; its ETag is its SHA-256, which the release's evidence states too. */
export function manifestRecord(release: Release, bytes: Uint8Array): KvRecord {
  return { key: manifestKey(release), value: bytes, metadata: { etag: sha256Etag(release.evidence!.manifest) } }
}

/** The signed log's tiles. A full tile's bytes never change; a partial tile's path names its width. */
export function tileRecords(tiles: { path: string; bytes: Uint8Array }[]): KvRecord[] {
  return tiles.map(({ path, bytes }) => ({ key: tileKey(path), value: bytes, metadata: { tile: true } }))
}

/** Writes values to a KV binding, a few at a time; none of them is visible until a release names their prefix. */
export async function writeValues(
  kv: Pick<KVNamespace, 'put'>,
  records: KvRecord[],
  onProgress?: (written: number, total: number) => void,
): Promise<void> {
  const CONCURRENCY = 16
  let next = 0
  let written = 0
  const worker = async () => {
    while (next < records.length) {
      const record = records[next++]!
      await kv.put(record.key, record.value, record.metadata ? { metadata: record.metadata } : undefined)
      onProgress?.(++written, records.length)
    }
  }
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, records.length) }, worker))
}

/** The release record and the pointer, in that order: what makes a written version visible. */
export function pointerRecords(release: Release): KvRecord[] {
  const record = JSON.stringify(release)
  return [
    { key: releaseKey(release.version), value: record },
    { key: CURRENT_RELEASE_KEY, value: record },
  ]
}

/** Reads and writes through a KV binding (local KV, or a test's). */
export function bindingAccess(kv: Pick<KVNamespace, 'get' | 'put' | 'delete'>): {
  read: KvRead
  write: KvWrite
  remove: (keys: string[]) => Promise<void>
} {
  return {
    read: (key) => kv.get(key, 'text'),
    write: (records, onProgress) => writeValues(kv, records, onProgress),
    remove: async (keys) => {
      await Promise.all(keys.map((key) => kv.delete(key)))
    },
  }
}
