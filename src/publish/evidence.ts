/**
 * Enters a version in the signed log: its manifest becomes the next leaf, and the new tree's
 * checkpoint is signed with the registry's key (C2SP signed-note, tlog-checkpoint). Refuses to
 * grow a log whose head is not the previous version's manifest, or to sign with a key the log
 * did not announce. Signing happens here, in the publisher: the Worker holds no private key.
 */
import { fromBase64 as decodeBase64 } from '../../client/src/bytes'
import type { Commitment } from '../../client/src/objections/commitment'
import { base64 } from '../domain/etag'
import { leafHash, MerkleTree, TILE_HEIGHT, TILE_WIDTH, tilePath } from '../domain/merkle'
import type { Release, ReleaseEvidence } from '../domain/representation'
import { formatCheckpoint, parseCheckpoint, type SignerKey, signNote } from '../domain/signed-note'
import type { Manifest } from '../domain/evidence'
import { buildManifest, manifestBytes, type ManifestedView } from './manifest'
import type { RegistryData } from './input/schema'

/** The keys a publish signs with: the log's key, and during a rotation the key it replaces. */
export interface LogSigning {
  signer: SignerKey
  /** The key the log announced until now; this version's checkpoint carries its signature too. */
  rotatingFrom?: SignerKey
}

/** Why the log may not grow, said so that the operator knows what to do. */
export class LogRefused extends Error {}

const fromBase64 = (text: string) => decodeBase64(text) ?? new Uint8Array(0)
const sha256 = async (bytes: Uint8Array) => new Uint8Array(await crypto.subtle.digest('SHA-256', bytes))

export interface LogEntry {
  manifest: Manifest
  bytes: Uint8Array
  evidence: ReleaseEvidence
  /** The tiles this leaf adds or changes, by path. */
  tiles: { path: string; bytes: Uint8Array }[]
}

/**
 * The manifest of `release`, its leaf, the tiles it changes and the signed checkpoint of the
 * log with it. `leaves` are the leaf hashes (base64) of versions 1 to release.version − 1, as the
 * version table holds them; `previous` is the version before, whose checkpoint the tree must match.
 */
export async function enterInLog(
  release: Release,
  views: ManifestedView[],
  previous: Release | null,
  leaves: string[],
  signing: LogSigning,
  origin: string,
  data: Uint8Array,
  /** A registry that takes objections: the key that signs receipts, and the objections this version commits to. */
  objections?: { receiptKey: string; commitment: Commitment },
): Promise<LogEntry> {
  const { signer, rotatingFrom } = signing
  if (signer.name !== origin)
    throw new LogRefused(
      `The signing key is for the log "${signer.name}", but data/registry.json names the log "${origin}".`,
    )
  if (leaves.length !== release.version - 1)
    throw new LogRefused(`The log holds ${leaves.length} versions, so it cannot take version ${release.version}.`)
  const parent = previous ? await checkHead(previous, leaves, signing) : null
  if (!previous && rotatingFrom)
    throw new LogRefused('The first version starts the log: there is no key to rotate from.')
  const manifest = buildManifest(release, views, {
    origin,
    signer: signer.verifier.text,
    ...(rotatingFrom ? { rotatedFrom: rotatingFrom.verifier.text } : {}),
    ...(objections ? { receiptKey: objections.receiptKey, objections: objections.commitment } : {}),
    parent,
    dataSha256: base64(await sha256(data)),
  })
  const bytes = manifestBytes(manifest)
  const leaf = await leafHash(bytes)
  const tree = await MerkleTree.fromLeafHashes([...leaves.map(fromBase64), leaf])
  const checkpoint = await signNote(
    formatCheckpoint({ origin, size: tree.size, root: await tree.root(), extensions: [] }),
    rotatingFrom ? [signer, rotatingFrom] : [signer],
  )
  return {
    manifest,
    bytes,
    evidence: { manifest: base64(await sha256(bytes)), leaf: base64(leaf), signer: signer.verifier.text, checkpoint },
    tiles: changedTiles(tree),
  }
}

/**
 * The log may grow only from the head the previous version left: its checkpoint's root must be
 * the root of the leaves the version table holds, its leaf the last of them, and this publish
 * must sign with the key that signed it, unless it rotates from that key.
 */
