/**
 * The log's commitment to the objections received: each version's manifest holds the root of an
 * RFC 6962 Merkle tree whose leaves are the SHA-256 digests of the signed objections received
 * since the version before, oldest first. Never the objections themselves: with its receipt and
 * an inclusion proof, a customer proves its objection was received; nobody learns who objected.
 */
import { fromBase64, toBase64 } from '../bytes.js'
import { leafHash, MerkleTree } from '../log/merkle.js'
import { rootFromInclusionProof } from '../log/proof.js'

/** A manifest's `objections`: how many objections the version commits to, and their tree's root. */
export interface Commitment {
  size: number
  root: string
}

/** Where one objection sits under a version's commitment: served by `GET /objections/{digest}/inclusion`. */
export interface Inclusion {
  /** The signed objection's SHA-256, base64. */
  objection: string
  version: number
  index: number
  size: number
  proof: string[]
}

/** More leaves than this in one version would be more objections than any registry takes between publishes. */
const MAX_PROOF_HASHES = 40

function digestBytes(digest: string): Uint8Array {
  const bytes = fromBase64(digest)
  if (!bytes || bytes.byteLength !== 32) throw new Error(`"${digest.slice(0, 60)}" is not a SHA-256 digest in base64`)
  return bytes
}

/** The commitment to these digests, in this order, and each one's inclusion proof. */
export async function commitTo(digests: string[]): Promise<{ commitment: Commitment; proofs: string[][] }> {
  const tree = await MerkleTree.fromLeafHashes(await Promise.all(digests.map((d) => leafHash(digestBytes(d)))))
  const proofs = await Promise.all(digests.map(async (_, i) => (await tree.inclusionProof(i)).map(toBase64)))
  return { commitment: { size: digests.length, root: toBase64(await tree.root()) }, proofs }
}

/** An inclusion as the registry answers it, checked for shape and bounds; a string saying what is wrong otherwise. */
export function readInclusion(value: unknown): Inclusion | string {
  const v = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>
  const count = (n: unknown) => Number.isSafeInteger(n) && (n as number) >= 0
  if (typeof v.objection !== 'string' || !fromBase64(v.objection)) return 'it names no objection digest'
  if (!count(v.version) || (v.version as number) < 1) return 'it names no version'
  if (!count(v.index) || !count(v.size) || (v.index as number) >= (v.size as number))
    return 'its index is not a leaf of its size'
  if (!Array.isArray(v.proof) || v.proof.length > MAX_PROOF_HASHES || v.proof.some((h) => typeof h !== 'string'))
    return 'its proof is not a list of hashes'
  return {
    objection: v.objection,
    version: v.version as number,
    index: v.index as number,
    size: v.size as number,
    proof: v.proof as string[],
  }
}

/**
 * That the objection with `digest` is a leaf of the commitment the version's manifest holds;
 * a string saying why not otherwise.
 */
export async function checkInclusion(
  digest: string,
  inclusion: Inclusion,
  commitment: Commitment | null,
): Promise<string | null> {
  if (!commitment) return `version ${inclusion.version}'s manifest commits to no objections`
  if (inclusion.objection !== digest) return 'the proof is for another objection'
  if (inclusion.size !== commitment.size)
    return `the proof is for a tree of ${inclusion.size}; version ${inclusion.version} commits to ${commitment.size}`
  const proof = inclusion.proof.map(fromBase64)
  if (proof.some((hash) => !hash || hash.byteLength !== 32)) return 'the proof holds a hash that is not 32 bytes'
  try {
    const root = await rootFromInclusionProof(
      await leafHash(digestBytes(digest)),
      inclusion.index,
      inclusion.size,
      proof as Uint8Array[],
    )
    return toBase64(root) === commitment.root ? null : 'the proof leads to another root than the manifest commits to'
  } catch (error) {
    return (error as Error).message
  }
}
