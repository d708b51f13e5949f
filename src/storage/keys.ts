/**
 * The registry's KV key layout: every key the Worker reads and the publisher writes is spelled
 * here and nowhere else. A version's values live under its own prefix, unique to the publish that
 * wrote them, and are never rewritten; the pointer to the current version is written last, so a
 * reader never sees half a publish, and two racing publishers never write the same key.
 *
 *   release/current                       the current Release (JSON), written last
 *   release/v{n}                          every Release ever published (JSON)
 *   {prefix}/s{k}/list/{region}/{lang}.{format}
 *   {prefix}/s{k}/scheduled/{region}/{lang}.{format}
 *   {prefix}/s{k}/changes/{region}/{lang}.{format}
 *                                         one representation of state k each; metadata { etag }
 *   {prefix}/s{k}/changelog/{region}/{lang}.{format}
 *                                         every change, sliceable by version (see log.ts); metadata { log: true }
 *   logs/{digest}                         a chunk of older change-log items, named by its bytes' ETag and
 *                                         shared by every version whose log holds those bytes; metadata { chunk: true }
 *   {prefix}/s{k}/entries/{pack}          the entries whose id hashes to the pack (see pack.ts); metadata
 *                                         { packed: true }. One value per ~64 entries keeps a 10,000-entry
 *                                         publish to a few hundred writes.
 *   {prefix}/doc/{name}.json, {prefix}/versions/{lang}.{format}
 *                                         the version's own representations; metadata { etag }
 *   {prefix}/data.json                    the data the version was published from
 *   {prefix}/changes.json                 every change record up to the version: the index of its blocks (lists.ts)
 *   {prefix}/history.json                 [version, publishedAt] of every version up to this one: the index of its blocks
 *   records/{digest}, history/{digest}    a block of 64 versions' change records or publish times, shared by every
 *                                         version whose block is the same bytes
 *   {prefix}/log-chunks.json              the keys of every shared chunk and block the version refers to (logs, lists)
 *   {prefix}/manifest.json                the version's manifest: a leaf of the signed log; metadata { etag }
 *   log/tile/{level}/{index}[.p/{width}]  the signed log's hash tiles (C2SP tlog-tiles), written once
 *                                         the version's number is taken; a full tile never changes
 *   log/cosigned/{size}                   the checkpoint of that size with every witness's cosignature, rewritten
 *                                         from D1 as cosignatures arrive (cosignatures.ts); only for a log with witnesses
 *
 * A prefix is `v{n}.{first 8 characters of the release digest}`.
 *
 * Since versions store their values in bundles, the representations and packs above are not keys
 * of their own: each sits in one compressed bundle, with every value of its group (a language and
 * format, the documents, or the entries), and every state of it side by side (bundle.ts):
 *
 *   {prefix}/bundle/{group}/{index}       the bundle a value's path (without its state) hashes to, of as many
 *                                         as the release's `bundles` names for its group; metadata { bundle: true }
 *
 * A release without `bundles` was written before them, and is read key by key.
 */

export const CURRENT_RELEASE_KEY = 'release/current'

export const releaseKey = (version: number) => `release/v${version}`

export const versionPrefix = (version: number, digest: string) => `v${version}.${digest.slice(0, 8)}`

interface Placed {
  prefix: string
}

/** A representation's key: per state for lists, entries and changes (state k), else the version's own (state null). */
export const representationKey = (release: Placed, state: number | null, path: string) =>
  state === null ? `${release.prefix}/${path}` : `${release.prefix}/s${state}/${path}`

export const packKey = (release: Placed, state: number, pack: number) => `${release.prefix}/s${state}/entries/${pack}`

export const dataKey = (release: Placed) => `${release.prefix}/data.json`

export const changeLogKey = (release: Placed) => `${release.prefix}/changes.json`

export const historyKey = (release: Placed) => `${release.prefix}/history.json`

export const logChunksKey = (release: Placed) => `${release.prefix}/log-chunks.json`

export const manifestKey = (release: Placed) => `${release.prefix}/manifest.json`

/** A tile of the signed log, by its C2SP path (`0/x001/234.p/7`). */
export const tileKey = (path: string) => `log/tile/${path}`

/** The checkpoint of a tree size with its witnesses' cosignatures. */
export const cosignedCheckpointKey = (size: number) => `log/cosigned/${size}`

/** The lists that grow with every version, stored in shared blocks (lists.ts): change records, and publish times. */
export type ListKind = 'records' | 'history'

/** A block of a growing list, named by the strong ETag of its bytes. */
export const listChunkKey = (kind: ListKind, etag: string) => `${kind}/${etag.slice(1, -1)}`

/** A change-log chunk's key, from the strong ETag of its bytes. */
export const logChunkKey = (etag: string) => `logs/${etag.slice(1, -1)}`

/** What a stored value's metadata says of it: one representation with its ETag, a pack, a sliceable log, a chunk of one, a log tile, or a bundle of values. */
export type StoredMetadata =
  | { etag: string }
  | { packed: true }
  | { log: true }
  | { chunk: true }
  | { tile: true }
  | { bundle: true }

const ENTRIES_PER_PACK = 64

/** How many packs a release with this many entries uses. */
export function entryPackCount(entries: number): number {
  return Math.max(1, Math.ceil(entries / ENTRIES_PER_PACK))
}

/** FNV-1a: publisher and Worker agree on where a value goes without an index. */
function fnv1a(text: string): number {
  let hash = 0x811c9dc5
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193)
  return hash >>> 0
}

/** Which pack holds an entry: a hash of its id. */
export function entryPack(id: string, packs: number): number {
  return fnv1a(id) % packs
}

/** Where a value of a version sits among its bundles: its group, and the path its bundle is chosen by. */
export interface BundleSlot {
  group: string
  /** The value's key below the prefix, without its state: every state of one path shares a bundle. */
  path: string
}

/**
 * The bundle slot of a key below a version's prefix, or null for a value stored under its own
 * key (the data, change and history indexes, the manifest). A group is a language and format
 * (`en.json`), the version's documents (`doc`) or its entry packs (`entries`).
 */
export function bundleSlot(release: Placed, key: string): BundleSlot | null {
  if (!key.startsWith(`${release.prefix}/`)) return null
  const relative = key.slice(release.prefix.length + 1)
  const path = relative.replace(/^s\d+\//, '')
  if (path.startsWith('entries/')) return { group: 'entries', path }
  if (path.startsWith('doc/')) return { group: 'doc', path }
  if (path === relative && !path.startsWith('versions/')) return null
  const file = /\/([a-z]{2,3}(?:-[A-Za-z0-9]+)*\.[a-z]+)$/.exec(path)
  return { group: file ? file[1]! : 'other', path }
}

/** The key of the bundle that holds a slot, of `count` in its group. */
export const bundleKey = (release: Placed, { group, path }: BundleSlot, count: number) =>
  `${release.prefix}/bundle/${group}/${fnv1a(path) % count}`

/** The key of the bundle a value of this release is stored in; null when it is stored under its own key. */
export function bundleOf(release: Placed & { bundles?: Record<string, number> }, key: string): string | null {
  if (!release.bundles) return null
  const slot = bundleSlot(release, key)
  const count = slot && release.bundles[slot.group]
  return slot && count ? bundleKey(release, slot, count) : null
}