async function checkHead(
  previous: Release,
  leaves: string[],
  { signer, rotatingFrom }: LogSigning,
): Promise<Manifest['parent']> {
  const head = previous.evidence
  if (!head) {
    throw new LogRefused(
      `Version ${previous.version} was published before the registry kept a signed log, so the log cannot continue from it. Publish into a new store.`,
    )
  }
  const checkpoint = parseCheckpoint(head.checkpoint.slice(0, head.checkpoint.indexOf('\n\n') + 1))
  const root = await (await MerkleTree.fromLeafHashes(leaves.map(fromBase64))).root()
  if (checkpoint.size !== leaves.length || base64(root) !== base64(checkpoint.root) || leaves.at(-1) !== head.leaf) {
    throw new LogRefused(
      `The log's head is not version ${previous.version}'s manifest as its checkpoint signed it: the version table or the log was altered. Nothing was written.`,
    )
  }
  const expected = rotatingFrom ?? signer
  if (head.signer !== expected.verifier.text) {
    throw new LogRefused(
      rotatingFrom
        ? `The key to rotate from (${rotatingFrom.verifier.text}) is not the one that signed version ${previous.version} (${head.signer}).`
        : `The signing key (${signer.verifier.text}) is not the one that signed version ${previous.version} (${head.signer}). A new key needs a logged rotation: publish with --rotate-from <the old key>.`,
    )
  }
  return { version: previous.version, sha256: head.manifest }
}

/** The tiles of the log whose newest leaf is the last of `leaves` (base64): what its publish wrote, written again to complete one. */
export async function tilesOfNewestLeaf(leaves: string[]): Promise<{ path: string; bytes: Uint8Array }[]> {
  return changedTiles(await MerkleTree.fromLeafHashes(leaves.map(fromBase64)))
}

/**
 * The data as published, with the verifier key of the key that signs it: discovery shows the
 * key in use. data/registry.json may pin the production key; `strict` (a publish to Cloudflare)
 * refuses any other, a local publish signs with its development key and says so.
 */
export function withVerifierKey(
  data: RegistryData,
  signing: LogSigning,
  strict: boolean,
): { data: RegistryData; warning: string | null } {
  const pinned = data.registry.evidence.verifierKey
  const key = signing.signer.verifier.text
  if (pinned === key) return { data, warning: null }
  if (pinned !== null && strict)
    throw new LogRefused(
      `data/registry.json pins the verifier key ${pinned}, but the signing key's is ${key}. Sign with the pinned key, or rotate to the new one and pin it.`,
    )
  const warning =
    pinned === null
      ? null
      : `data/registry.json pins ${pinned}; this local publish signs with ${key} and publishes that key instead.`
  return {
    data: { ...data, registry: { ...data.registry, evidence: { ...data.registry.evidence, verifierKey: key } } },
    warning,
  }
}

/**
 * The receipt key a publish records: the one data/registry.json names, else (`null` there) the one
 * given at publish time. A key given that contradicts the data is refused; a registry whose key
 * is left to the publish and not given takes no objections in this version, and is told so.
 */
export function withReceiptKey(
  data: RegistryData,
  given: string | undefined,
  /** A deployment: the key must be given, never left out. */
  strict = false,
): { data: RegistryData; warning: string | null } {
  const named = data.registry.evidence.receiptKey
  if (named === undefined) return { data, warning: null }
  if (named !== null) {
    if (given !== undefined && given !== named)
      throw new LogRefused(
        `data/registry.json names the receipt key ${named}, but ${given} was given: the Worker's RECEIPT_SIGNING_KEY is one of them.`,
      )
    return { data, warning: null }
  }
  if (!given && strict)
    throw new LogRefused(
      "data/registry.json takes objections with the deployment's receipt key: give its verifier key with --receipt-key or RECEIPT_VERIFIER_KEY (the Worker signs with RECEIPT_SIGNING_KEY).",
    )
  const evidence = { ...data.registry.evidence }
  if (given) evidence.receiptKey = given
  else delete evidence.receiptKey
  return {
    data: { ...data, registry: { ...data.registry, evidence } },
    warning: given
      ? null
      : "data/registry.json takes objections with the deployment's receipt key, but none was given (--receipt-key or RECEIPT_VERIFIER_KEY): this version takes none.",
  }
}

/** The tiles the newest leaf changed: at each level, the tile that holds that level's newest hash, if the leaf made one. */
function changedTiles(tree: MerkleTree): { path: string; bytes: Uint8Array }[] {
  const tiles = []
  for (let level = 0; ; level++) {
    const hashes = tree.storedLevel(level * TILE_HEIGHT)
    // A level gains a hash only when the leaf completes a subtree of its size.
    if (hashes.length === 0 || tree.size % 2 ** (level * TILE_HEIGHT) !== 0) break
    const index = Math.floor((hashes.length - 1) / TILE_WIDTH)
    const part = hashes.slice(index * TILE_WIDTH)
    const bytes = new Uint8Array(part.length * 32)
    for (const [i, hash] of part.entries()) bytes.set(hash, i * 32)
    tiles.push({ path: tilePath(level, index, part.length), bytes })
  }
  return tiles
}
