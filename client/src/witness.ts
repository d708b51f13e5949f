/**
 * The client as a witness of each registry's log (C2SP tlog-checkpoint, tlog-tiles): every new
 * checkpoint must carry a valid signature by the pinned key, and the tree it signs must extend
 * the last one seen. A new key is followed only through a rotation the log itself records,
 * under the old key's signature. Anything else is a registry rewriting its history.
 */
import { type Discovery, pick } from './format.js'
import { type Fetch, get, type HttpLimits, parseJson, WatchError } from './http.js'
import { leafHash, MerkleTree, TILE_WIDTH, tilePath } from './merkle.js'
import { NoteError, openNote, parseCheckpoint, parseVerifierKey } from './signed-note.js'

export interface WitnessedLog {
  origin: string
  /** Every key this log may be signed with: the pinned one, and the keys it rotated to. */
  keys: string[]
  size: number
  /** The signed root, base64. */
  root: string
}

/** Hashes compared as base64, the form checkpoints and the state keep them in. */
export const toBase64 = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes))
const sha256 = async (bytes: Uint8Array) => toBase64(new Uint8Array(await crypto.subtle.digest('SHA-256', bytes)))
const failed = (
  message: string,
  hint = 'Keep the last good state; ask the vendor why, before trusting this list again.',
) => new WatchError('evidence', message, hint)

export interface Witnessing {
  fetcher: Fetch
  limits: HttpLimits
  discovery: Discovery
  /** Where discovery was read: links resolve against it. */
  base: string
}

/** The checkpoint, read and checked against what was seen before; `etag` skips all of it when unchanged. */
export async function witness(
  w: Witnessing,
  seen: WitnessedLog,
  etag: string | undefined,
): Promise<{ log: WitnessedLog; etag: string | null; leaves: Uint8Array[] | null; rotatedTo: string | null } | null> {
  const evidence = w.discovery.evidence!
  const url = new URL(evidence.checkpoint, w.base).href
  const fetched = await get(w.fetcher, url, etag, w.limits, 'text/plain')
  if (fetched.status === 304) return null
  const note = new TextDecoder().decode(fetched.bytes)
  const verifiers = await Promise.all(seen.keys.map((key) => parseVerifierKey(key)))
  let opened: Awaited<ReturnType<typeof openNote>>
  try {
    opened = await openNote(note, verifiers)
  } catch (error) {
    if (!(error instanceof NoteError)) throw error
    const message = error.message.startsWith('no signature by a known key')
      ? `the checkpoint at ${url} is not signed by the pinned key ${seen.keys.at(-1)}: ${error.message}. The key changed without a rotation recorded in the log`
      : `the checkpoint at ${url} fails its signature: ${error.message}`
    throw failed(message)
  }
  let checkpoint: ReturnType<typeof parseCheckpoint>
  try {
    checkpoint = parseCheckpoint(opened.text)
  } catch (error) {
    throw failed(`the checkpoint at ${url} is not one: ${(error as Error).message}`)
  }
  if (checkpoint.origin !== seen.origin)
    throw failed(`the checkpoint at ${url} is for the log "${checkpoint.origin}", not "${seen.origin}"`)
  const root = toBase64(checkpoint.root)
  if (checkpoint.size < seen.size)
    throw failed(`the log shrank from ${seen.size} to ${checkpoint.size} versions: a registry's log only grows`)
  if (checkpoint.size === seen.size) {
    if (root !== seen.root) throw failed(`the log at size ${seen.size} now has another root: its history was rewritten`)
    return { log: seen, etag: fetched.etag, leaves: null, rotatedTo: null }
  }
  const leaves = await readLeaves(w, checkpoint.size)
  const tree = await MerkleTree.fromLeafHashes(leaves)
  if (toBase64(await tree.root()) !== root)
    throw failed(`the tiles at ${evidence.tiles} do not hash to the root the checkpoint signs`)
  if (seen.size > 0 && toBase64(await tree.root(seen.size)) !== seen.root)
    throw failed(
      `the log of ${checkpoint.size} versions does not extend the log of ${seen.size} seen before: its history was rewritten`,
    )
  let keys = seen.keys
  let rotatedTo: string | null = null
  if (opened.unverified.length > 0) {
    rotatedTo = await loggedRotation(w, seen, leaves)
    if (rotatedTo) keys = [...keys, rotatedTo]
  }
  return { log: { origin: seen.origin, keys, size: checkpoint.size, root }, etag: fetched.etag, leaves, rotatedTo }
}

