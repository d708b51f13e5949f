/**
 * The registry's KV key layout: every key the Worker reads and the publisher writes is spelled
 * here and nowhere else. Each published version lives under its own prefix and is never
 * rewritten; the pointer to the current version is written last, so a reader never sees half a
 * publish.
 *
 *   release/current              the current Release (JSON), written last
 *   release/v{n}                 every Release ever published (JSON)
 *   v{n}/list/{region}/{lang}.{format}, v{n}/doc/{name}.json
 *                                one representation each; metadata { etag }
 *   v{n}/entries/{pack}          the representations of the entries whose id hashes to the pack
 *                                (see pack.ts); metadata { packed: true }. One KV value per ~64
 *                                entries keeps a 10,000-entry publish to a few hundred writes.
 *   v{n}/changelog.json          every change record up to version n (JSON array of ChangeRecord)
 */

export const CURRENT_RELEASE_KEY = 'release/current'

export const releaseKey = (version: number) => `release/v${version}`

export const representationKey = (version: number, path: string) => `v${version}/${path}`

export const packKey = (version: number, pack: number) => `v${version}/entries/${pack}`

export const changeLogKey = (version: number) => `v${version}/changelog.json`

/** What a stored value's metadata says of it: one representation with its ETag, or a pack. */
export type StoredMetadata = { etag: string } | { packed: true }

const ENTRIES_PER_PACK = 64

/** How many packs a release with this many entries uses. */
export function entryPackCount(entries: number): number {
  return Math.max(1, Math.ceil(entries / ENTRIES_PER_PACK))
}

/** Which pack holds an entry: FNV-1a of its id, so publisher and Worker agree without an index. */
export function entryPack(id: string, packs: number): number {
  let hash = 0x811c9dc5
  for (let i = 0; i < id.length; i++) hash = Math.imul(hash ^ id.charCodeAt(i), 0x01000193)
  return (hash >>> 0) % packs
}
