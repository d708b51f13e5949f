/**
 * A version's stored values as the reader finds them, key by key, wherever they are kept: under
 * their own key, or in the version's bundles. Tests damage storage through these, as a fault in
 * KV would, whichever way a version was written.
 */
import { type BundledValue, packBundle, unpackBundle } from '../../src/storage/bundle'
import { bundleOf, type StoredMetadata } from '../../src/storage/keys'
import type { Release } from '../../src/domain/representation'

type Stored = { value: Uint8Array; metadata: StoredMetadata }

async function bundleValues(kv: KVNamespace, bundle: string): Promise<Map<string, Omit<BundledValue, 'key'>>> {
  const bytes = await kv.get(bundle, 'arrayBuffer')
  if (!bytes) throw new Error(`no bundle ${bundle}`)
  return unpackBundle(new Uint8Array(bytes))
}

/** A value and its metadata; null when the version has none under that key. */
export async function getStored(kv: KVNamespace, release: Release, key: string): Promise<Stored | null> {
  const bundle = bundleOf(release, key)
  if (!bundle) {
    const { value, metadata } = await kv.getWithMetadata<StoredMetadata>(key, 'arrayBuffer')
    return value && metadata ? { value: new Uint8Array(value), metadata } : null
  }
  const stored = (await bundleValues(kv, bundle)).get(key.slice(release.prefix.length + 1))
  return stored ? { value: stored.value.slice(), metadata: stored.metadata } : null
}

/** Writes a value in place of the version's own (null removes it), metadata as given. */
export async function putStored(
  kv: KVNamespace,
  release: Release,
  key: string,
  stored: { value: Uint8Array | string; metadata: StoredMetadata } | null,
): Promise<void> {
  const value = typeof stored?.value === 'string' ? new TextEncoder().encode(stored.value) : stored?.value
  const bundle = bundleOf(release, key)
  if (!bundle) {
    if (stored) await kv.put(key, value!, { metadata: stored.metadata })
    else await kv.delete(key)
    return
  }
  const values = await bundleValues(kv, bundle)
  const relative = key.slice(release.prefix.length + 1)
  if (stored) values.set(relative, { value: value!, metadata: stored.metadata })
  else if (!values.delete(relative)) throw new Error(`no ${key} in ${bundle}`)
  await kv.put(bundle, await packBundle([...values].map(([key, rest]) => ({ key, ...rest }))), {
    metadata: { bundle: true },
  })
}

/** Every key of a version, its bundles' values listed by their own keys (the bundles themselves left out). */
export async function storedKeys(kv: KVNamespace, release: Release): Promise<string[]> {
  const keys: string[] = []
  let cursor: string | undefined
  do {
    const page = await kv.list({ prefix: `${release.prefix}/`, cursor })
    for (const { name } of page.keys) {
      if (!name.startsWith(`${release.prefix}/bundle/`)) keys.push(name)
      else for (const key of (await bundleValues(kv, name)).keys()) keys.push(`${release.prefix}/${key}`)
    }
    cursor = page.list_complete ? undefined : page.cursor
  } while (cursor)
  return keys.sort()
}