/** Every leaf hash of the tree, from its level-0 tiles. */
export async function readLeaves(w: Witnessing, size: number): Promise<Uint8Array[]> {
  const leaves: Uint8Array[] = []
  for (let index = 0; index * TILE_WIDTH < size; index++) {
    const width = Math.min(TILE_WIDTH, size - index * TILE_WIDTH)
    const url = new URL(`${w.discovery.evidence!.tiles}${tilePath(0, index, width)}`, w.base).href
    const fetched = await get(w.fetcher, url, undefined, w.limits, 'application/octet-stream')
    if (fetched.status !== 200 || fetched.bytes.byteLength !== width * 32)
      throw failed(`the tile ${url} does not hold ${width} hashes`)
    for (let i = 0; i < width; i++) leaves.push(fetched.bytes.slice(i * 32, (i + 1) * 32))
  }
  return leaves
}

/** A version's manifest, checked to be the leaf the log holds for it. */
export async function loggedManifest(
  w: Witnessing,
  version: number,
  leaves: Uint8Array[],
): Promise<Record<string, unknown>> {
  const url = await manifestUrl(w, version)
  const fetched = await get(w.fetcher, url, undefined, w.limits)
  if (fetched.status !== 200) throw failed(`${url} answered without a body`)
  const leaf = leaves[version - 1]
  if (!leaf || toBase64(await leafHash(fetched.bytes)) !== toBase64(leaf))
    throw failed(`the manifest of version ${version} at ${url} is not the one the log holds`)
  return parseJson(fetched.bytes, url) as Record<string, unknown>
}

/** Whether the list's bytes are one of the representations the version's logged manifest lists. */
export async function listIsLogged(manifest: Record<string, unknown>, bytes: Uint8Array): Promise<boolean> {
  const digest = await sha256(bytes)
  const states = (manifest.states as { representations?: { sha256?: string }[] }[] | undefined) ?? []
  return states.some((state) => state.representations?.some((r) => r.sha256 === digest))
}

async function manifestUrl(w: Witnessing, version: number): Promise<string> {
  const versions = pick(w.discovery.history?.versions, w.discovery.defaultLanguage, undefined)
  if (versions) {
    const url = new URL(versions.href, w.base).href
    const fetched = await get(w.fetcher, url, undefined, w.limits)
    if (fetched.status === 200) {
      const doc = parseJson(fetched.bytes, url) as { versions?: { version: number; links?: { manifest?: string } }[] }
      const href = doc.versions?.find((v) => v.version === version)?.links?.manifest
      if (href) return new URL(href, url).href
    }
  }
  throw failed(`the registry links no manifest for version ${version}`, 'Tell the vendor: the evidence level needs it.')
}

/** The key a rotation in the new versions moved to, from a key already trusted; null if none. */
async function loggedRotation(w: Witnessing, seen: WitnessedLog, leaves: Uint8Array[]): Promise<string | null> {
  for (let version = seen.size + 1; version <= leaves.length; version++) {
    const manifest = await loggedManifest(w, version, leaves)
    const { rotatedFrom, signer } = manifest
    if (typeof rotatedFrom === 'string' && seen.keys.includes(rotatedFrom) && typeof signer === 'string') {
      await parseVerifierKey(signer).catch(() => {
        throw failed(`version ${version} rotates to "${signer}", which is not a verifier key`)
      })
      return signer
    }
  }
  return null
}
