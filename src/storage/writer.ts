/**
 * The publisher's writer: the only publish-side module that touches the KV binding. A version's
 * values are written first, every one of them, and the pointer last.
 */
import { isRelease, type Release } from '../domain/representation'
import { CURRENT_RELEASE_KEY, entryPack, packKey, releaseKey, representationKey, type StoredMetadata } from './keys'
import { pack, type PackedPart } from './pack'

/** A rendered representation, ready to write; entries name their id so they can be packed. */
export interface RenderedRepresentation extends PackedPart {
  entryId?: string
}

export interface KvRecord {
  key: string
  value: string | Uint8Array
  metadata?: StoredMetadata
}

/** The current release as KV holds it now, read directly, never through an isolate's caches. */
export async function readCurrentRelease(kv: Pick<KVNamespace, 'get'>): Promise<Release | null> {
  const text = await kv.get(CURRENT_RELEASE_KEY, 'text')
  return text === null ? null : parseStoredRelease(text)
}

/** A stored release record; throws with the reason when it is not one. */
export function parseStoredRelease(text: string): Release {
  const value: unknown = JSON.parse(text)
  if (!isRelease(value)) throw new Error(`${CURRENT_RELEASE_KEY} holds something that is not a release record`)
  return value
}

/** Everything a release writes, in two steps: the immutable version first, then the pointer to it. */
export function releaseRecords(release: Release, rendered: RenderedRepresentation[]): { version: KvRecord[]; pointer: KvRecord } {
  const version: KvRecord[] = []
  const packs = new Map<number, RenderedRepresentation[]>()
  for (const representation of rendered) {
    if (representation.entryId === undefined) {
      version.push({ key: representationKey(release.version, representation.path), value: representation.body, metadata: { etag: representation.etag } })
    } else {
      const number = entryPack(representation.entryId, release.entryPackSizes.length)
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
